"""Working days in England: deadline arithmetic for sosflow.

Implements domain.md section 1 ("Clock and calendar rules"):

* a working day is Monday to Friday, excluding England & Wales bank holidays (from the ``holidays``
  package, country GB, subdivision ENG) and any local closure days from configuration;
* "N working days" follows the DfE CIN census target-date convention: the event's London calendar date is
  day 0, N working days are stepped forward and the deadline is the end of that day (17:00 London);
* "within N months" means the same day-of-month N months later, clamped to the month end and moved
  *earlier* to the previous working day when it is not a working day;
* the MASH clock only runs in office hours, so out-of-hours contacts start it on the next working day.

Every datetime accepted must be timezone-aware and every datetime returned is timezone-aware UTC. This
module is framework-free so that the engine, API and workers can share it.
"""

from __future__ import annotations

import os
import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "CLOSURE_DAYS_ENV",
    "LONDON",
    "WorkingCalendar",
    "add_calendar_months",
    "add_working_days",
    "default_calendar",
    "working_days_between",
]

LONDON: ZoneInfo = ZoneInfo("Europe/London")

CLOSURE_DAYS_ENV = "SOSFLOW_CLOSURE_DAYS"

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# domain §1: intervals this long (in working days) warn 1 working day ahead, shorter ones at 75%.
_WARN_ONE_DAY_FROM = 3
_WARN_FRACTION = 0.75


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> Mapping[date, str]:
    """England & Wales bank holidays of ``year`` as reported by the ``holidays`` package (read-only)."""
    # Building a holidays object is comparatively slow and this sits on the task-completion path,
    # so each year is computed once per process; the proxy stops callers mutating the shared cache.
    return MappingProxyType(dict(holidays.country_holidays("GB", subdiv="ENG", years=year)))


def _require_aware(value: datetime, name: str) -> None:
    """Raise ValueError if ``value`` is a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime (e.g. tzinfo=UTC or ZoneInfo('Europe/London')), "
            f"got naive {value!r}"
        )


def _london(value: datetime, name: str) -> datetime:
    """``value`` converted to Europe/London, rejecting naive datetimes."""
    _require_aware(value, name)
    return value.astimezone(LONDON)


def _london_date(value: date, name: str = "value") -> date:
    """The London calendar date of ``value``; a plain date is taken to be a London date already."""
    # datetime is a subclass of date: without this check a UTC datetime late in the evening during
    # British Summer Time would silently count as the previous London day.
    if isinstance(value, datetime):
        return _london(value, name).date()
    return value


def _is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


def _parse_closure_days(raw: str) -> frozenset[date]:
    """Parse a comma-separated list of ISO dates (YYYY-MM-DD); blank entries are ignored."""
    days: set[date] = set()
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            if not _ISO_DATE.fullmatch(item):
                raise ValueError("not in YYYY-MM-DD form")
            days.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(
                f"{CLOSURE_DAYS_ENV} contains {item!r}, which is not a valid ISO date (YYYY-MM-DD): {exc}"
            ) from exc
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    """England working-day calendar with optional local closure days.

    ``extra_closures`` holds local closure days from configuration (ad-hoc bank holidays such as a
    coronation or state funeral announced after the ``holidays`` release, office closures).
    ``office_opens``/``end_of_day`` are naive London wall-clock times; deadlines fall at ``end_of_day``.
    """

    extra_closures: frozenset[date] = frozenset()
    office_opens: time = time(9, 0)
    end_of_day: time = time(17, 0)

    def __post_init__(self) -> None:
        if self.office_opens.tzinfo is not None or self.end_of_day.tzinfo is not None:
            raise ValueError("office_opens and end_of_day are London wall-clock times and must be naive")
        if self.office_opens >= self.end_of_day:
            raise ValueError(
                f"office_opens ({self.office_opens}) must be earlier than end_of_day ({self.end_of_day})"
            )

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is Mon–Fri, not an England & Wales bank holiday and not an extra closure.

        An aware datetime is accepted and judged by its London calendar date.
        """
        day = _london_date(day, "day")
        if _is_weekend(day) or day in self.extra_closures:
            return False
        return day not in _bank_holidays(day.year)

    def closed_days(self, year: int) -> dict[date, str]:
        """Weekdays of ``year`` that are not working days, mapped to the reason (holiday name).

        Weekend dates are left out even when the ``holidays`` package names them (e.g. Boxing Day on a
        Saturday, whose substitute Monday *is* listed), so the result matches the gov.uk bank-holiday list.
        """
        closed = {day: name for day, name in _bank_holidays(year).items() if not _is_weekend(day)}
        for day in self.extra_closures:
            if day.year == year and not _is_weekend(day):
                closed[day] = f"{closed[day]}; local closure" if day in closed else "Local closure"
        return dict(sorted(closed.items()))

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day = _london_date(day, "day") + _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day = _london_date(day, "day") - _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def end_of_day_on(self, day: date) -> datetime:
        """``end_of_day`` London time on ``day``, as an aware UTC datetime."""
        day = _london_date(day, "day")
        return datetime.combine(day, self.end_of_day, tzinfo=LONDON).astimezone(UTC)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Deadline ``n`` working days after ``start`` (DfE CIN census convention).

        The London calendar date of ``start`` is day 0 whatever the time of day; ``n`` working days are
        stepped forward, skipping weekends, bank holidays and closures, and the deadline is ``end_of_day``
        London on the date reached. ``n == 0`` gives the end of the start date if it is a working day,
        otherwise of the next working day, so a deadline never falls on a non-working day. Note that from
        a non-working start date ``n == 0`` and ``n == 1`` give the same deadline.

        Raises ValueError for a naive ``start`` or a negative ``n``.
        """
        if n < 0:
            raise ValueError(f"n must be a non-negative number of working days, got {n}")
        day = _london_date(start, "start")
        if n == 0 and not self.is_working_day(day):
            day = self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return self.end_of_day_on(day)

    def working_days_between(self, a: datetime | date, b: datetime | date) -> int:
        """Number of working days d with a < d <= b (London dates); negative if b is before a.

        For a working-day ``x``, ``working_days_between(x, add_working_days(x, n)) == n``.
        Datetimes must be aware; plain dates are taken as London dates.
        """
        first, last = _london_date(a, "a"), _london_date(b, "b")
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = 0
        day = first + _ONE_DAY
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return sign * count

    def add_calendar_months(self, start: datetime, n: int) -> datetime:
        """Deadline for "within ``n`` months" of ``start``.

        Same day-of-month ``n`` months after the London date of ``start``, clamped to the end of a shorter
        month (31 Jan + 1 month = 28/29 Feb). If that is not a working day the deadline moves *earlier* to
        the previous working day so the event is still "within" the period. Returns ``end_of_day`` London
        on that date, as aware UTC.

        Raises ValueError for a naive ``start`` or ``n < 1`` (moving earlier could otherwise put the
        deadline before the start).
        """
        if n < 1:
            raise ValueError(f"n must be a positive number of months, got {n}")
        origin = _london_date(start, "start")
        year, month_index = divmod(origin.month - 1 + n, 12)
        year += origin.year
        month = month_index + 1
        target = date(year, month, min(origin.day, monthrange(year, month)[1]))
        if not self.is_working_day(target):
            target = self.previous_working_day(target)
        return self.end_of_day_on(target)

    def clock_start(self, received_at: datetime) -> datetime:
        """When the MASH clock starts for a contact received at ``received_at``.

        Received on a working day from ``office_opens`` up to (not including) ``end_of_day`` London: the
        clock starts at once. Before opening on a working day: ``office_opens`` that day. Otherwise (after
        hours, weekend, bank holiday, closure): ``office_opens`` on the next working day. Aware UTC.
        """
        local = _london(received_at, "received_at")
        day = local.date()
        if self.is_working_day(day):
            if self.office_opens <= local.time() < self.end_of_day:
                return local.astimezone(UTC)
            if local.time() < self.office_opens:
                return self._office_opens_on(day)
        return self._office_opens_on(self.next_working_day(day))

    def in_office_hours(self, moment: datetime) -> bool:
        """True on a working day from ``office_opens`` up to (not including) ``end_of_day`` London:
        the MASH is open; outside it a contact goes to the Emergency Duty Team first (domain §1)."""
        local = _london(moment, "moment")
        return self.is_working_day(local.date()) and self.office_opens <= local.time() < self.end_of_day

    def warn_at(self, start: datetime, due: datetime) -> datetime:
        """When to warn that the deadline ``due`` (for an interval beginning at ``start``) is near.

        Intervals of at least 3 working days warn 1 working day before ``due`` at the same London time of
        day; shorter ones warn once 75% of the elapsed time from ``start`` to ``due`` has passed. Aware UTC.

        Raises ValueError for naive datetimes or ``due`` earlier than ``start``.
        """
        start_local, due_local = _london(start, "start"), _london(due, "due")
        if due_local < start_local:
            raise ValueError(f"due ({due.isoformat()}) is earlier than start ({start.isoformat()})")
        if self.working_days_between(start_local, due_local) >= _WARN_ONE_DAY_FROM:
            warn_day = self.previous_working_day(due_local.date())
            return datetime.combine(warn_day, due_local.time(), tzinfo=LONDON).astimezone(UTC)
        return (start_local + (due_local - start_local) * _WARN_FRACTION).astimezone(UTC)

    def _office_opens_on(self, day: date) -> datetime:
        return datetime.combine(day, self.office_opens, tzinfo=LONDON).astimezone(UTC)


def default_calendar() -> WorkingCalendar:
    """The calendar configured for this process.

    Extra closure days come from the environment variable ``SOSFLOW_CLOSURE_DAYS`` (comma-separated ISO
    dates, e.g. ``"2027-06-07,2027-12-24"``). Read on every call (not cached) so a configuration change is
    picked up without a restart. Raises ValueError naming any malformed date.
    """
    return WorkingCalendar(extra_closures=_parse_closure_days(os.environ.get(CLOSURE_DAYS_ENV, "")))


def add_working_days(start: datetime, n: int) -> datetime:
    """``default_calendar().add_working_days(start, n)``."""
    return default_calendar().add_working_days(start, n)


def working_days_between(a: datetime | date, b: datetime | date) -> int:
    """``default_calendar().working_days_between(a, b)``."""
    return default_calendar().working_days_between(a, b)


def add_calendar_months(start: datetime, n: int) -> datetime:
    """``default_calendar().add_calendar_months(start, n)``."""
    return default_calendar().add_calendar_months(start, n)
