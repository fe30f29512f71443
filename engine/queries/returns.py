"""What both statutory returns read: each child's episodes, built from `case_event` rows and `case_person` links.

An episode is one referral of one child: it starts on the referral date and holds the case's events
from that date until the case's next referral (a step-up from early help is a new referral in the same
case). Every child a case is about shares the case's events. The returns count every case, restricted
ones included (a statutory return is complete); they carry no names, only the person's id as the child's
identifier, and each row names its case (id and reference) so every figure can be traced.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, CaseEvent, CasePerson, Person, PersonRole
from engine.queries.people import months_before
from engine.statutory import EventKind

K = EventKind
CATEGORY_CODES = {"neglect": "NEG", "physical_abuse": "PHY", "sexual_abuse": "SAB", "emotional_abuse": "EMO",
                  "multiple": "MUL"}


@dataclass
class Episode:
    """One referral of one child, with the events of its case from the referral until the next one."""

    person: Person
    case: Case
    referral: CaseEvent
    events: list[CaseEvent] = field(default_factory=list)

    def first(self, kind: str) -> CaseEvent | None:
        return next((e for e in self.events if e.kind == kind), None)

    def last(self, kind: str, until: date | None = None) -> CaseEvent | None:
        found = [e for e in self.events if e.kind == kind and (until is None or e.on_date <= until)]
        return found[-1] if found else None

    def all(self, kind: str) -> list[CaseEvent]:
        return [e for e in self.events if e.kind == kind]

    def icpc_not_required(self, concluded: CaseEvent | None) -> bool | None:
        """The s47 outcome's own answer, unless a conference was requested after it anyway (a partner's
        request agreed, or a professional disagreement that changed the decision) before the next s47."""
        if concluded is None or not concluded.details.get("icpc_not_required"):
            return None if concluded is None else concluded.details.get("icpc_not_required")
        after = self.events[self.events.index(concluded) + 1:]
        following = next((e.kind for e in after if e.kind in (K.S47_STARTED, K.ICPC_REQUESTED)), None)
        return following != K.ICPC_REQUESTED

    @property
    def closed_on(self) -> date | None:
        closed = self.first(K.CLOSED)
        return closed.on_date if closed else None

    def open_during(self, first: date, last: date) -> bool:
        return self.referral.on_date <= last and (self.closed_on is None or self.closed_on >= first)


@dataclass
class ReturnData:
    """Everything a return needs, read in four statements."""

    episodes: list[Episode]
    events_by_case: dict[str, list[CaseEvent]]
    children_by_case: dict[str, list[Person]]
    cases: dict[str, Case]
    cases_by_person: dict[str, list[str]]

    def person_events(self, person_id: str, kind: str) -> list[CaseEvent]:
        """The child's events of `kind` across all their cases, oldest first."""
        found = [e for case_id in self.cases_by_person.get(person_id, [])
                 for e in self.events_by_case.get(case_id, []) if e.kind == kind]
        return sorted(found, key=lambda e: (e.on_date, e.id))

    def count_within_12_months(self, person_id: str, kind: str, on: date) -> int:
        """The child's events of `kind` in the 12 months up to and including `on`."""
        start = months_before(on, 12)
        return sum(1 for e in self.person_events(person_id, kind) if start <= e.on_date <= on)

    def previous_plans(self, person_id: str, started: CaseEvent) -> int:
        return sum(1 for e in self.person_events(person_id, K.CP_PLAN_STARTED)
                   if (e.on_date, e.id) < (started.on_date, started.id))


def load_return_data(session: Session, until: date) -> ReturnData:
    """Every child case with a contact or referral on or before `until`, its events, children and links."""
    case_ids = select(CaseEvent.case_id).where(CaseEvent.kind.in_([K.CONTACT, K.REFERRAL]),
                                               CaseEvent.on_date <= until)
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
                                  .order_by(CaseEvent.on_date, CaseEvent.id)))
    events_by_case: dict[str, list[CaseEvent]] = defaultdict(list)
    for event in events:
        events_by_case[event.case_id].append(event)
    links = session.execute(select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
                            .where(CasePerson.case_id.in_(list(events_by_case)), CasePerson.role == PersonRole.CHILD)
                            .order_by(Person.id)).all()
    children_by_case: dict[str, list[Person]] = defaultdict(list)
    cases_by_person: dict[str, list[str]] = defaultdict(list)
    for link, person in links:
        children_by_case[link.case_id].append(person)
        cases_by_person[person.id].append(link.case_id)
    cases = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(list(events_by_case))))}
    episodes = [episode for case_id, case_events in events_by_case.items()
                for episode in _episodes(cases[case_id], case_events, children_by_case[case_id])]
    episodes.sort(key=lambda ep: (ep.referral.on_date, ep.case.reference, ep.person.id))
    return ReturnData(episodes, events_by_case, children_by_case, cases, cases_by_person)


def _episodes(case: Case, events: list[CaseEvent], children: list[Person]) -> Iterable[Episode]:
    referrals = [e for e in events if e.kind == K.REFERRAL]
    for i, referral in enumerate(referrals):
        end = referrals[i + 1].on_date if i + 1 < len(referrals) else None
        mine = [e for e in events if e.on_date >= referral.on_date and (end is None or e.on_date < end)
                and e.kind not in (K.CONTACT, K.REFERRAL)]
        for child in children:
            yield Episode(child, case, referral, mine)


def to_csv(columns: list[str], rows: list[list[str]]) -> str:
    """The header and rows as CSV (RFC 4180, CRLF line ends, as spreadsheet tools expect)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def yes_no(value: object) -> str:
    """1 / 0 for a CIN census flag; blank when not known."""
    return "" if value is None else ("1" if value else "0")


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def joined(values: Iterable[str]) -> str:
    """Repeated items of one episode (several assessments, reviews…), in date order, separated by ';'."""
    return ";".join(value for value in values if value)
