"""Auditor pages: search the audit events by case, person, action and date range (newest first, keyset-paged,
with a CSV export); verify the hash chain; a case's chronology as an MOJ timeline and its access log, with
the chronology exported as CSV or PDF. Reads of a case's chronology are audited like the API's."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages.wording import enter_date, parse_day, when
from engine import runtime
from engine.audit import verify_chain
from engine.calendar import LONDON
from engine.chronology import chronology_csv, chronology_pdf, summary
from engine.models import AuditEvent
from engine.queries.audit import AuditSearch, EventPage, get_case_chronology, list_case_access_log, search_audit_events

audit_pages = Blueprint("audit_pages", __name__)
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
FIELDS = ("case", "person", "action", "from", "to")


@audit_pages.route("/audit")
def search() -> ResponseReturnValue:
    """The event search: every field optional, newest first; the verify button beside it."""
    wanted, errors = _search_args()
    page = EventPage([], None)
    if not errors:
        with context.db().reading() as session:
            page = search_audit_events(session, current_actor(), wanted, PAGE_SIZE, request.args.get("cursor") or None)
    kept: dict[str, Any] = {name: request.args[name] for name in FIELDS if request.args.get(name)}
    next_url = url_for("audit_pages.search", **kept, cursor=page.next_cursor) if page.next_cursor else None
    return render_template("pages/audit/search.html", rows=[_row(item) for item in page.items], args=request.args,
                           errors=errors, next_url=next_url, csv_url=url_for("audit_pages.events_csv", **kept)), \
        422 if errors else 200


@audit_pages.route("/audit/events.csv")
def events_csv() -> ResponseReturnValue:
    """The search's events (up to EXPORT_LIMIT, newest first) as CSV, one row per event with its payload."""
    wanted, errors = _search_args()
    if errors:
        return search()
    with context.db().reading() as session:
        page = search_audit_events(session, current_actor(), wanted, EXPORT_LIMIT)
    body = chronology_csv([item["event"] for item in page.items])
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit-events.csv"'})


def _search_args() -> tuple[AuditSearch, list[dict[str, str]]]:
    args, errors = request.args, []
    dates: dict[str, date | None] = {}
    for name, label in (("from", "From"), ("to", "To")):
        dates[name] = parse_day(args.get(name, ""))
        if args.get(name) and dates[name] is None:
            errors.append({"href": f"#search-{name}", "text": enter_date(label)})
    start, end = dates["from"], dates["to"]
    wanted = AuditSearch(case_reference=args.get("case") or None, actor=args.get("person") or None,
                         action=args.get("action") or None, start=_midnight(start) if start else None,
                         end=_midnight(end + timedelta(days=1)) if end else None)
    return wanted, errors


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


def _row(item: dict[str, Any]) -> dict[str, Any]:
    event: AuditEvent = item["event"]
    return {"event": event, "reference": item["reference"], "at": when(event.at), "iso": event.at.isoformat(),
            "summary": summary(event)}


@audit_pages.route("/audit/verify", methods=["POST"])
def verify() -> ResponseReturnValue:
    """Recompute the hash chain (from the newest checkpoint, or the whole chain) and show what was found."""
    full = request.form.get("full") == "yes"
    with context.db().reading() as session:
        report = verify_chain(session, full=full)
    return render_template("pages/audit/verify.html", report=report, full=full, checked_at=when(context.now()))


@audit_pages.route("/audit/cases/<uuid:case_id>")
def case(case_id: UUID) -> ResponseReturnValue:
    """A case's chronology as a timeline, and who read its record and when."""
    actor = current_actor()
    runtime.record_case_read(context.db(), str(case_id), actor, context.now(), "chronology")
    with context.db().reading() as session:
        case_row, events = get_case_chronology(session, actor, str(case_id))
        reads = list_case_access_log(session, actor, str(case_id))
    timeline = [{"event": e, "summary": summary(e), "at": when(e.at), "iso": e.at.isoformat()}
                for e in reversed(events)]
    access_log = [{"event": e, "at": when(e.at), "what": (e.payload or {}).get("what") or e.action.replace("_", " ")}
                  for e in reversed(reads)]
    return render_template("pages/audit/case.html", case=case_row, timeline=timeline, access_log=access_log)


@audit_pages.route("/audit/cases/<uuid:case_id>/chronology.csv")
def chronology_as_csv(case_id: UUID) -> ResponseReturnValue:
    case_row, events = _exported(case_id, "chronology_csv")
    return Response(chronology_csv(events), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{case_row.reference}-chronology.csv"'})


@audit_pages.route("/audit/cases/<uuid:case_id>/chronology.pdf")
def chronology_as_pdf(case_id: UUID) -> ResponseReturnValue:
    case_row, events = _exported(case_id, "chronology_pdf")
    body = chronology_pdf(case_row, events, exported_by=current_actor().username, exported_at=context.now())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{case_row.reference}-chronology.pdf"'})


def _exported(case_id: UUID, what: str) -> Any:
    """Record the export as a read of the case (404 if not visible), then read its chronology."""
    runtime.record_case_read(context.db(), str(case_id), current_actor(), context.now(), what)
    with context.db().reading() as session:
        return get_case_chronology(session, current_actor(), str(case_id))
