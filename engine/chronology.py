"""A case's chronology for auditors: its audit events in order, each told in a sentence, as CSV or PDF.

Pure functions of the case and its events (the API records the export as a read before calling them).
Times are shown in London time, as practitioners read them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fpdf import FPDF

from engine.calendar import LONDON
from engine.models import AuditEvent, Case

CSV_COLUMNS = ("seq", "at", "actor", "action", "summary", "instance_id", "task_id", "details")


@dataclass(frozen=True)
class ChronologyRow:
    seq: int
    at: str
    actor: str
    action: str
    summary: str
    instance_id: str
    task_id: str
    details: str


def _name(p: dict[str, Any]) -> str:
    return str(p.get("name") or p.get("element_id") or "a task")


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "case_opened": lambda p: f"Opened case {p.get('reference', '')} ({p.get('process', '')})",
    "process_started": lambda p: f"Started process {p.get('process') or p.get('key') or ''}".rstrip(),
    "task_claimed": lambda p: f"Claimed '{_name(p)}'",
    "task_unclaimed": lambda p: f"Gave back '{_name(p)}'",
    "task_completed": lambda p: f"Completed '{_name(p)}' (form {p.get('form', '')})",
    "task_completion_failed": lambda p: f"Tried to complete a task; it failed at {p.get('element_id', '')}",
    "task_viewed": lambda p: f"Read the task form '{_name(p)}'",
    "case_viewed": lambda p: f"Read the case ({p.get('what', 'record')})",
    "timer_fired": lambda p: f"Timer fired: {_name(p)}" + (f" ({p['rule']})" if p.get("rule") else ""),
    "outcome_reached": lambda p: f"Outcome reached: {p.get('name') or p.get('outcome')}",
    "handoff_recorded": lambda p: f"Handed on to {p.get('starts_process') or p.get('process') or 'another process'}",
    "case_restricted": lambda p: f"Restricted the case: {p.get('reason', '')}"
                                 + (f" (team {p['team']})" if p.get("team") else ""),
    "break_glass_opened": lambda p: f"Broke the glass: {p.get('reason', '')} (until {p.get('expires_at', '')})",
}


def summary(event: AuditEvent) -> str:
    """One readable sentence for an event; unknown actions fall back to their name."""
    payload = event.payload or {}
    describe = SUMMARIES.get(event.action)
    return describe(payload) if describe else event.action.replace("_", " ").capitalize()


def chronology_rows(events: list[AuditEvent]) -> list[ChronologyRow]:
    return [
        ChronologyRow(
            seq=event.seq, at=_local(event.at), actor=event.actor, action=event.action, summary=summary(event),
            instance_id=event.instance_id or "", task_id=event.task_id or "",
            details=orjson.dumps(event.payload or {}, option=orjson.OPT_SORT_KEYS).decode("utf-8"),
        )
        for event in events
    ]


def _local(at: datetime) -> str:
    return at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S %Z")


def chronology_csv(events: list[AuditEvent]) -> str:
    """The chronology as CSV (RFC 4180), one row per event, with the full payload as JSON in `details`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in chronology_rows(events):
        writer.writerow([getattr(row, column) for column in CSV_COLUMNS])
    return out.getvalue()


def chronology_pdf(case: Case, events: list[AuditEvent], *, exported_by: str, exported_at: datetime) -> bytes:
    """The chronology as a PDF: a heading naming the case, then each event's time, actor and sentence."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # plain text streams: searchable and checkable without a PDF reader
    pdf.set_title(f"Chronology {case.reference}")
    pdf.set_author("sosflow")
    pdf.set_creation_date(exported_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, _latin1(f"Chronology of {case.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    heading = f"Case kind {case.kind}; exported by {exported_by} at {_local(exported_at)}; {len(events)} events."
    pdf.multi_cell(0, 5, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for row in chronology_rows(events):
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5, _latin1(f"{row.seq}  {row.at}  {row.actor}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, _latin1(row.summary), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """The PDF's core fonts know Latin-1 only; anything else is shown as '?' rather than failing the export."""
    return text.encode("latin-1", errors="replace").decode("latin-1")
