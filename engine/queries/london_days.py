"""The London date of a stored UTC instant, computed by the database, so reports can group by day in SQL.

PostgreSQL converts with its time-zone data. SQLite has none: it adds an hour to instants inside British
Summer Time, whose bounds (01:00 UTC on the last Sundays of March and October) are bound as parameters for
the years a report can meet; the result is an ISO date string. `as_date` turns either back into a `date`.
Working days between two such dates come from `WorkingCalendar.working_days_between` once per distinct pair.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal

from engine.calendar import LONDON, WorkingCalendar
from engine.models import UTCDateTime


def london_date(column: Any, dialect: str, years: range) -> ColumnElement[Any]:
    """SQL for the London date of `column` (NULL stays NULL); `years` must cover the instants read."""
    if dialect == "postgresql":
        return func.date(func.timezone("Europe/London", column))
    summer = [and_(column >= _instant(start), column < _instant(end)) for start, end in map(_summer_time, years)]
    if not summer:
        return func.date(column)
    shift = case(*((within, literal("+1 hours")) for within in summer), else_=literal("+0 hours"))
    return func.date(column, shift)


def _instant(moment: datetime) -> ColumnElement[Any]:
    return literal(moment, UTCDateTime())


@lru_cache(maxsize=64)
def _summer_time(year: int) -> tuple[datetime, datetime]:
    """[start, end) of British Summer Time in `year`, in UTC, read from the time-zone data."""
    return _first_summer_instant(year, 3), _first_summer_instant(year, 10)


def _first_summer_instant(year: int, month: int) -> datetime:
    """The UTC hour in `month` at which London's offset changes (01:00 UTC on the month's last Sunday)."""
    moment = datetime(year, month, 1, 1, 0, tzinfo=UTC)
    offset = moment.astimezone(LONDON).utcoffset()
    while moment.astimezone(LONDON).utcoffset() == offset:
        moment += timedelta(hours=1)
    return moment


def as_date(value: object) -> date | None:
    """A value `london_date` produced, as a date."""
    if value is None or isinstance(value, date):
        return value
    return _parsed(str(value))


@lru_cache(maxsize=4096)
def _parsed(text: str) -> date:
    return date.fromisoformat(text)


def report_years(*moments: datetime) -> range:
    """The years a report over these instants can meet, with a year either side."""
    years = [moment.astimezone(LONDON).year for moment in moments]
    return range(min(years) - 1, max(years) + 2)


class WorkingDaysBetween:
    """`calendar.working_days_between` of London dates, each distinct pair computed once."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar
        self._known: dict[tuple[date, date], int] = {}

    def __call__(self, first: date, last: date) -> int:
        known = self._known.get((first, last))
        if known is None:
            known = self._known[first, last] = self._calendar.working_days_between(first, last)
        return known
