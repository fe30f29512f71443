"""Ofsted ILACS Annex A child-level lists 1–7 for a period, as CSV (list 8, children looked after, is out of scope).

Columns are the lists' published headings in order, as in the [ANNEXA] schema the domain cites
(SocialFinanceDigitalLabs/liia-tools `Annex_A_schema.yml`), values as its categories ("a) Male",
"a) WBRI", "e) 2A: Schools", "a) Yes", "N1 - Abuse or neglect"…), dates as DD/MM/YYYY; then
"Case ID" and "Case Reference" so every row leads back to its case. A row is in a list when its event
falls in the period (contacts, referrals, s47 enquiries), or when it was open on any day of it
(early help and assessments started or completed in it; CIN episodes and CP plans open during it).

Choices the domain does not settle (VERIFY with the process owner): "Age of Child (Years)" is the age
on the last day of the period; "Number of Referrals in Last 12 Months" (and of s47s and ICPCs) counts
the child's referrals in the 12 months up to and including this one, in every case (ICPCs: up to this
enquiry's ICPC, if one was held); "Child Seen During Continuous Assessment" is "a) Yes" when a
`child_seen` record exists, else "b) No"; "Allocated Team"
and "Allocated Worker" are the latest assessment allocation's; "Date of the Last Statutory Visit" and
"Was the Child Seen Alone?" come from the latest `child_seen` record, the only visit the forms record;
"Case Status" is the state on the last day of the period; "Does the Child have a Disability" is
"c) Unknown" when the referral gave no codes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from engine.models import CaseEvent, Person
from engine.queries.people import months_before
from engine.queries.returns import Episode, ReturnData, load_return_data, to_csv
from engine.statutory import EventKind

K = EventKind
CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY = "Does the Child have a Disability"
ALLOCATED = ["Allocated Team", "Allocated Worker"]
TRACE = ["Case ID", "Case Reference"]
PUBLISHED: dict[int, list[str]] = {
    1: [*CHILD, "Date of Contact", "Contact Source"],
    2: [*CHILD, "Assessment start date", "Assessment completion date", "Organisation completing assessment"],
    3: [*CHILD, "Date of referral", "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months",
        *ALLOCATED],
    4: [*CHILD, DISABILITY, "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?", *ALLOCATED],
    5: [*CHILD, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months", *ALLOCATED],
    6: [*CHILD, DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
        "Reason for Closure", "Case Status", *ALLOCATED],
    7: [*CHILD, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
        "Latest Category of Abuse", "Date of the Last Statutory Visit", "Was the Child Seen Alone?",
        "Date of latest review conference", "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
        "Number of Previous Child Protection Plans", *ALLOCATED],
}
# The published headings of each list, then the two that trace a row to its case.
HEADINGS = {number: [*headings, *TRACE] for number, headings in PUBLISHED.items()}
GENDERS = {"male": "a) Male", "female": "b) Female", "other": "d) Neither"}
ETHNICITIES = dict(zip(
    ["WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH", "BCRB",
     "BAFR", "BOTH", "CHNE", "OOTH"], "abcdefghijklmnopqr", strict=True))
SOURCES = {"1A": "a) 1A: Individual", "1B": "b) 1B: Individual", "1C": "c) 1C: Individual",
           "1D": "d) 1D: Individual", "2A": "e) 2A: Schools", "2B": "f) 2B: Education services",
           "3A": "g) 3A: Health services", "3B": "h) 3B: Health services", "3C": "i) 3C: Health services",
           "3D": "j) 3D: Health services", "3E": "k) 3E: Health services", "3F": "l) 3F: Health services",
           "4": "m) 4: Housing", "5A": "n) 5A: LA services", "5B": "o) 5B: LA services", "5C": "p) 5C: LA services",
           "5D": "p1) 5D: LA services", "6": "q) 6: Police", "7": "r) 7: Other legal agency", "8": "s) 8: Other",
           "9": "t) 9: Anonymous", "10": "u) 10: Unknown"}
NEEDS = {"N0": "N0 - Not stated", "N1": "N1 - Abuse or neglect", "N2": "N2 - Child's disability",
         "N3": "N3 - Parental disability or illness", "N4": "N4 - Family in acute stress",
         "N5": "N5 - Family dysfunction", "N6": "N6 - Socially unacceptable behaviour", "N7": "N7 - Low income",
         "N8": "N8 - Absent parenting", "N9": "N9 - Cases other than children in need"}
CLOSURES = {"RC1": "RC1 - Adopted", "RC2": "RC2 - Died", "RC3": "RC3 - Child arrangements order",
            "RC4": "RC4 - Special guardianship order",
            "RC5": "RC5 - Transferred to services of another local authority",
            "RC6": "RC6 - Transferred to adult social care services",
            "RC7": "RC7 - Services ceased for any other reason, including child no longer in need",
            "RC8": "RC8 - Case closed after assessment, no further action",
            "RC9": "RC9 - Case closed after assessment, referred to early help"}
CATEGORIES = {"neglect": "a) Neglect", "physical_abuse": "b) Physical abuse", "sexual_abuse": "c) Sexual abuse",
              "emotional_abuse": "d) Emotional abuse", "multiple": "e) Multiple/not recommended"}


def annex_a_csv(session: Session, number: int, first: date, last: date) -> str:
    """List `number` (1–7) for the period `first`..`last`, inclusive."""
    return to_csv(HEADINGS[number], list_annex_a_rows(session, number, first, last))


def list_annex_a_rows(session: Session, number: int, first: date, last: date) -> list[list[str]]:
    data = load_return_data(session, last)
    return _LISTS[number](data, first, last)


def dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def yes_no(value: object, unknown: str = "") -> str:
    return unknown if value is None else ("a) Yes" if value else "b) No")


def age_on(person: Person, day: date) -> str:
    if person.dob is None:
        return ""
    return str(day.year - person.dob.year - ((day.month, day.day) < (person.dob.month, person.dob.day)))


def _child(person: Person, last: date) -> list[str]:
    ethnicity = person.ethnicity or "NOBT"
    letter = ETHNICITIES.get(ethnicity, "s")
    return [person.id, GENDERS.get(person.sex or "", "c) Not stated/recorded"), f"{letter}) {ethnicity}",
            dmy(person.dob), age_on(person, last)]


def _disability(person: Person) -> str:
    codes = list(person.disabilities or [])
    return "c) Unknown" if not codes else yes_no(codes != ["NONE"])


def _allocated(episode: Episode, last: date) -> list[str]:
    allocation = episode.last(K.ASSESSMENT_STARTED, until=last)
    details = allocation.details if allocation else {}
    return [details.get("team") or "", details.get("worker") or ""]


def _within(event: CaseEvent, first: date, last: date) -> bool:
    return first <= event.on_date <= last


def _list_1(data: ReturnData, first: date, last: date) -> list[list[str]]:
    found = []
    for case_id, events in data.events_by_case.items():
        case = data.cases[case_id]
        for contact in (e for e in events if e.kind == K.CONTACT and _within(e, first, last)):
            for person in data.children_by_case.get(case_id, []):
                row = [*_child(person, last), dmy(contact.on_date),
                       SOURCES.get(contact.details.get("source") or "10", "u) 10: Unknown"), case.id, case.reference]
                found.append(((contact.on_date, case.reference, person.id), row))
    return [row for _, row in sorted(found, key=lambda pair: pair[0])]


def _list_2(data: ReturnData, first: date, last: date) -> list[list[str]]:
    rows = []
    for episode in data.episodes:
        completed = episode.first(K.EARLY_HELP_COMPLETED)
        for started in episode.all(K.EARLY_HELP_STARTED):
            done = completed.on_date if completed and completed.on_date <= last else None
            if started.on_date <= last and (done is None or done >= first):
                rows.append([*_child(episode.person, last), dmy(started.on_date), dmy(done),
                             started.details.get("organisation") or "", *_trace(episode)])
    return rows


def _list_3(data: ReturnData, first: date, last: date) -> list[list[str]]:
    return [[*_child(ep.person, last), dmy(ep.referral.on_date),
             SOURCES.get(ep.referral.details.get("source") or "10", "u) 10: Unknown"),
             yes_no(bool(ep.referral.details.get("nfa"))),
             str(data.count_within_12_months(ep.person.id, K.REFERRAL, ep.referral.on_date)),
             *_allocated(ep, last), *_trace(ep)]
            for ep in data.episodes if _within(ep.referral, first, last)]


def _list_4(data: ReturnData, first: date, last: date) -> list[list[str]]:
    rows = []
    for ep in data.episodes:
        started = ep.last(K.ASSESSMENT_STARTED, until=last)
        authorised = ep.last(K.ASSESSMENT_AUTHORISED, until=last)
        done = authorised.on_date if authorised else None
        if started is None or (done is not None and done < first):
            continue
        seen = ep.last(K.CHILD_SEEN, until=last)
        support = authorised.details.get("needs_csc_support") if authorised else None
        rows.append([*_child(ep.person, last), _disability(ep.person), dmy(started.on_date),
                     "a) Yes" if seen else "b) No", dmy(done), yes_no(support), *_allocated(ep, last), *_trace(ep)])
    return rows


def _list_5(data: ReturnData, first: date, last: date) -> list[list[str]]:
    rows = []
    for ep in data.episodes:
        for s47 in (e for e in ep.all(K.S47_STARTED) if _within(e, first, last)):
            concluded = _after(ep, K.S47_CONCLUDED, s47, last)
            icpc = _after(ep, K.ICPC, s47, last)
            rows.append([*_child(ep.person, last), _disability(ep.person), dmy(s47.on_date),
                         yes_no(ep.icpc_not_required(concluded)),
                         dmy(icpc.on_date if icpc else None),
                         yes_no(icpc.details.get("decision") == "cp_plan") if icpc else "",
                         str(data.count_within_12_months(ep.person.id, K.S47_STARTED, s47.on_date)),
                         str(data.count_within_12_months(ep.person.id, K.ICPC, icpc.on_date if icpc else s47.on_date)),
                         *_allocated(ep, last), *_trace(ep)])
    return rows


def _after(episode: Episode, kind: str, start: CaseEvent, last: date) -> CaseEvent | None:
    return next((e for e in episode.all(kind) if start.on_date <= e.on_date <= last), None)


def _list_6(data: ReturnData, first: date, last: date) -> list[list[str]]:
    rows = []
    for ep in data.episodes:
        if not ep.open_during(first, last):
            continue
        assessment = ep.last(K.ASSESSMENT_AUTHORISED, until=last)
        need = assessment.details.get("primary_need_code") if assessment else None
        seen = ep.last(K.CHILD_SEEN, until=last)
        closed = ep.first(K.CLOSED)
        closed = closed if closed and closed.on_date <= last else None
        rows.append([*_child(ep.person, last), _disability(ep.person), dmy(ep.referral.on_date),
                     NEEDS.get(need or "N0", ""), dmy(seen.on_date if seen else None),
                     dmy(closed.on_date if closed else None),
                     CLOSURES.get(closed.details.get("reason", "") if closed else "", ""), _status(ep, last),
                     *_allocated(ep, last), *_trace(ep)])
    return rows


def _status(episode: Episode, last: date) -> str:
    closed = episode.first(K.CLOSED)
    if closed and closed.on_date <= last:
        return "e) Closed episode"
    if _open(episode, K.CP_PLAN_STARTED, K.CP_PLAN_ENDED, last):
        return "b) Child Protection plan"
    if _open(episode, K.CIN_PLAN_STARTED, K.CIN_PLAN_ENDED, last):
        return "c) Child in need plan"
    return "d) Open assessment"


def _open(episode: Episode, start: str, end: str, last: date) -> bool:
    started, ended = episode.last(start, until=last), episode.last(end, until=last)
    return started is not None and (ended is None or ended.on_date < started.on_date)


def _list_7(data: ReturnData, first: date, last: date) -> list[list[str]]:
    rows = []
    for ep in data.episodes:
        ends = [e for e in ep.all(K.CP_PLAN_ENDED) if e.on_date <= last]
        for plan in (e for e in ep.all(K.CP_PLAN_STARTED) if e.on_date <= last):
            end = next((e for e in ends if e.on_date >= plan.on_date), None)
            if end is None or end.on_date >= first:
                rows.append(_plan_row(data, ep, plan, end, last))
    return rows


def _plan_row(data: ReturnData, ep: Episode, plan: CaseEvent, end: CaseEvent | None, last: date) -> list[str]:
    until = end.on_date if end else last
    reviews = [e for e in ep.all(K.CP_REVIEW) if plan.on_date <= e.on_date <= until]
    categories = [e.details.get("category") for e in [plan, *reviews] if e.details.get("category")]
    seen = ep.last(K.CHILD_SEEN, until=until)
    emergency = [e for e in data.person_events(ep.person.id, K.EMERGENCY_PROTECTION)
                 if months_before(last, 6) <= e.on_date <= last]
    return [*_child(ep.person, last), _disability(ep.person), dmy(plan.on_date),
            CATEGORIES.get(str(plan.details.get("category")), ""), CATEGORIES.get(str(categories[-1]), "")
            if categories else "", dmy(seen.on_date if seen else None),
            yes_no(seen.details.get("seen_alone"), "c) Unknown") if seen else "",
            dmy(reviews[-1].on_date if reviews else None), dmy(end.on_date if end else None),
            yes_no(bool(emergency)), str(data.previous_plans(ep.person.id, plan)), *_allocated(ep, last),
            *_trace(ep)]


def _trace(episode: Episode) -> list[str]:
    return [episode.case.id, episode.case.reference]


_LISTS: dict[int, Callable[[ReturnData, date, date], list[list[str]]]] = {
    1: _list_1, 2: _list_2, 3: _list_3, 4: _list_4, 5: _list_5, 6: _list_6, 7: _list_7,
}
