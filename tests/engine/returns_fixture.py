"""A hand-built caseload of 23 children for the statutory returns, 2026-27.

Each case is opened for real (`runtime.open_case`: record & match, the contact); what later forms record
is fed to the same projection the task completions call (`engine.statutory.record_case_events`), with the
form data a worker would submit, so the fixture needs no walk through the diagrams. Who is who:

| child | story |
|---|---|
| Ava | 6 Apr 2026 referral closed NFA (RC8) |
| Ben | 7 Apr 2026 contact, advice and signposting: no referral |
| Cara | 8 Apr referral (police), assessment 9 Apr–20 May, NFA (RC8), seen alone 15 Apr |
| Dan | 1 May referral (GP), assessment → CIN plan 15 Jun – 1 Dec 2026 (RC7) |
| Eve | 1 Jun referral, s47 2 Jun, ICPC 20 Jun → CP plan (neglect), review 18 Sep (emotional abuse) |
| Finn | CP plan in 2024 (ended, RC7); 1 Jul 2026 re-referral, s47, ICPC 20 Jul → second plan (physical) |
| Gus | referrals 10 Apr and 10 Oct 2026, both NFA: a re-referral, in two cases |
| Hana, Ivy | siblings in one case: 3 Aug referral (family), assessment open from 4 Aug |
| Jack | referral 2 Apr 2027: after the year |
| Kai | referral 20 Mar 2026, assessment authorised 10 Apr 2026, NFA: open into the year |
| Lia | referral 2 Mar 2026 closed NFA the same day: before the year |
| Max | 1 Sep early help (RC9); early help assessment 5 Sep – 1 Oct |
| Nia | 5 Oct referral, joint s47 6 Oct not substantiated (no ICPC), assessment authorised 20 Oct NFA |
| Oli | CP plan from Nov 2025 (sexual abuse) ended 10 Aug 2026 into a CIN plan 12 Aug – 15 Jan 2027 |
| Pip | 2 Nov police protection, s47 3 Nov, ICPC 20 Nov → CP plan (physical abuse) |
| Quinn | unborn (due 15 Jan 2027): 10 Nov referral (health visitor), assessment open |
| Rae | sex other, no ethnicity or disability recorded: 1 Dec anonymous referral, NFA |
| Sol | 5 May referral, s47 6 May, ICPC 20 May → plan (neglect) ended 20 Aug: the child died (RC2) |
| Tia | 15 Dec referral (early help), assessment 16 Dec – 20 Jan 2027 → early help (RC9) |
| Uma | 1 Feb 2027 referral (other), restricted case, assessment open |
| Vic | an allegation (LADO) about a teacher: in neither return |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import HumanTask
from engine.statutory import record_case_events
from engine.unit_of_work import unit_of_work
from tests.factories import filled, referral

REFERRER = Actor("rita", frozenset({"referrer"}))
MANAGER = Actor("maya", frozenset({"mash_manager", "mash_screener"}))  # sees the case by its screening task


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


def nhs(n: int) -> str:
    """The n-th valid NHS number after 400 000 000 (its check digit appended; numbers whose digit is 10 skipped)."""
    base = 400_000_000 + n * 7
    while True:
        nine = str(base)
        remainder = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            return nine + str(check)
        base += 1


@dataclass
class Caseload:
    db: Database
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    cases: dict[str, list[str]] = field(default_factory=dict)  # child name -> case ids, in order

    def child(self, name: str, dob: str | None = "2015-06-01", sex: str = "female", ethnicity: str | None = "WBRI",
              disabilities: tuple[str, ...] = ("NONE",), **more: Any) -> dict[str, Any]:
        data = {"name": name, "sex": sex, "nhs_number": nhs(len(self.children) + 1), **more}
        data.update({"dob": dob} if dob else {})
        data.update({"ethnicity": ethnicity} if ethnicity else {})
        data.update({"disabilities": list(disabilities)} if disabilities else {})
        self.children[name] = data
        return data

    def refer(self, day: str, names: list[str], source: str = "2A") -> str:
        children = [self.children[name] for name in names]
        referrer = {"name": "A Referrer", "role": "Teacher", "agency": "School", "contact_source": source}
        data = referral(children=children, household=[], referrer=referrer)
        subject = {k: v for k, v in children[0].items() if k in ("name", "dob", "expected_dob", "sex", "nhs_number")}
        case_id = runtime.open_case(self.db, process="mash_screening", subject=subject, data=data, actor=REFERRER,
                                    now=at(day))
        for name in names:
            self.cases.setdefault(name, []).append(case_id)
        return case_id

    def submit(self, case_id: str, form_key: str, day: str, example: int = 0, **data: Any) -> None:
        """What completing a task of `form_key` projects, as the runtime does on completion (the form's
        example `example` with `data` over it)."""
        task = HumanTask(id=str(uuid.uuid4()), case_id=case_id, form_key=form_key)
        with unit_of_work(self.db, at(day, 15)) as uow:
            record_case_events(uow.session, task, filled(form_key, example, **data), at(day, 15))

    def decide(self, case_id: str, day: str, decision: str, nfa: bool = False) -> None:
        self.submit(case_id, "mash_decision", day, decision=decision, referral_nfa=nfa)

    def assess(self, case_id: str, started: str, authorised: str | None = None, outcome: str = "nfa",
               need: str = "N1", **more: Any) -> None:
        self.submit(case_id, "assessment_allocation", started, assessment_started_on=started, team="Assessment A",
                    allocated_worker="J Smith")
        if authorised:
            self.submit(case_id, "cin_assessment_outcome", authorised, 1, authorised_on=authorised,
                        assessment_outcome=outcome, primary_need_code=need, **more)

    def s47(self, case_id: str, day: str, decision: str = "s47_single_agency",
            outcome: str = "continuing_risk_of_significant_harm") -> None:
        self.submit(case_id, "strategy_discussion", day, decision=decision,
                    strategy_discussion_at=at(day).isoformat())
        self.submit(case_id, "s47_outcome", day, outcome=outcome)

    def icpc(self, case_id: str, day: str, decision: str = "cp_plan", category: str | None = "neglect") -> None:
        self.submit(case_id, "cp_conference_record", day, type="initial", date=at(day).isoformat(),
                    decision=decision, **({"category": category} if category else {}))

    def review(self, case_id: str, day: str, decision: str = "continue_plan", **more: Any) -> None:
        self.submit(case_id, "cp_conference_record", day, 1, type="review", date=at(day).isoformat(),
                    review_decision=decision, **more)


def build(db: Database) -> Caseload:
    load = Caseload(db)
    _front_door(load)
    _assessments_and_plans(load)
    _protection(load)
    _edges(load)
    return load


def _front_door(load: Caseload) -> None:
    load.child("Ava", dob="2016-02-10")
    load.decide(load.refer("2026-04-06", ["Ava"]), "2026-04-06", "nfa", nfa=True)
    load.child("Ben", sex="male", dob="2014-09-09")
    load.decide(load.refer("2026-04-07", ["Ben"], source="1B"), "2026-04-07", "advice_signpost")
    gus = load.child("Gus", sex="male", dob="2012-12-12", ethnicity="BAFR")
    load.decide(load.refer("2026-04-10", ["Gus"], source="6"), "2026-04-10", "nfa", nfa=True)
    assert gus["nhs_number"]
    load.decide(load.refer("2026-10-10", ["Gus"], source="6"), "2026-10-10", "nfa", nfa=True)
    load.child("Max", sex="male", dob="2019-03-03")
    case = load.refer("2026-09-01", ["Max"], source="2B")
    load.decide(case, "2026-09-01", "early_help")
    load.submit(case, "early_help_lead_professional", "2026-09-05", assessment_started_on="2026-09-05",
                organisation="Family Hub North")
    load.submit(case, "team_around_the_family", "2026-10-01", assessment_completed_on="2026-10-01")
    load.child("Rae", sex="other", ethnicity=None, disabilities=())
    load.decide(load.refer("2026-12-01", ["Rae"], source="9"), "2026-12-01", "nfa", nfa=True)


def _assessments_and_plans(load: Caseload) -> None:
    load.child("Cara", dob="2013-01-20", ethnicity="AIND", disabilities=("LD", "AUT"))
    case = load.refer("2026-04-08", ["Cara"], source="6")
    load.decide(case, "2026-04-08", "cin_assessment_s17")
    load.assess(case, "2026-04-09")
    load.submit(case, "child_seen", "2026-04-15", seen_on="2026-04-15", seen_alone=True)
    load.submit(case, "cin_assessment_outcome", "2026-05-20", 1, authorised_on="2026-05-20", assessment_outcome="nfa",
                primary_need_code="N4", assessment_factors=["3A", "4B"], needs_csc_support=False)
    load.child("Dan", sex="male", dob="2011-07-07")
    case = load.refer("2026-05-01", ["Dan"], source="3A")
    load.decide(case, "2026-05-01", "cin_assessment_s17")
    load.assess(case, "2026-05-02", "2026-06-10", outcome="cin_plan", need="N1", needs_csc_support=True)
    load.submit(case, "cin_plan_agreement", "2026-06-15", family_response="agreed", plan_started_on="2026-06-15")
    load.submit(case, "cin_plan_review", "2026-12-01", cin_review_decision="close", plan_ended_on="2026-12-01",
                reason_for_closure="RC7")
    load.child("Hana", dob="2017-04-04")
    load.child("Ivy", dob="2020-08-08")
    case = load.refer("2026-08-03", ["Hana", "Ivy"], source="1A")
    load.decide(case, "2026-08-03", "cin_assessment_s17")
    load.assess(case, "2026-08-04")
    load.child("Tia", dob="2010-10-10")
    case = load.refer("2026-12-15", ["Tia"], source="5D")
    load.decide(case, "2026-12-15", "cin_assessment_s17")
    load.assess(case, "2026-12-16", "2027-01-20", outcome="early_help", need="N5")


def _protection(load: Caseload) -> None:
    load.child("Eve", dob="2018-05-05")
    case = load.refer("2026-06-01", ["Eve"])
    load.decide(case, "2026-06-01", "strategy_discussion_s47")
    load.s47(case, "2026-06-02")
    load.icpc(case, "2026-06-20")
    load.review(case, "2026-09-18", category="emotional_abuse")
    load.child("Finn", sex="male", dob="2015-01-01")
    old = load.refer("2024-01-10", ["Finn"])
    load.decide(old, "2024-01-10", "strategy_discussion_s47")
    load.s47(old, "2024-01-11")
    load.icpc(old, "2024-02-01", category="neglect")
    load.review(old, "2024-08-01", "end_plan", end_plan_reason="no_longer_at_continuing_risk", post_plan="nfa")
    case = load.refer("2026-07-01", ["Finn"], source="6")
    load.decide(case, "2026-07-01", "strategy_discussion_s47")
    load.s47(case, "2026-07-01", decision="s47_joint")
    load.icpc(case, "2026-07-20", category="physical_abuse")
    load.child("Oli", sex="male", dob="2012-02-02")
    case = load.refer("2025-11-03", ["Oli"])
    load.decide(case, "2025-11-03", "strategy_discussion_s47")
    load.s47(case, "2025-11-04")
    load.icpc(case, "2025-11-20", category="sexual_abuse")
    load.review(case, "2026-02-18", category="sexual_abuse")
    load.review(case, "2026-08-10", "end_plan", end_plan_reason="no_longer_at_continuing_risk", post_plan="cin_plan")
    load.submit(case, "cin_plan_agreement", "2026-08-12", family_response="agreed", plan_started_on="2026-08-12")
    load.submit(case, "cin_plan_review", "2027-01-15", cin_review_decision="close", plan_ended_on="2027-01-15",
                reason_for_closure="RC7")
    load.child("Pip", dob="2021-01-01")
    case = load.refer("2026-11-02", ["Pip"], source="6")
    load.decide(case, "2026-11-02", "immediate_protection")
    load.submit(case, "emergency_response", "2026-11-02", actions=["police_protection"],
                police_protection_started_at=at("2026-11-02", 20).isoformat())
    load.s47(case, "2026-11-03")
    load.icpc(case, "2026-11-20", category="physical_abuse")
    load.child("Sol", sex="male", dob="2014-04-14")
    case = load.refer("2026-05-05", ["Sol"])
    load.decide(case, "2026-05-05", "strategy_discussion_s47")
    load.s47(case, "2026-05-06")
    load.icpc(case, "2026-05-20")
    load.review(case, "2026-08-20", "end_plan", end_plan_reason="died", post_plan="nfa")


def _edges(load: Caseload) -> None:
    load.child("Jack", sex="male")
    load.decide(load.refer("2027-04-02", ["Jack"]), "2027-04-02", "nfa", nfa=True)
    load.child("Kai", sex="male", dob="2009-09-09")
    case = load.refer("2026-03-20", ["Kai"])
    load.decide(case, "2026-03-20", "cin_assessment_s17")
    load.assess(case, "2026-03-23", "2026-04-10", outcome="nfa", need="N9")
    load.child("Lia")
    load.decide(load.refer("2026-03-02", ["Lia"]), "2026-03-02", "nfa", nfa=True)
    load.child("Nia", dob="2016-06-16")
    case = load.refer("2026-10-05", ["Nia"], source="3E")
    load.decide(case, "2026-10-05", "strategy_discussion_s47")
    load.s47(case, "2026-10-06", decision="s47_joint", outcome="not_substantiated")
    load.assess(case, "2026-10-06", "2026-10-20", outcome="nfa", need="N1")
    load.child("Quinn", dob=None, expected_dob="2027-01-15", ethnicity="NOBT", disabilities=())
    case = load.refer("2026-11-10", ["Quinn"], source="3B")
    load.decide(case, "2026-11-10", "cin_assessment_s17")
    load.assess(case, "2026-11-11")
    load.child("Uma", dob="2013-03-13", ethnicity="CHNE")
    case = load.refer("2027-02-01", ["Uma"], source="8")
    load.decide(case, "2027-02-01", "cin_assessment_s17")
    load.assess(case, "2027-02-02")
    runtime.restrict_case(load.db, case, reason="A relative works in the service", team=None, actor=MANAGER,
                          now=at("2027-02-03"))  # a return is complete: restricted cases count too
    dsl = Actor("dsl_school", frozenset({"employer_case_manager"}))
    runtime.open_case(load.db, process="lado_allegation", subject={"name": "Vic Teacher"},
                      data=filled("lado_referral"), actor=dsl, now=at("2026-06-01"))
