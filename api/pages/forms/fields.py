"""A form's JSON Schema, with the values entered and the errors found, as a tree of `Field`s for the templates.

`$ref`s (also between files) are followed by `forms.field_schema`; an `if`/`then` rule whose `if` tests one
radio or checkbox answer becomes a GOV.UK conditional reveal of the fields its `then` requires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import forms
from api.pages.forms import widgets
from api.pages.forms.pointers import Path, field_id, pointer, value_at
from engine.calendar import LONDON

Schema = Mapping[str, Any]
_ZONED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
CHOICE_WIDGETS = frozenset({"radios", "boolean", "checkboxes", "select", "scale"})


@dataclass
class Option:
    value: str
    text: str
    checked: bool
    revealed: list[Field] = field(default_factory=list)


@dataclass
class Field:
    """One question (or group of questions) of a form, named by the JSON pointer of its answer."""

    widget: str
    name: str
    label: str
    hint: str = ""
    error: str = ""
    error_boxes: tuple[str, ...] = ()  # a date's boxes that are wrong; () marks them all
    value: Any = ""
    options: list[Option] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)

    @property
    def id(self) -> str:
        return field_id(self.name)

    @property
    def anchor(self) -> str:
        """Where the error summary links: a date's day box, else the field itself."""
        return f"{self.id}-day" if self.widget in ("date", "datetime") else self.id


@dataclass
class Context:
    key: str
    data: Any
    errors: Mapping[str, str]


def form_fields(key: str, data: Any, errors: Mapping[str, str]) -> list[Field]:
    """Every question of form `key` (stamped fields left out), filled from `data`, with `errors` by pointer."""
    return _object_fields(Context(key, data, errors), [], forms.load_form(key))


def schema_at(key: str, path: Path) -> Mapping[str, Any]:
    """The schema of the field at `path` (`$ref`s followed); every entry of a list shares its items' schema."""
    return _schema_at(key, tuple(0 if isinstance(part, int) else part for part in path))


@lru_cache(maxsize=4096)
def _schema_at(key: str, path: tuple[str | int, ...]) -> Mapping[str, Any]:
    if not path:
        return forms.load_form(key)
    first, *rest = path
    return forms.field_schema(key, str(first), *rest)


def kind_at(key: str, path: Path, schema: Schema) -> str:
    """The widget for the field at `path`, an array's items looked up through their `$ref`."""
    items = schema_at(key, [*path, 0]) if "array" in widgets.types(schema) else None
    return widgets.widget(str(path[-1]), schema, items)


def _object_fields(ctx: Context, path: Path, schema: Schema) -> list[Field]:
    names = [name for name in schema.get("properties", {}) if path or name not in widgets.STAMPED]
    built = {name: _field(ctx, [*path, name]) for name in names}
    revealed = _reveals(schema, built)
    for name, (controller, value) in revealed.items():
        for option in built[controller].options:
            if option.value == value:
                option.revealed.append(built[name])
    return [each for name, each in built.items() if name not in revealed]


def _field(ctx: Context, path: Path) -> Field:
    schema = schema_at(ctx.key, path)
    name = str(path[-1])
    kind = kind_at(ctx.key, path, schema)
    at = pointer(path)
    made = Field(kind, at, widgets.title(name, schema), _hint(schema), ctx.errors.get(at, ""))
    value = value_at(ctx.data, path)
    _FILL.get(kind, _fill_text)(made, ctx, path, schema, value)
    return made


def _hint(schema: Schema) -> str:
    return str(widgets.ui(schema).get("hint") or schema.get("description") or "")


def _fill_text(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.value = "" if value is None else str(value)


def _fill_fieldset(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.children = _object_fields(ctx, path, schema)


def _fill_repeat(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    """One fieldset per entry; at least one (or `minItems`) so the questions are on the page."""
    count = max(len(value) if isinstance(value, list) else 0, int(schema.get("minItems", 0)), 1)
    item_title = widgets.title(str(path[-1]), schema_at(ctx.key, [*path, 0]))
    for index in range(count):
        item_path = [*path, index]
        at = pointer(item_path)
        item = Field("item", at, f"{item_title} {index + 1}", error=ctx.errors.get(at, ""))
        item.children = _object_fields(ctx, item_path, schema_at(ctx.key, item_path))
        made.children.append(item)
    made.value = item_title.lower()


def _fill_list(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    entries = value if isinstance(value, list) else []
    for index in range(max(len(entries), 1)):
        at = pointer([*path, index])
        text = entries[index] if index < len(entries) else ""
        made.children.append(Field("input", at, f"{made.label} {index + 1}", value=str(text),
                                   error=ctx.errors.get(at, "")))
    made.value = "entry"


def _fill_choices(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.options = [Option(_text(option), widgets.option_label(option, schema), _same(option, value))
                    for option in schema.get("enum", [])]


def _fill_checkboxes(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    items = schema_at(ctx.key, [*path, 0])
    chosen = value if isinstance(value, list) else []
    made.options = [Option(_text(option), widgets.option_label(option, items), any(_same(option, c) for c in chosen))
                    for option in items.get("enum", [])]


def _fill_boolean(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.options = [Option("true", "Yes", value is True), Option("false", "No", value is False)]


def _fill_scale(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.options = [Option(str(n), str(n), _same(n, value)) for n in widgets.SCALE]
    made.hint = made.hint or "0 means the worst it could be, 10 that everyone is confident the child is safe"


def _fill_date(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.value = date_parts(value)


def _fill_datetime(made: Field, ctx: Context, path: Path, schema: Schema, value: Any) -> None:
    made.value = datetime_parts(value)


_FILL = {"fieldset": _fill_fieldset, "repeat": _fill_repeat, "list": _fill_list, "radios": _fill_choices,
         "select": _fill_choices, "checkboxes": _fill_checkboxes, "boolean": _fill_boolean, "scale": _fill_scale,
         "date": _fill_date, "datetime": _fill_datetime}


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _same(option: Any, value: Any) -> bool:
    return value is not None and _text(option) == _text(value)


def date_parts(value: Any) -> dict[str, str]:
    """"2026-05-22" → day, month and year boxes; an unreadable date keeps what can be split."""
    if not isinstance(value, str) or not value:
        return {"day": "", "month": "", "year": ""}
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    return {"day": day.lstrip("0") if day.isdigit() else day, "month": month.lstrip("0") if month.isdigit() else month,
            "year": year}


def datetime_parts(value: Any) -> dict[str, str]:
    """An ISO date-time (with its offset) shown as London local date and time; anything else is what was typed,
    split back into its boxes ("2026-5-T14" → day "", month "5", year "2026", time "14")."""
    if not isinstance(value, str) or not value:
        return {**date_parts(None), "time": ""}
    if _ZONED.fullmatch(value):
        try:
            local = datetime.fromisoformat(value).astimezone(LONDON)
            return {**date_parts(local.date().isoformat()), "time": local.strftime("%H:%M")}
        except ValueError:
            pass
    day, _, clock = value.partition("T")
    return {**date_parts(day), "time": clock}


def _reveals(schema: Schema, built: Mapping[str, Field]) -> dict[str, tuple[str, str]]:
    """Fields that only one answer of a choice asks for: field → (controller, option value)."""
    found: dict[str, list[tuple[str, str]]] = {}
    rules = [schema, *[each for each in schema.get("allOf", []) if isinstance(each, Mapping)]]
    for rule in rules:
        trigger = _trigger(rule.get("if"))
        then = rule.get("then")
        if trigger is None or not isinstance(then, Mapping) or trigger[0] not in built:
            continue
        for name in then.get("required", []):
            found.setdefault(name, []).append(trigger)
    return {name: triggers[0] for name, triggers in found.items()
            if len(triggers) == 1 and name in built and name != triggers[0][0]
            and built[triggers[0][0]].widget in CHOICE_WIDGETS - {"select"}}


def _trigger(rule: Any) -> tuple[str, str] | None:
    """`{"properties": {p: {"const": v}}}` (or a one-value enum, or `contains` a const) → (p, v)."""
    if not isinstance(rule, Mapping) or len(rule.get("properties", {})) != 1:
        return None
    ((name, test),) = rule["properties"].items()
    test = test.get("contains", test) if isinstance(test, Mapping) else {}
    if "const" in test:
        return name, _text(test["const"])
    if isinstance(test.get("enum"), list) and len(test["enum"]) == 1:
        return name, _text(test["enum"][0])
    return None
