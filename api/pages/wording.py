"""GOV.UK wording built by one helper per pattern, and the shared error list pages show."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from engine.calendar import LONDON
from engine.errors import FieldProblem, FormInvalid

DUE_SOON = timedelta(days=2)


def problems_of(error: FormInvalid, prefix: str = "/data") -> list[FieldProblem]:
    """The server's 422 problems with pointers into the form's own data (the API nests it under `/data`)."""
    return [FieldProblem(p.pointer.removeprefix(prefix) if p.pointer.startswith(prefix) else p.pointer,
                         p.message, p.validator) for p in error.problems]


def when(at: datetime | None) -> str:
    """"22 May 2026 at 10:30am", London time."""
    if at is None:
        return "No deadline"
    local = at.astimezone(LONDON)
    hour = local.strftime("%I:%M").lstrip("0") + local.strftime("%p").lower()
    return f"{local.day} {local.strftime('%B %Y')} at {hour}"


def due_badge(due: datetime | None, now: datetime) -> tuple[str, str] | None:
    """(text, colour) for the MOJ badge: overdue, due today, due soon; None when not near."""
    if due is None:
        return None
    if due < now:
        return "Overdue", "red"
    if due.astimezone(LONDON).date() == now.astimezone(LONDON).date():
        return "Due today", "orange"
    if due - now <= DUE_SOON:
        return "Due soon", "blue"
    return None


def end_of_day(now: datetime, days: int = 0) -> datetime:
    """Midnight London after `days` more days (0: tonight)."""
    local = now.astimezone(LONDON)
    return datetime.combine(local.date() + timedelta(days=days + 1), datetime.min.time(), tzinfo=LONDON)


def enter_date(label: str) -> str:
    """The GOV.UK message for a date that is not a real one."""
    return f"{label} must be a real date, for example 22/5/2026"


def parse_day(raw: str) -> date | None:
    """22/5/2026 (as people write it) or 2026-05-22; None for anything else."""
    raw = raw.strip()
    try:
        if "/" in raw:
            day, month, year = (int(part) for part in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
