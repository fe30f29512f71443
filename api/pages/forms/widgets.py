"""Which GOV.UK component shows a field, decided from its JSON Schema (and the optional `x-ui` keyword).

`x-ui` beside a field says what the schema cannot: `{"widget": "textarea" | "input" | "select" | "radios",
"labels": {value: label}, "hint": "..."}`. Without it, the type, `enum`, `format` and `maxLength` decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

# Fields recorded by the engine on every submission: never asked for on a page.
STAMPED = frozenset({"case_id", "author", "completed_at", "version", "child_ids"})
SCALE = range(0, 11)
MAX_RADIOS = 12  # more options than this read better as a select
SHORT_TEXT = 100  # a maxLength at or under this is a one-line answer
# Narrative answers (Signs of Safety questions, reasons, summaries) get a textarea when x-ui says nothing.
_LONG_WORDS = re.compile(
    r"what|why|how|reason|rationale|summary|notes|worr|working_well|needs|evidence|explanation|view|words|plan"
    r"|details|concern|happened|actions|advice|progress|lessons|statement|goal|description|justification|harm"
    r"|strengths|safety|hopes|behaviour|impact|experience|barriers|dissent|contingency|text|information"
    r"|alternative|outcome_|support|risk|injur|allegation|question|anchor|purpose|bottom_lines|red_flags|if_")


def ui(schema: Schema) -> Mapping[str, Any]:
    value = schema.get("x-ui", {})
    return value if isinstance(value, Mapping) else {}


def types(schema: Schema) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, list):
        return {str(each) for each in declared} - {"null"}
    if isinstance(declared, str):
        return {declared}
    if "enum" in schema:
        return {"enum"}
    return set()


def widget(name: str, schema: Schema, items: Schema | None = None) -> str:
    """One of: fieldset, repeat, list, checkboxes, radios, select, boolean, scale, date, datetime, number,
    textarea, email, input. `items` is an array's item schema with its `$ref` followed."""
    chosen = ui(schema).get("widget")
    if isinstance(chosen, str):
        return chosen
    kinds = types(schema)
    if items is None:
        declared = schema.get("items")
        items = declared if isinstance(declared, Mapping) else {}
    if "enum" in schema:
        return "radios" if len(schema["enum"]) <= MAX_RADIOS else "select"
    if "object" in kinds or "properties" in schema:
        return "fieldset"
    if "array" in kinds:
        return _array_widget(items)
    if "boolean" in kinds:
        return "boolean"
    if "integer" in kinds and schema.get("minimum") == 0 and schema.get("maximum") == 10:
        return "scale"
    if kinds & {"integer", "number"}:
        return "number"
    return _string_widget(name, schema)


def _array_widget(items: Schema) -> str:
    if "enum" in items:
        return "checkboxes"
    if "object" in types(items) or "properties" in items:
        return "repeat"
    return "list"


def _string_widget(name: str, schema: Schema) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if isinstance(schema.get("maxLength"), int) and schema["maxLength"] <= SHORT_TEXT:
        return "input"
    return "textarea" if _LONG_WORDS.search(name) else "input"


def title(name: str, schema: Schema) -> str:
    return str(schema.get("title") or name.replace("_", " ").capitalize())


def option_label(value: Any, schema: Schema) -> str:
    """An enum value as people read it: x-ui `labels`, else "not_sought" → "Not sought"."""
    labels = ui(schema).get("labels", {})
    if isinstance(labels, Mapping) and str(value) in labels:
        return str(labels[str(value)])
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]
