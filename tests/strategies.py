"""Hypothesis strategies for schema-valid form data (hypothesis-jsonschema over our bundled forms).

The forms `$ref` each other by file; hypothesis-jsonschema resolves only local references, so each
form is bundled first (every reference inlined). Our own string formats get strategies that produce
only values our format checker accepts (dates in the accepted range, NHS numbers with a valid check
digit, real postcode shapes), so what is generated is valid as the API sees it.
"""

from __future__ import annotations

import copy
import json
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import forms
from engine.taskdata import STAMPED_FIELDS, Constraints, validate_submission

# Our format strategies replace hypothesis-jsonschema's on purpose (it warns each time it sees one).
warnings.filterwarnings("ignore", message="Overriding standard format", module="hypothesis_jsonschema")

_DROPPED_KEYWORDS = ("$id", "$defs", "$schema", "examples", "x-ui")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2049, 12, 31)


def bundled(key: str) -> dict[str, Any]:
    """Form `key` with every `$ref` inlined, so the schema stands alone."""
    registry = forms._registry()

    def inline(node: Any, base: str) -> Any:
        if isinstance(node, list):
            return [inline(each, base) for each in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            resolved = registry.resolver(base_uri=base).lookup(node["$ref"])
            target_base = str(getattr(resolved.resolver, "_base_uri", base) or base)
            target = inline(copy.deepcopy(resolved.contents), target_base)
            beside = {k: inline(v, base) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target, beside]} if beside else target
        return {k: inline(v, base) for k, v in node.items() if k not in _DROPPED_KEYWORDS}

    return dict(inline(forms.load_form(key), forms.schema_uri(key)))


def _nhs_number(digits: list[int]) -> str | None:
    total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else "".join(map(str, digits)) + str(check)


NHS_NUMBERS = st.lists(st.integers(0, 9), min_size=9, max_size=9).map(_nhs_number).filter(bool)
DATES = st.dates(FIRST_DAY, LAST_DAY).map(date.isoformat)
DATE_TIMES = st.builds(
    lambda day, seconds, offset: (datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=seconds))
    .astimezone(offset).isoformat(timespec="seconds"),
    st.dates(FIRST_DAY, LAST_DAY), st.integers(0, 86_399),
    st.sampled_from([UTC, timezone(timedelta(hours=1))]),
)
FORMATS = {
    "date": DATES,
    "date-time": DATE_TIMES,
    "nhs-number": NHS_NUMBERS,
    "uk-postcode": st.sampled_from(["SW1A 1AA", "WA10 1HS", "L36 9YU", "M1 1AE", "gir0aa"]),
    "email": st.sampled_from(["dsl@school.example.org", "a.worker@council.example.gov.uk"]),
}


MAX_ITEMS = 3


def _capped(node: Any) -> Any:
    """The schema with arrays of at most MAX_ITEMS items, so generated records stay small and fast."""
    if isinstance(node, list):
        return [_capped(each) for each in node]
    if not isinstance(node, dict):
        return node
    capped = {k: _capped(v) for k, v in node.items()}
    if "items" in capped:
        capped["maxItems"] = min(capped.get("maxItems", MAX_ITEMS), max(MAX_ITEMS, capped.get("minItems", 0)))
    if capped.get("type") == "integer":  # what JSON entering the API may hold (64-bit signed)
        capped.setdefault("minimum", -(2**63))
        capped.setdefault("maximum", 2**63 - 1)
    return capped


@cache
def field_values(key: str, name: str) -> st.SearchStrategy[Any]:
    """Schema-valid values of one top-level field of form `key` (hypothesis-jsonschema on its subschema)."""
    return from_schema(_capped(bundled(key)["properties"][name]), custom_formats=FORMATS)


STAMPS = {"author": "walker", "completed_at": "2026-05-22T10:30:00+01:00", "case_id": "case"}
# Fields whose values must name the case's own records (a conference's decision for each child names the
# case's children by person id: engine/conference_children.py refuses any other): never generated.
CASE_BOUND = {("cp_conference_record", "child_decisions")}
REPAIRS = 6


@st.composite
def submissions(draw: st.DrawFn, key: str, constraints: Constraints | None = None) -> dict[str, Any]:
    """A schema-valid submission of form `key` under a task's narrowing, less the fields the server stamps.

    Each field is drawn from its own subschema (fast), then the form's conditional rules are met by
    drawing what they require and dropping what they forbid, checked by the real validator.
    """
    narrowed = constraints or {}
    schema = bundled(key)
    required = set(schema.get("required", []))
    data: dict[str, Any] = {}
    for name in schema["properties"]:
        if name in STAMPED_FIELDS or (key, name) in CASE_BOUND:
            continue
        if name in narrowed:
            data[name] = draw(st.sampled_from(narrowed[name]))
        elif name in required or draw(st.booleans()):
            data[name] = draw(field_values(key, name))
    for _ in range(REPAIRS):
        errors = validate_submission(key, {**data, **STAMPS}, narrowed)
        if not errors:
            return _enterable(data)
        for error in errors:
            _repair(draw, key, data, error, narrowed)
    reject()
    return data


def _enterable(data: dict[str, Any]) -> dict[str, Any]:
    """Data the API lets in: NUL characters and lone surrogates are refused where JSON enters."""
    text = json.dumps(data, ensure_ascii=False)
    if "\\u0000" in text or any("\ud800" <= char <= "\udfff" for char in text):
        reject()
    return data


def _repair(draw: st.DrawFn, key: str, data: dict[str, Any], error: Any, narrowed: Constraints) -> None:
    name = error.pointer.split("/")[1] if error.pointer.count("/") >= 1 and error.pointer != "" else None
    if name is None or name in STAMPED_FIELDS:
        return
    if name in narrowed:
        data[name] = draw(st.sampled_from(narrowed[name]))
    elif error.validator in ("not", "false", "False") and error.pointer.count("/") == 1:
        data.pop(name, None)
    else:
        data[name] = draw(field_values(key, name))
