"""JSON pointers as HTML field names and ids: `/danger_statements/0/statement` names the input and, as
`field-danger_statements-0-statement`, identifies it, so a 422's pointer links straight to its field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Path = Sequence[str | int]


def pointer(path: Path) -> str:
    """RFC 6901, like forms' own pointers ("~" → "~0", "/" → "~1")."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def parts(text: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in text.split("/")[1:]] if text else []


def field_id(at: str) -> str:
    """An HTML id for the field at pointer `at` (ids cannot hold "/"; "~" never appears in our names)."""
    return "field" + at.replace("/", "-").replace("~", "_") if at else "field"


def value_at(data: Any, path: Path) -> Any:
    for part in path:
        found = isinstance(part, int) and isinstance(data, list) and part < len(data)
        found = found or (isinstance(part, str) and isinstance(data, dict) and part in data)
        if not found:
            return None
        data = data[part]
    return data
