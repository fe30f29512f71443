"""One renderer for every Signs of Safety form: its JSON Schema becomes GOV.UK components, posted fields
become its JSON again, and the server's error list (JSON pointers) becomes the error summary and each
field's inline error. No form is written in HTML; `components/form-fields.html` draws the `Field` tree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from api.pages.forms.dates import first_box, wrong_boxes
from api.pages.forms.fields import Field, form_fields
from api.pages.forms.parse import ACTION, parse_form
from api.pages.forms.pointers import field_id
from engine.errors import FieldProblem

__all__ = ["ACTION", "Field", "RenderedForm", "parse_form", "render_form"]


class Problem(Protocol):
    @property
    def pointer(self) -> str: ...

    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class RenderedForm:
    """The questions to draw and the error summary's entries (`href` to each field, the server's `text`)."""

    fields: list[Field]
    errors: list[dict[str, str]]


def render_form(key: str, data: Any, problems: Iterable[Problem] = ()) -> RenderedForm:
    """Form `key` filled with `data`, each problem shown at its field and listed in the summary."""
    problems = list(problems)
    by_pointer: dict[str, str] = {}
    for problem in problems:
        by_pointer.setdefault(problem.pointer, problem.message)
    fields = form_fields(key, data, by_pointer)
    boxes = wrong_boxes(problems)
    for each in _walk(fields):
        each.error_boxes = boxes.get(each.name, ())
    anchors = {each.name: each.anchor for each in _walk(fields)}
    summary = [{"href": "#" + _link(problem, anchors), "text": problem.message} for problem in problems]
    return RenderedForm(fields, summary)


def _walk(fields: list[Field]) -> Iterator[Field]:
    for each in fields:
        yield each
        yield from _walk(each.children)
        for option in each.options:
            yield from _walk(option.revealed)


def _link(problem: Problem, anchors: dict[str, str]) -> str:
    box = first_box(problem) if isinstance(problem, FieldProblem) else None  # a date's first wrong box
    return f"{field_id(problem.pointer)}-{box}" if box else _anchor(problem.pointer, anchors)


def _anchor(pointer: str, anchors: dict[str, str]) -> str:
    """The field's own anchor, else its nearest shown parent's (an error on a whole group)."""
    at = pointer
    while at:
        if at in anchors:
            return anchors[at]
        at = at.rsplit("/", 1)[0]
    return field_id(pointer)
