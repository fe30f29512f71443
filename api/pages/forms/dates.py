"""GOV.UK date input error wording (design-system.service.gov.uk/components/date-input): a date whose boxes are
partly filled, that is not a real date, or a date of birth that is not in the past, is named by what is wrong
with it ("Date of birth must include a month") instead of the API's "Enter a date in the format YYYY-MM-DD".
A date and time adds a time box ("Time of the strategy discussion must include a minute").

Each problem names the boxes that are wrong, so only those are marked; a problem with the date as a whole
marks all of them. The page checks the boxes as typed; the server's own validation still runs on everything
else, and a problem found here replaces the server's at the same field."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.pages.forms.fields import Field, form_fields
from engine.errors import FieldProblem

PARTS = ("day", "month", "year")
BOXES = (*PARTS, "time")
PAST_DATES = frozenset({"dob", "date_of_birth"})  # a date of birth cannot be today or later
_DATE_AND_TIME = re.compile(r"\b([Dd])ate and time\b")
_CLOCK = re.compile(r"(\d{0,2})(?:[:.](\d{0,2}))?")


@dataclass(frozen=True)
class DateProblem(FieldProblem):
    """A date (or date-time) problem and the boxes it is about; () means the date as a whole."""

    boxes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    message: str
    boxes: tuple[str, ...]


def date_problems(key: str, data: Any, today: date) -> list[FieldProblem]:
    """Every date answer of form `key` in `data` whose boxes do not make a date (and time) it may be."""
    found: list[FieldProblem] = []
    for field in _dates(form_fields(key, data, {})):
        label = _sentence(field.label)
        past = field.name.rsplit("/", 1)[-1] in PAST_DATES
        problem = datetime_check(label, field.value, today) if field.widget == "datetime" else \
            date_check(label, field.value, today, past=past)
        if problem:
            found.append(DateProblem(field.name, problem.message, "date", problem.boxes))
    return found


def date_message(label: str, parts: dict[str, str], today: date, *, past: bool = False) -> str | None:
    found = date_check(label, parts, today, past=past)
    return found.message if found else None


def date_check(label: str, parts: dict[str, str], today: date, *, past: bool = False) -> Found | None:
    """What is wrong with the day, month and year typed for `label`, and in which boxes, or None (nothing
    typed is not this check's business: a required date says "Enter …")."""
    missing = [part for part in PARTS if not parts.get(part, "").strip()]
    if len(missing) == len(PARTS):
        return None
    if missing:
        return Found(f"{label} must include a {_and(missing)}", tuple(missing))
    return _real_date(label, {part: parts[part].strip() for part in PARTS}, today, past)


def datetime_check(label: str, parts: dict[str, str], today: date) -> Found | None:
    """`date_check` for the date of a date and time, then its time box ("14:30")."""
    clock = parts.get("time", "").strip()
    missing = [part for part in PARTS if not parts.get(part, "").strip()] + ([] if clock else ["time"])
    if len(missing) == len(BOXES):
        return None
    if any(part in PARTS for part in missing):
        named = label if "time" in missing else _named(label, "date")
        return Found(f"{named} must include a {_and(missing)}", tuple(missing))
    on_day = _real_date(_named(label, "date"), {part: parts[part].strip() for part in PARTS}, today, False)
    if on_day:
        return on_day
    if not clock:
        return Found(f"{label} must include a time", ("time",))
    return _time_check(_named(label, "time"), clock)


def _real_date(label: str, typed: dict[str, str], today: date, past: bool) -> Found | None:
    wrong = tuple(part for part in PARTS if not typed[part].isdigit())
    if not wrong and len(typed["year"]) != 4:
        return Found("Year must include 4 numbers", ("year",))
    if not wrong and not 1 <= int(typed["month"]) <= 12:
        wrong = ("month",)
    if not wrong and not 1 <= int(typed["day"]) <= calendar.monthrange(int(typed["year"]), int(typed["month"]))[1]:
        wrong = ("day",)
    if wrong:
        return Found(f"{label} must be a real date", wrong)
    if past and date(int(typed["year"]), int(typed["month"]), int(typed["day"])) >= today:
        return Found(f"{label} must be in the past", PARTS)
    return None


def _time_check(label: str, clock: str) -> Found | None:
    matched = _CLOCK.fullmatch(clock)
    if matched is None:
        return Found(f"{label} must be a real time", ("time",))
    hour, minute = matched.group(1), matched.group(2) or ""
    if not hour:
        return Found(f"{label} must include an hour", ("time",))
    if not minute:
        return Found(f"{label} must include a minute", ("time",))
    if int(hour) > 23 or len(minute) != 2 or int(minute) > 59:
        return Found(f"{label} must be a real time", ("time",))
    return None


def first_box(problem: FieldProblem) -> str | None:
    """The box the error summary links to (GOV.UK: the first box with the error); None for a problem with the
    date as a whole (the link goes to its first box)."""
    boxes = problem.boxes if isinstance(problem, DateProblem) else ()
    return next((part for part in BOXES if part in boxes), None)


def wrong_boxes(problems: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    """Field pointer → the boxes to mark, for the date problems that name boxes."""
    return {problem.pointer: problem.boxes for problem in problems if isinstance(problem, DateProblem)}


def merged(first: Iterable[FieldProblem], then: Iterable[FieldProblem]) -> list[FieldProblem]:
    """`first`, then each of `then` at a field `first` does not already name, sorted by field."""
    chosen = {problem.pointer: problem for problem in first}
    for problem in then:
        chosen.setdefault(problem.pointer, problem)
    return sorted(chosen.values(), key=lambda problem: problem.pointer)


def time_label(label: str) -> str:
    """"Date and time of the strategy discussion" → "Time of the strategy discussion" (the time box's name)."""
    return _named(_sentence(label), "time") if _DATE_AND_TIME.search(label) else "Time"


def _named(label: str, part: str) -> str:
    """The date-and-time label narrowed to its `part` ("date" or "time"); unchanged if it does not say so."""
    return _DATE_AND_TIME.sub(lambda m: part.capitalize() if m.group(1) == "D" else part, label, count=1)


def _dates(fields: list[Field]) -> Iterator[Field]:
    for each in fields:
        if each.widget in ("date", "datetime"):
            yield each
        yield from _dates(each.children)
        for option in each.options:
            yield from _dates(option.revealed)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(label: str) -> str:
    return label[:1].upper() + label[1:]
