"""GOV.UK date input error wording (design-system.service.gov.uk/components/date-input): a date whose boxes are
partly filled, that is not a real date, or a date of birth that is not in the past, is named by what is wrong
with it ("Date of birth must include a month") instead of the API's "Enter a date in the format YYYY-MM-DD".

The page checks the boxes as typed; the server's own validation still runs on everything else, and a problem
found here replaces the server's at the same field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from api.pages.forms.fields import Field, form_fields
from engine.errors import FieldProblem

PARTS = ("day", "month", "year")
PAST_DATES = frozenset({"dob", "date_of_birth"})  # a date of birth cannot be today or later


def date_problems(key: str, data: Any, today: date) -> list[FieldProblem]:
    """Every date answer of form `key` in `data` whose boxes do not make a date it may be."""
    found = []
    for field in _dates(form_fields(key, data, {})):
        message = date_message(_sentence(field.label), field.value, today,
                               past=field.name.rsplit("/", 1)[-1] in PAST_DATES)
        if message:
            found.append(FieldProblem(field.name, message, "date"))
    return found


def date_message(label: str, parts: dict[str, str], today: date, *, past: bool = False) -> str | None:
    """What is wrong with the day, month and year typed for `label`, or None (nothing typed is not this
    check's business: a required date says "Enter …")."""
    missing = [part for part in PARTS if not parts.get(part, "").strip()]
    if len(missing) == len(PARTS):
        return None
    if missing:
        return f"{label} must include a {_and(missing)}"
    day, month, year = (parts[part].strip() for part in PARTS)
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        return f"{label} must be a real date"
    if len(year) != 4:
        return "Year must include 4 numbers"
    try:
        typed = date(int(year), int(month), int(day))
    except ValueError:
        return f"{label} must be a real date"
    if past and typed >= today:
        return f"{label} must be in the past"
    return None


def first_box(problem: FieldProblem) -> str | None:
    """The box the error summary links to for a date problem (GOV.UK: the first box with the error): "month" for
    "… must include a month"; None for a problem with the date as a whole (the link goes to its first box)."""
    if problem.validator != "date" or " must include a " not in problem.message:
        return None
    named = problem.message.split(" must include a ", 1)[1].replace(",", " ").split()
    return next((part for part in PARTS if part in named), None)


def merged(first: Iterable[FieldProblem], then: Iterable[FieldProblem]) -> list[FieldProblem]:
    """`first`, then each of `then` at a field `first` does not already name, sorted by field."""
    chosen = {problem.pointer: problem for problem in first}
    for problem in then:
        chosen.setdefault(problem.pointer, problem)
    return sorted(chosen.values(), key=lambda problem: problem.pointer)


def _dates(fields: list[Field]) -> Iterator[Field]:
    for each in fields:
        if each.widget == "date":
            yield each
        yield from _dates(each.children)
        for option in each.options:
            yield from _dates(option.revealed)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(label: str) -> str:
    return label[:1].upper() + label[1:]
