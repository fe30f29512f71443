"""The DfE children in need census for a year (1 April to 31 March) as CSV: one row per child per episode.

The census is an XML return; this is its flat form, one row per CIN episode (`CINdetails`) of a child,
with the items of domain §10.1 as columns in that order, values as the census codes, then `CaseID` and
`CaseReference` so every row leads back to its case. An episode is in the year when it was open on any
day of it (referred on or before 31 March, not closed before 1 April). Items of an episode that repeat
(several assessments, CP plans or reviews) are listed in date order, separated by ";".

Not filled, because nothing in the model records them (VERIFY with the process owner):
`AssessmentInternalReviewDate` (no form records it: always blank), `PersonDeathDate` (blank; a plan
ended because the child died closes the episode as RC2 instead). `GenderCurrent` is 1 male, 2 female,
9 other (not specified), 0 not known. `PrimaryNeedCode` is the latest authorised assessment's, N0 (not
stated) when there is none. `Disabilities` is blank when the referral gave no codes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from engine.queries.returns import CATEGORY_CODES, Episode, ReturnData, iso, joined, load_return_data, to_csv, yes_no
from engine.statutory import EventKind

K = EventKind
CHILD_COLUMNS = ["LAchildID", "UPN", "PersonBirthDate", "ExpectedPersonBirthDate", "GenderCurrent", "Ethnicity",
                 "Disabilities", "PersonDeathDate"]
EPISODE_COLUMNS = ["CINreferralDate", "ReferralSource", "PrimaryNeedCode", "ReferralNFA", "CINclosureDate",
                   "ReasonForClosure"]
ASSESSMENT_COLUMNS = ["AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate",
                      "AssessmentFactors"]
PLAN_COLUMNS = ["CINPlanStartDate", "CINPlanEndDate"]
S47_COLUMNS = ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"]
CP_COLUMNS = ["CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP",
              "CPPreviewDate"]
TRACE_COLUMNS = ["CaseID", "CaseReference"]
COLUMNS = [*CHILD_COLUMNS, *EPISODE_COLUMNS, *ASSESSMENT_COLUMNS, *PLAN_COLUMNS, *S47_COLUMNS, *CP_COLUMNS,
           *TRACE_COLUMNS]
GENDER_CODES = {"male": "1", "female": "2", "other": "9"}


def census_year(label: str) -> tuple[date, date]:
    """'2026-27' → 1 April 2026 to 31 March 2027; ValueError for anything else."""
    first, _, second = label.partition("-")
    if not (first.isdigit() and len(first) == 4 and second.isdigit() and len(second) == 2
            and (int(first) + 1) % 100 == int(second)):
        raise ValueError("the year is written like 2026-27")
    return date(int(first), 4, 1), date(int(first) + 1, 3, 31)


def list_cin_census_rows(session: Session, first: date, last: date) -> list[list[str]]:
    """The census rows of every child episode open on any day from `first` to `last`."""
    data = load_return_data(session, last)
    return [_row(data, episode, last) for episode in data.episodes if episode.open_during(first, last)]


def cin_census_csv(session: Session, year: str) -> str:
    first, last = census_year(year)
    return to_csv(COLUMNS, list_cin_census_rows(session, first, last))


def _row(data: ReturnData, episode: Episode, last: date) -> list[str]:
    within = Episode(episode.person, episode.case, episode.referral,
                     [e for e in episode.events if e.on_date <= last])
    return [*_child(within), *_episode(within), *_assessments(within), *_cin_plans(within), *_s47(within),
            *_cp_plans(data, within), within.case.id, within.case.reference]


def _child(episode: Episode) -> list[str]:
    person = episode.person
    return [person.id, person.upn or "", iso(person.dob), iso(person.expected_dob),
            GENDER_CODES.get(person.sex or "", "0"), person.ethnicity or "", joined(person.disabilities or []),
            iso(person.death_date)]


def _episode(episode: Episode) -> list[str]:
    referral = episode.referral
    assessment = episode.last(K.ASSESSMENT_AUTHORISED)
    need = assessment.details.get("primary_need_code") if assessment else None
    closed = episode.first(K.CLOSED)
    return [iso(referral.on_date), referral.details.get("source") or "", need or "N0",
            yes_no(bool(referral.details.get("nfa"))), iso(closed.on_date if closed else None),
            closed.details.get("reason", "") if closed else ""]


def _assessments(episode: Episode) -> list[str]:
    started = episode.all(K.ASSESSMENT_STARTED)
    authorised = episode.all(K.ASSESSMENT_AUTHORISED)
    factors = [",".join(e.details.get("factors") or []) for e in authorised]
    return [joined(iso(e.on_date) for e in started), "", joined(iso(e.on_date) for e in authorised), joined(factors)]


def _cin_plans(episode: Episode) -> list[str]:
    return [joined(iso(e.on_date) for e in episode.all(K.CIN_PLAN_STARTED)),
            joined(iso(e.on_date) for e in episode.all(K.CIN_PLAN_ENDED))]


def _s47(episode: Episode) -> list[str]:
    started = episode.all(K.S47_STARTED)
    concluded = episode.all(K.S47_CONCLUDED)
    return [joined(iso(e.on_date) for e in started), joined(e.details.get("icpc_target", "") for e in started),
            joined(iso(e.on_date) for e in episode.all(K.ICPC)),
            joined(yes_no(episode.icpc_not_required(e)) for e in concluded)]


def _cp_plans(data: ReturnData, episode: Episode) -> list[str]:
    plans = episode.all(K.CP_PLAN_STARTED)
    reviews = episode.all(K.CP_REVIEW)
    latest = [e.details.get("category") for e in [*plans, *reviews] if e.details.get("category")]
    return [joined(iso(e.on_date) for e in plans), joined(iso(e.on_date) for e in episode.all(K.CP_PLAN_ENDED)),
            joined(CATEGORY_CODES.get(str(e.details.get("category")), "") for e in plans),
            CATEGORY_CODES.get(str(latest[-1]), "") if plans and latest else "",
            joined(str(data.previous_plans(episode.person.id, e)) for e in plans),
            joined(iso(e.on_date) for e in reviews)]
