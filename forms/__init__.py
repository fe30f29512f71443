"""Load the case-work forms (JSON Schema files in this folder) and validate a submission against one.

Each `forms/<key>.json` is a Draft 2020-12 schema whose `$id` is `https://sosflow.example/forms/<key>.json`,
so one form can `$ref` another by file name ("mash_screening.json#/$defs/decision"). Every error comes back
as a `FieldError` carrying the RFC 6901 pointer of the offending field and GOV.UK-style wording, so the
API's 422 answer and a page's error summary share one list. Schemas, the reference registry and the
compiled validators are built once per process: validation runs on every task completion.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from forms import messages, references
from forms.compiled import Check, compile_form
from forms.formats import build_format_checker

if TYPE_CHECKING:
    # `Registry.resolver()` returns this class, which referencing does not re-export.
    from referencing._core import Resolver

__all__ = [
    "FORMAT_CHECKER",
    "FORMS_DIR",
    "SCHEMA_BASE_URI",
    "SEMANTIC_CHECKS",
    "FieldError",
    "UnknownForm",
    "form_exists",
    "field_schema",
    "form_fields",
    "form_keys",
    "load_form",
    "missing_message",
    "not_allowed_message",
    "schema_uri",
    "validate_form",
]

FORMS_DIR: Path = Path(__file__).resolve().parent
SCHEMA_BASE_URI = "https://sosflow.example/forms/"
FORMAT_CHECKER = build_format_checker()

_KEY = re.compile(r"[a-z0-9_]+")
FieldPath = Sequence[str | int]
SemanticCheck = Callable[[object, list[str | int]], Iterator[tuple[list[str | int], str]]]

# What a schema cannot say about a form, by form key: run wherever that form is the submission or is
# embedded in one by `$ref` (cp_conference_record's `family_network`). Each yields (path, message).
SEMANTIC_CHECKS: dict[str, SemanticCheck] = {"family_network": references.family_network_problems}


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with a submission, located by the JSON pointer of the field to fix."""

    pointer: str
    message: str
    validator: str


class UnknownForm(KeyError):
    """No form has this key (or the key is not of the form `[a-z0-9_]+`)."""


def form_keys() -> list[str]:
    """The key of every form in this folder, sorted."""
    return sorted(_schemas())


def form_exists(key: str) -> bool:
    """Whether `key` names a form."""
    return isinstance(key, str) and key in _schemas()


def load_form(key: str) -> dict[str, Any]:
    """The form's JSON Schema: a copy, so a caller cannot change what validation uses."""
    return copy.deepcopy(_schema(key))


@cache
def form_fields(key: str) -> tuple[str, ...]:
    """The top-level properties of form `key`, in schema order (read on every completion, so kept)."""
    return tuple(_schema(key).get("properties", {}))


def validate_form(key: str, data: object) -> list[FieldError]:
    """Every error in `data` against form `key`, sorted by pointer; an empty list means it is valid.

    Data the schema accepts then passes the form's `SEMANTIC_CHECKS` (ids that must name an entry).
    """
    check = _compiled(_checked(key))
    if check is not None and check(data):  # valid: jsonschema would find nothing, so it need not look
        return sorted(set(_semantic_errors(key, data)), key=lambda each: (each.pointer, each.validator, each.message))
    validator = _validator(key)
    found = {each for error in validator.iter_errors(data) for each in _field_errors(key, error)}
    if not found:  # the cross-reference checks read a document of the schema's shape
        found.update(_semantic_errors(key, data))
    return sorted(found, key=lambda each: (each.pointer, each.validator, each.message))


def field_schema(key: str, name: str, *inside: str | int) -> dict[str, Any]:
    """The schema of a field (`inside` goes deeper: an int for a list's items), `$ref`s followed;
    empty when the form has no such field."""
    return copy.deepcopy(_field_schema(_checked(key), [name, *inside]))


def missing_message(key: str, name: str) -> str:
    """The wording for a required top-level answer that is absent."""
    return _missing_error(_checked(key), [name], "required").message


def not_allowed_message(key: str, name: str, allowed: list[Any]) -> str:
    """The wording for a top-level answer outside the values a task allows (its narrowing)."""
    field = _field_schema(_checked(key), [name])
    return messages.describe("enum", _label([name], field), field, allowed)


# Loading -----------------------------------------------------------------------------------------


def schema_uri(key: str) -> str:
    """The `$id` every form file must declare."""
    return f"{SCHEMA_BASE_URI}{key}.json"


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {path.stem: _read(path) for path in sorted(FORMS_DIR.glob("*.json")) if _KEY.fullmatch(path.stem)}


def _read(path: Path) -> dict[str, Any]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(schema, dict) or schema.get("$id") != schema_uri(path.stem):
        raise ValueError(f"{path}: a form must be a JSON object whose $id is {schema_uri(path.stem)!r}")
    return schema


@cache
def _registry() -> Registry[Any]:
    resources = [
        (schema_uri(key), Resource.from_contents(schema, default_specification=DRAFT202012))
        for key, schema in _schemas().items()
    ]
    return Registry().with_resources(resources).crawl()


def _checked(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key not in _schemas():
        raise UnknownForm(key)
    return key


def _schema(key: str) -> dict[str, Any]:
    return _schemas()[_checked(key)]


@cache
def _validator(key: str) -> Any:
    schema = _schema(key)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry(), format_checker=FORMAT_CHECKER)


@cache
def _compiled(key: str) -> Check | None:
    return compile_form(_validator(key), _registry().resolver(base_uri=schema_uri(key)))


# Turning jsonschema errors into field errors -------------------------------------------------------


def _field_errors(key: str, error: ValidationError) -> Iterator[FieldError]:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        for name in _missing(error.validator_value, error.instance):
            yield _missing_error(key, [*path, name], "required")
    elif keyword == "additionalProperties":
        for name in _extras(error.schema, error.instance):
            yield FieldError(_pointer([*path, name]), messages.unknown_field(name), keyword)
    elif keyword == "not" and _forbidden(error.validator_value, error.instance):
        for name in _forbidden(error.validator_value, error.instance):
            field = _field_schema(key, [*path, name])
            yield FieldError(_pointer([*path, name]), messages.not_applicable(_label([*path, name], field)), keyword)
    elif keyword == "anyOf" and _alternatives(error.validator_value):
        yield _either_error(key, path, _alternatives(error.validator_value))
    else:
        field = _field_schema(key, path)
        message = messages.describe(keyword, _label(path, field), field, error.validator_value, error.instance)
        yield FieldError(_pointer(path), message, keyword)


def _missing(required: Iterable[str], instance: Mapping[str, Any]) -> list[str]:
    return [name for name in required if name not in instance]


def _forbidden(rule: Any, instance: Any) -> list[str]:
    """For `not: {required: [...]}`, the fields present that the rule forbids."""
    if not (isinstance(rule, Mapping) and list(rule) == ["required"] and isinstance(instance, Mapping)):
        return []
    return [name for name in rule["required"] if name in instance]


def _extras(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> list[str]:
    declared = schema.get("properties", {})
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    return [name for name in instance if name not in declared and not any(p.search(name) for p in patterns)]


def _alternatives(branches: Any) -> list[str]:
    """For anyOf whose every branch only requires fields ("dob or expected_dob"), the first of each."""
    if not all(isinstance(branch, Mapping) and list(branch) == ["required"] for branch in branches):
        return []
    return [branch["required"][0] for branch in branches]


def _missing_error(key: str, path: FieldPath, keyword: str) -> FieldError:
    field = _field_schema(key, path)
    return FieldError(_pointer(path), messages.missing(_label(path, field), field), keyword)


def _either_error(key: str, path: FieldPath, names: list[str]) -> FieldError:
    labels = [_label([*path, name], _field_schema(key, [*path, name])) for name in names]
    return FieldError(_pointer([*path, names[0]]), messages.either(labels), "anyOf")


def _label(path: FieldPath, field: Mapping[str, Any]) -> str:
    names = [part for part in path if isinstance(part, str)]
    return messages.field_label(names[-1] if names else "form", field)


def _pointer(path: FieldPath) -> str:
    """RFC 6901: "~" is written "~0" and "/" is written "~1" inside a token."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


# Checks beyond the schema ------------------------------------------------------------------------


def _semantic_errors(key: str, data: object) -> Iterator[FieldError]:
    for form, schema_path in _embedded_checks(key):
        for value, path in _values_at(data, schema_path, []):
            for found_path, message in SEMANTIC_CHECKS[form](value, path):
                yield FieldError(_pointer(found_path), message, "reference")


@cache
def _embedded_checks(key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Where in form `key` a form with semantic checks sits: (that form, property names, "*" for items)."""
    return tuple(_checked_parts(key, _schema(key), ()))


def _checked_parts(form: str, node: Any, at: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    if form in SEMANTIC_CHECKS:
        yield form, at
        return
    if not isinstance(node, dict):
        return
    for name, child in node.get("properties", {}).items():
        yield from _checked_parts(_referenced_form(child), child, (*at, name))
    if isinstance(node.get("items"), dict):
        yield from _checked_parts(_referenced_form(node["items"]), node["items"], (*at, "*"))


def _referenced_form(node: Any) -> str:
    """The form a whole-file `$ref` ("family_network.json") names, else ""."""
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    return ref.removesuffix(".json") if isinstance(ref, str) and _KEY.fullmatch(ref.removesuffix(".json")) else ""


def _values_at(data: Any, parts: tuple[str, ...], path: list[str | int]) -> Iterator[tuple[Any, list[str | int]]]:
    if not parts:
        yield data, path
    elif parts[0] == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _values_at(item, parts[1:], [*path, index])
    elif isinstance(data, dict) and parts[0] in data:
        yield from _values_at(data[parts[0]], parts[1:], [*path, parts[0]])


# Finding the schema that describes a field (for its title, type and enum) --------------------------


def _field_schema(key: str, path: FieldPath) -> dict[str, Any]:
    """The schema declaring the field at `path`, following `$ref`s; keywords beside a `$ref` win."""
    resolver = _registry().resolver(base_uri=schema_uri(key))
    node: Any = _schemas()[key]
    for part in path:
        node, resolver = _dereferenced(node, resolver)
        node = _child(node, part)
    target, _ = _dereferenced(node, resolver)
    if not isinstance(node, dict) or not isinstance(target, dict):
        return {}
    return {**target, **{name: value for name, value in node.items() if name != "$ref"}}


def _dereferenced(node: Any, resolver: Resolver[Any]) -> tuple[Any, Resolver[Any]]:
    while isinstance(node, dict) and "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node, resolver


def _child(node: Any, part: str | int) -> Any:
    if not isinstance(node, dict):
        return {}
    if isinstance(part, int):
        return node.get("items", {})
    return node.get("properties", {}).get(part, {})
