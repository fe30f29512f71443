"""The manager dashboard: breaches and at-risk work by team and escalation level, open tasks by step, and the
statutory indicators week by week, as tables that work without JavaScript and as Chart.js charts; every
figure links to the list of the cases behind it (keyset-paged lists filtered with the MOJ filter).

Every figure comes from the reads behind /api/v1/sla (engine/queries/sla.py and indicators.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages import dashboard_figures as figures
from api.pages.wording import due_badge, when
from engine import access
from engine.calendar import LONDON
from engine.queries.indicators import compute_indicators
from engine.queries.sla import SlaFilter, count_open_work, list_at_risk, list_breaches, list_open

dashboard_pages = Blueprint("dashboard_pages", __name__)
PAGE_SIZE = 25
PERIODS = {4: "4 weeks", 12: "12 weeks", 26: "26 weeks", 52: "52 weeks"}
DEFAULT_WEEKS = 12
LISTS = {"breaches": ("Breached tasks", list_breaches, "The most overdue first"),
         "at_risk": ("Tasks at risk", list_at_risk, "Warned and not yet due, the nearest deadline first"),
         "open_tasks": ("Open tasks", list_open, "The soonest deadline first")}


def link(endpoint: str, **values: Any) -> str:
    """A dashboard URL; `from_` is sent as `from`."""
    if "from_" in values:
        values["from"] = values.pop("from_")
    return url_for(f"dashboard_pages.{endpoint}", **values)


@dashboard_pages.route("/dashboard")
def dashboard() -> ResponseReturnValue:
    """Open work by team and by step now, and the indicators over the chosen number of weeks."""
    actor, now = current_actor(), context.now()
    weeks = _weeks(request.args.get("weeks"))
    start, end = _recent(now, weeks)
    with context.db().reading() as session:
        counts = count_open_work(session, actor, now)
        indicators = compute_indicators(session, actor, start, end)
    teams, steps = figures.by_team(counts, link), figures.by_step(counts, link)
    weekly = figures.on_time_by_week(indicators, figures.week_starts(start, end), link)
    last = (end - timedelta(days=1)).date()
    headline = [{**i, "url": link("indicator", key=i["key"], from_=start.date().isoformat(), to=last.isoformat())}
                for i in indicators]
    return render_template("pages/dashboard/dashboard.html", teams=teams, steps=steps, weekly=weekly,
                           indicators=headline, charts=figures.charts(teams, steps, weekly), weeks=weeks,
                           periods=PERIODS, start=start, last=last)


def _weeks(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in PERIODS else DEFAULT_WEEKS


def _recent(now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """[Monday `weeks - 1` weeks before this one, tomorrow), London days."""
    today = now.astimezone(LONDON).date()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    return _day(first), _day(today + timedelta(days=1))


def _day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


@dashboard_pages.route("/dashboard/breaches")
def breaches() -> ResponseReturnValue:
    return _task_list("breaches")


@dashboard_pages.route("/dashboard/at-risk")
def at_risk() -> ResponseReturnValue:
    return _task_list("at_risk")


@dashboard_pages.route("/dashboard/open-tasks")
def open_tasks() -> ResponseReturnValue:
    return _task_list("open_tasks")


def _task_list(kind: str) -> ResponseReturnValue:
    """One keyset page of a list, narrowed by team, level (breaches), process and step."""
    args, actor, now = request.args, current_actor(), context.now()
    level = args.get("level", "")
    wanted = SlaFilter(process=args.get("process") or None, step=args.get("step") or None,
                       group=args.get("group") or None, level=int(level) if level in ("1", "2", "3") else None)
    title, read, caption = LISTS[kind]
    with context.db().reading() as session:
        page = read(session, actor, wanted, now, PAGE_SIZE, args.get("cursor") or None)
    rows = [{**item, "due": when(item["due_at"]), "badge": due_badge(item["due_at"], now)} for item in page.items]
    kept = {name: value for name, value in args.items() if name != "cursor" and value}
    next_url = link(kind, **kept, cursor=page.next_cursor) if page.next_cursor else None
    return render_template("pages/dashboard/tasks.html", kind=kind, title=title, caption=caption, rows=rows,
                           args=args, next_url=next_url, lanes=sorted(access.managed_lanes(actor)))


@dashboard_pages.route("/dashboard/indicators/<string:key>")
def indicator(key: str) -> ResponseReturnValue:
    """The cases behind one indicator over [from, to] (London days), late ones first."""
    actor, now = current_actor(), context.now()
    default_start, default_end = _recent(now, DEFAULT_WEEKS)
    first = _date(request.args.get("from")) or default_start.date()
    last = _date(request.args.get("to")) or (default_end - timedelta(days=1)).date()
    with context.db().reading() as session:
        found = [i for i in compute_indicators(session, actor, _day(first), _day(last + timedelta(days=1)))
                 if i["key"] == key]
    if not found:
        abort(404, "There is no such indicator among those your teams answer for.")
    cases = sorted(found[0]["cases"], key=lambda c: (c["on_time"], c["done_at"]))
    rows = [{**c, "due": when(c["due_at"]), "done": when(c["done_at"])} for c in cases]
    return render_template("pages/dashboard/indicator.html", indicator=found[0], rows=rows, first=first, last=last)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        abort(400, "Enter dates as YYYY-MM-DD.")
