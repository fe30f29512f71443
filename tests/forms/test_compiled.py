"""The compiled validity check agrees with jsonschema on every form: its examples and altered copies of them."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry

import forms
from forms.compiled import compile_form

# values of every JSON type, and strings that break each format and length rule the forms use
REPLACEMENTS: list[Any] = [None, True, False, 0, -1, 3, 1.5, 11, "", "x", "2026-02-30", "2026-05-22",
                           "2026-05-22T10:30:00+00:00", "not an e-mail", "a@b.example", [], ["x"], [{}], {}, {"x": 1}]
VARIANTS_PER_FORM = 120


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for name, value in node.items():
            yield (*at, name)
            yield from _paths(value, (*at, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*at, index)
            yield from _paths(value, (*at, index))


def _edited(document: Any, path: tuple[Any, ...], edit: str, value: Any = None) -> Any:
    copied = copy.deepcopy(document)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if edit == "remove":
        del parent[last]
    elif edit == "duplicate" and isinstance(parent[last], list) and parent[last]:
        parent[last].append(copy.deepcopy(parent[last][0]))
    elif edit == "extra" and isinstance(parent[last], dict):
        parent[last]["not_a_field"] = "x"
    else:
        parent[last] = value
    return copied


def _variants(key: str) -> Iterator[Any]:
    """The examples, then (a fixed sample of) each with one value removed, replaced or duplicated."""
    examples = forms.load_form(key).get("examples", [])
    yield from examples
    yield from ({}, [], "x", None)
    edits = []
    for example in examples:
        edits.append((example, (), "extra", None))
        for path in _paths(example):
            edits += [(example, path, "remove", None), (example, path, "duplicate", None),
                      (example, path, "extra", None)]
            edits += [(example, path, "replace", value) for value in REPLACEMENTS]
    random.Random(key).shuffle(edits)
    for example, path, edit, value in edits[:VARIANTS_PER_FORM]:
        yield _edited({"root": example}, ("root", *path), edit, value)["root"]


@pytest.mark.parametrize("key", forms.form_keys())
def test_the_compiled_check_calls_a_document_valid_exactly_when_jsonschema_finds_no_error(key: str) -> None:
    validator = Draft202012Validator(forms.load_form(key), registry=forms._registry(),
                                     format_checker=forms.FORMAT_CHECKER)
    check = compile_form(validator, forms._registry().resolver(base_uri=forms.schema_uri(key)))
    assert check is not None, f"form {key} uses a keyword forms/compiled.py does not mirror"
    disagreements = [document for document in _variants(key)
                     if check(document) != (next(validator.iter_errors(document), None) is None)]
    assert disagreements == []


def test_a_schema_with_a_keyword_the_check_does_not_mirror_is_left_to_jsonschema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "contentMediaType": "text/plain"}}}
    validator = Draft202012Validator(schema, format_checker=forms.FORMAT_CHECKER)
    assert compile_form(validator, Registry().resolver()) is None

