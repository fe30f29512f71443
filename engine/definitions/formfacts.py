"""What a form promises under a task's constraints, and the submissions a dry run tries.

`guaranteed_fields`: the fields every valid submission carries (the schema's `required`, the
constrained fields, the `then.required` of every `if` the constraints imply, the stamped fields).
`field_values`: the values worth trying for one field (enum, const, both booleans, the constraint's
values, else the examples'). `candidate_submissions`: the form's examples under the task's
constraints and deterministic variants of them, each valid under `validate_submission`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

import forms
from engine.taskdata import STAMPED_FIELDS, Constraints, form_fields, stamped, validate_submission

DRY_RUN_STAMP = stamped({}, author="dry.run", at="2026-01-05T09:00:00+00:00", case_id="dry-run-case")
MAX_CANDIDATES = 32


def _frozen(constraints: Constraints) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple(sorted(constraints.items()))


def guaranteed_fields(form_key: str, constraints: Constraints) -> frozenset[str]:
    """Top-level fields every submission of `form_key` valid under `constraints` carries."""
    return _guaranteed(form_key, _frozen(constraints))


@lru_cache(maxsize=256)
def _guaranteed(form_key: str, frozen: tuple[tuple[str, tuple[Any, ...]], ...]) -> frozenset[str]:
    constraints = dict(frozen)
    schema = forms.load_form(form_key)
    present = set(schema.get("required", [])) | set(constraints) | set(STAMPED_FIELDS)
    rules = [schema, *[rule for rule in schema.get("allOf", []) if isinstance(rule, Mapping)]]
    for rule in rules:
        if "if" in rule and isinstance(rule.get("then"), Mapping) and _implied(rule["if"], constraints, present):
            present |= set(rule["then"].get("required", []))
    return frozenset(present)


def _implied(condition: Any, constraints: Constraints, present: set[str]) -> bool:
    """Whether every submission under `constraints` satisfies the `if` schema `condition`."""
    if not isinstance(condition, Mapping):
        return False
    if "anyOf" in condition and not any(_implied(b, constraints, present) for b in condition["anyOf"]):
        return False
    if any(name not in present for name in condition.get("required", [])):
        return False
    return all(_values_match(name, sub, constraints) for name, sub in condition.get("properties", {}).items())


def _values_match(name: str, sub: Any, constraints: Constraints) -> bool:
    if name not in constraints or not isinstance(sub, Mapping):
        return False
    if "const" in sub:
        return all(value == sub["const"] for value in constraints[name])
    if "enum" in sub:
        return all(value in sub["enum"] for value in constraints[name])
    return False


def field_values(form_key: str, name: str, constraints: Constraints) -> list[Any]:
    """The values worth trying for field `name` of a form: empty when nothing is known of it."""
    if name in constraints:
        return list(constraints[name])
    schema = forms.field_schema(form_key, name)
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    if schema.get("type") == "boolean":
        return [True, False]
    examples = forms.load_form(form_key).get("examples", [])
    return _distinct(example[name] for example in examples if isinstance(example, Mapping) and name in example)


def is_closed(form_key: str, name: str, constraints: Constraints) -> bool:
    """Whether `field_values` lists every value the field can take (enum, const, boolean, constraint)."""
    schema = forms.field_schema(form_key, name)
    return name in constraints or "enum" in schema or "const" in schema or schema.get("type") == "boolean"


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen, out = set(), []
    for value in values:
        key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _list_values(form_key: str, name: str, data: Mapping[str, Any]) -> list[Any]:
    """For a list field: one single-item list per value of each enumerated part of an item."""
    items = forms.field_schema(form_key, name).get("items")
    if not isinstance(items, Mapping):
        return []
    if "enum" in items:
        return [[value] for value in items["enum"]]
    sample = data.get(name) or [{}]
    first = sample[0] if isinstance(sample[0], Mapping) else {}
    return [[{**first, part: value}] for part in items.get("properties", {})
            for value in forms.field_schema(form_key, name, 0, part).get("enum", [])]


@dataclass(frozen=True)
class Candidate:
    """One submission the dry run tries, and a short label of how it was made."""

    label: str
    data: dict[str, Any]


def candidate_submissions(form_key: str, constraints: Constraints, fields_read: frozenset[str]) -> list[Candidate]:
    """Valid submissions of a form under a task's constraints: examples first, then variants of them."""
    return list(_candidates(form_key, _frozen(constraints), fields_read))


@lru_cache(maxsize=256)
def _candidates(form_key: str, frozen: tuple[tuple[str, tuple[Any, ...]], ...],
                fields_read: frozenset[str]) -> tuple[Candidate, ...]:
    constraints = dict(frozen)
    builder = _Builder(form_key, constraints)
    bases = builder.bases()
    read = sorted(fields_read & set(form_fields(form_key)) - set(STAMPED_FIELDS))
    for base in bases:
        for name in read:
            for value in [*field_values(form_key, name, constraints), *_list_values(form_key, name, base.data)]:
                if base.data.get(name, _ABSENT) != value:
                    builder.add(f"{base.label} with {name}={value!r}", {**base.data, name: value}, keep=name)
            if name in base.data:
                builder.add(f"{base.label} without {name}", _without(base.data, name))
    for base in bases[:1]:
        builder.add(f"{base.label}, optional fields left out", builder.minimal(base.data))
    return tuple(builder.found[:MAX_CANDIDATES])


_ABSENT = object()


def _without(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


class _Builder:
    """Collects distinct valid candidates, repairing a variant from the form's other examples."""

    def __init__(self, form_key: str, constraints: Constraints) -> None:
        self.form_key, self.constraints = form_key, constraints
        self.examples = [e for e in forms.load_form(form_key).get("examples", []) if isinstance(e, Mapping)]
        self.found: list[Candidate] = []
        self._seen: set[bytes] = set()

    def valid(self, data: Mapping[str, Any]) -> bool:
        return not validate_submission(self.form_key, {**data, **DRY_RUN_STAMP}, self.constraints)

    def bases(self) -> list[Candidate]:
        for index, example in enumerate(self.examples, start=1):
            data = _without(example, *STAMPED_FIELDS)
            self.add(f"example {index}", data)
            for name, allowed in self.constraints.items():
                for value in allowed:
                    if data.get(name, _ABSENT) != value:
                        self.add(f"example {index} with {name}={value!r}", {**data, name: value}, keep=name)
        return list(self.found)

    def add(self, label: str, data: dict[str, Any], keep: str | None = None) -> None:
        repaired = data if self.valid(data) else self._repaired(data, keep)
        if repaired is None:
            return
        key = orjson.dumps(repaired, option=orjson.OPT_SORT_KEYS)
        if key not in self._seen:
            self._seen.add(key)
            self.found.append(Candidate(label, copy.deepcopy(repaired)))

    def _repaired(self, data: dict[str, Any], keep: str | None) -> dict[str, Any] | None:
        fixed = dict(data)
        for error in validate_submission(self.form_key, {**fixed, **DRY_RUN_STAMP}, self.constraints):
            name = error.pointer[1:]
            if error.validator == "required" and "/" not in name:
                donor = next((e for e in self.examples if name in e), None)
                if donor is not None:
                    fixed[name] = donor[name]
        if self.valid(fixed):
            return fixed
        for name in [n for n in fixed if n != keep and n not in self._required]:
            trial = _without(fixed, name)
            if self.valid(trial):
                return trial
        return None

    @property
    def _required(self) -> frozenset[str]:
        return guaranteed_fields(self.form_key, self.constraints)

    def minimal(self, data: dict[str, Any]) -> dict[str, Any]:
        """The data with every field left out that can be while it stays valid."""
        kept = dict(data)
        for name in sorted(data):
            if name not in self._required and self.valid(_without(kept, name)):
                kept.pop(name)
        return kept
