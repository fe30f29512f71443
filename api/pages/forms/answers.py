"""Check your answers: a filled form as rows of (question, answer), from the same `Field` tree the form uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from api.pages.forms.fields import Field, form_fields


def answer_rows(key: str, data: Any) -> list[dict[str, str]]:
    """Every answered question of form `key`, in form order, labelled by its group ("Child 1: Date of birth")."""
    return [{"question": question, "answer": answer}
            for question, answer in _rows(form_fields(key, data, {}), "") if answer]


def _rows(fields: list[Field], prefix: str) -> Iterator[tuple[str, str]]:
    for each in fields:
        label = f"{prefix}{each.label}"
        if each.widget in ("fieldset", "repeat", "list", "item"):
            inner = f"{each.label}: " if each.widget == "item" else prefix
            yield from _rows(each.children, inner if each.widget != "fieldset" else f"{each.label}: ")
            continue
        yield label, _answer(each)
        for option in each.options:
            if option.checked:
                yield from _rows(option.revealed, prefix)


def _answer(field: Field) -> str:
    if field.options:
        return ", ".join(option.text for option in field.options if option.checked)
    if field.widget in ("date", "datetime"):
        return _date_text(field.value)
    return str(field.value or "")


def _date_text(parts: dict[str, str]) -> str:
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (KeyError, ValueError):
        return ""
    text = f"{day.day} {day.strftime('%B %Y')}"
    return f"{text} at {parts['time']}" if parts.get("time") else text
