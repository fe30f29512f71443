"""Posted form fields (named by JSON pointer) back into the JSON document the form's schema describes.

Types come from the schema: "true"/"false" for yes/no, enum values as the schema writes them, whole numbers,
dates from day/month/year boxes, date-times from those and a time (London). An answer that cannot be typed
is kept as entered, so validation names it and the page shows it again. Blank answers are left out.

"Add another" and "remove" are submit buttons (`_action` = `add:<pointer>` / `remove:<pointer>`): the
server applies them and shows the form again, so repeating groups work without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from werkzeug.datastructures import MultiDict

from api.pages.forms import widgets
from api.pages.forms.fields import kind_at, schema_at
from api.pages.forms.pointers import Path, parts, pointer
from engine.calendar import LONDON

ACTION = "_action"
MISSING: Any = object()
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")


@dataclass(frozen=True)
class Posted:
    key: str
    values: Mapping[str, list[str]]
    keep_empty: bool  # a round trip (add/remove) keeps blank entries on the page

    def get(self, at: str) -> str:
        found = self.values.get(at, [])
        return found[0].strip() if found else ""

    def indexes(self, at: str) -> list[int]:
        pattern = re.compile(re.escape(at) + r"/(\d+)(?:[/:]|$)")
        return sorted({int(m.group(1)) for name in self.values if (m := pattern.match(name))})


def parse_form(key: str, form: MultiDict[str, str]) -> tuple[dict[str, Any], str]:
    """The data the page's fields hold, and the add/remove action asked for ("" when submitting)."""
    action = form.get(ACTION, "")
    values = {name: form.getlist(name) for name in form if name.startswith("/")}
    verb, _, target = action.partition(":")
    if verb == "remove" and target:
        values = {name: v for name, v in values.items() if not (name == target or name.startswith(target + "/")
                                                                 or name.startswith(target + ":"))}
    posted = Posted(key, values, keep_empty=verb in ("add", "remove"))
    data = _object(posted, [], schema_at(key, []))
    if verb == "add" and target:
        _append_blank(data, parts(target), kind_at(key, parts(target), schema_at(key, parts(target))))
    return data, verb if verb in ("add", "remove") else ""


def _object(posted: Posted, path: Path, schema: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for name in schema.get("properties", {}):
        if not path and name in widgets.STAMPED:
            continue
        child = [*path, name]
        value = _value(posted, child, schema_at(posted.key, child))
        group = kind_at(posted.key, child, schema_at(posted.key, child)) == "fieldset"
        if value is MISSING and name in required and group:
            value = {}  # a required group left blank: its own questions are then named as missing
        if value is not MISSING:
            out[name] = value
    return out


def _value(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    kind = kind_at(posted.key, path, schema)
    return _PARSE.get(kind, _text)(posted, path, schema)


def _fieldset(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    found = _object(posted, path, schema)
    return found if found else MISSING


def _repeat(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    at = pointer(path)
    items = [_object(posted, [*path, index], schema_at(posted.key, [*path, index]))
             for index in posted.indexes(at)]
    kept = [item for item in items if item or posted.keep_empty]
    return kept if kept else MISSING


def _list(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    at = pointer(path)
    entries = [posted.get(f"{at}/{index}") for index in posted.indexes(at)]
    kept = [entry for entry in entries if entry or posted.keep_empty]
    return kept if kept else MISSING


def _checkboxes(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    options = schema_at(posted.key, [*path, 0]).get("enum", [])
    chosen = [_typed(raw, options) for raw in posted.values.get(pointer(path), []) if raw]
    return chosen if chosen else MISSING


def _choice(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    raw = posted.get(pointer(path))
    return _typed(raw, schema.get("enum", [])) if raw else MISSING


def _boolean(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    raw = posted.get(pointer(path))
    return {"true": True, "false": False}.get(raw, raw) if raw else MISSING


def _number(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    raw = posted.get(pointer(path)).replace(",", "")
    if not raw:
        return MISSING
    try:
        return int(raw) if "integer" in widgets.types(schema) else float(raw)
    except ValueError:
        return raw


def _text(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    raw = posted.values.get(pointer(path), [""])[0]
    return raw.strip() if raw.strip() else MISSING


def _date(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    return _date_text(posted, pointer(path)) or MISSING


def _date_text(posted: Posted, at: str) -> str:
    day, month, year = (posted.get(f"{at}:{part}") for part in ("day", "month", "year"))
    if not (day or month or year):
        return ""
    try:
        return date(int(year), int(month), int(day)).isoformat() if len(year) == 4 else f"{year}-{month}-{day}"
    except ValueError:
        return f"{year}-{month}-{day}"


def _datetime(posted: Posted, path: Path, schema: Mapping[str, Any]) -> Any:
    at = pointer(path)
    day = _date_text(posted, at)
    clock = posted.get(f"{at}:time")
    if not (day or clock):
        return MISSING
    matched = _TIME.fullmatch(clock)
    try:
        when = time(int(matched.group(1)), int(matched.group(2))) if matched else None
        if when is not None:
            return datetime.combine(date.fromisoformat(day), when, tzinfo=LONDON).isoformat()
    except ValueError:
        pass
    return f"{day}T{clock}"


_PARSE = {"fieldset": _fieldset, "repeat": _repeat, "list": _list, "checkboxes": _checkboxes,
          "radios": _choice, "select": _choice, "scale": _number, "boolean": _boolean, "number": _number,
          "date": _date, "datetime": _datetime}


def _typed(raw: str, options: list[Any]) -> Any:
    """The enum value whose text was posted (1, not "1"); an unknown one as sent, for validation to name."""
    for option in options:
        if (str(option).lower() if isinstance(option, bool) else str(option)) == raw:
            return option
    return raw


def _append_blank(data: dict[str, Any], path: list[str], kind: str) -> None:
    """A new blank entry at the end of the list at `path` (made, with its parents, if absent)."""
    node: Any = data
    for index, part in enumerate(path):
        key: Any = int(part) if isinstance(node, list) else part
        last = index == len(path) - 1
        if isinstance(node, list):
            while len(node) <= key:
                node.append({})
            node = node[key]
            continue
        node = node.setdefault(key, [] if last else {})
    if isinstance(node, list):
        blank: Any = "" if kind == "list" else {}
        node.extend([blank] * (1 if node else 2))  # a blank list shows one blank entry already
