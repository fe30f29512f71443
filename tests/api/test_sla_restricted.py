"""The managers' SLA lists and reports keep to the record rules: a restricted case is neither shown nor counted
to a manager who may not see its record (engine/access.py `case_visible`), in the breaches, the at-risk list,
the per-step summary and the indicators with the cases behind them; the person who restricted it, and a
manager who breaks the glass on it, see and count it again.

The cases are projection rows inserted directly (as in tests/api/test_sla.py): the lists read only those."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from engine import accounts
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import Case, CaseRestriction, HumanTask, ProcessDefinition, ProcessInstance, new_id
from engine.queries.sla import count_open_work
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import create_user

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=LONDON)
USERS = {"mo": ["mash_manager"], "hos": ["head_of_service"], "sian": ["service_manager"], "lou": ["lado_manager"]}


def _case(db: Database, reference: str, restricted_by: str | None = None, kind: str = "child") -> str:
    case_id, instance_id = new_id(), new_id()
    started = NOW - timedelta(days=5)
    with db.unit_of_work() as session:
        definition = session.query(ProcessDefinition).filter_by(key="mash_screening").one()
        session.add(Case(id=case_id, reference=reference, kind=kind, subject={"name": "X"},
                         restricted=restricted_by is not None, created_by="t", created_at=started))
        session.flush()
        if restricted_by:
            session.add(CaseRestriction(case_id=case_id, team=None, reason="staff child", restricted_by=restricted_by,
                                        restricted_at=started))
        session.add(ProcessInstance(id=instance_id, case_id=case_id, definition_id=definition.id, state=b"",
                                    state_format=1, started_by="t", started_at=started, route=[], status="running"))
        session.flush()
        session.execute(insert(HumanTask), [
            _task(case_id, instance_id, "screen_contact", "mash_screener", NOW - timedelta(hours=1)),
            _task(case_id, instance_id, "screen_contact", "mash_screener", NOW + timedelta(hours=1)),
            _task(case_id, instance_id, "screening_decision", "mash_manager", NOW - timedelta(days=1),
                  status="completed", completed_at=NOW - timedelta(days=1, hours=2), completed_by="someone")])
    return case_id


def _task(case_id: str, instance_id: str, element: str, group: str, due: datetime, **extra: Any) -> dict[str, Any]:
    return {"id": new_id(), "instance_id": instance_id, "case_id": case_id, "process_key": "mash_screening",
            "element_id": element, "name": element, "lane": group, "candidate_group": group,
            "form_key": "mash_screening", "status": "ready", "personal": False, "created_at": due - timedelta(days=2),
            "due_at": due, "sort_due": due, "warn_at": due - timedelta(hours=4), "due_rule": "T1", **extra}


@pytest.fixture
def cases(api: ApiClient, db: Database, clock: Clock) -> dict[str, str]:
    clock.now = NOW
    for user in list(api.tokens):
        api.tokens[user] = accounts.issue_token(db, user, NOW)
    for name, groups in USERS.items():
        api.tokens[name] = create_user(db, username=name, groups=groups, now=NOW)
    return {"plain": _case(db, "SLA-PLAIN"), "restricted": _case(db, "SLA-RESTRICTED", restricted_by="maya")}


def _seen(api: ApiClient, user: str) -> dict[str, Any]:
    """Which cases each list and report shows the user, and what the summary and the T1 indicator count."""
    (summary,) = [s for s in api.get("/api/v1/sla/summary", user)["steps"] if s["step"] == "screen_contact"]
    (t1,) = [i for i in api.get("/api/v1/sla/indicators", user)["indicators"] if i["key"] == "T1"]
    return {
        "breaches": sorted(t["case_reference"] for t in api.get("/api/v1/sla/breaches", user)["items"]),
        "at risk": sorted(t["case_reference"] for t in api.get("/api/v1/sla/at-risk", user)["items"]),
        "summary": (summary["open"], summary["breached"]),
        "T1": (t1["numerator"], t1["denominator"], sorted(c["reference"] for c in t1["cases"])),
    }


BOTH = ["SLA-PLAIN", "SLA-RESTRICTED"]
PLAIN_ONLY = ["SLA-PLAIN"]


def test_a_restricted_case_is_neither_listed_nor_counted_for_managers_who_may_not_see_it(
    api: ApiClient, db: Database, cases: dict[str, str]
) -> None:
    hidden = {"breaches": PLAIN_ONLY, "at risk": PLAIN_ONLY, "summary": (1, 1), "T1": (1, 1, PLAIN_ONLY)}
    assert _seen(api, "mo") == hidden
    assert _seen(api, "hos") == hidden
    assert _seen(api, "maya") == {"breaches": BOTH, "at risk": BOTH, "summary": (2, 2), "T1": (2, 2, BOTH)}
    assert _open_work(db, "mo") == _open_work(db, "hos") == {"open": 2, "at_risk": 1, "level_1": 1}
    assert _open_work(db, "maya") == {"open": 4, "at_risk": 2, "level_1": 2}


def _open_work(db: Database, user: str) -> dict[str, int]:
    """The dashboard's counts of open work in the screeners' lane, as the user's actor sees them."""
    actor = Actor(user, frozenset(USERS.get(user, ["mash_manager"])))
    with db.reading() as session:
        (row,) = [r for r in count_open_work(session, actor, NOW) if r["group"] == "mash_screener"]
    return {key: row[key] for key in ("open", "at_risk", "level_1")}


def test_breaking_the_glass_on_a_restricted_case_brings_it_back_into_the_managers_lists(
    api: ApiClient, cases: dict[str, str]
) -> None:
    api.post(f"/api/v1/cases/{cases['restricted']}/break-glass", "hos", 201,
             json={"reason": "Breach review for the service"})
    assert _seen(api, "hos") == {"breaches": BOTH, "at risk": BOTH, "summary": (2, 2), "T1": (2, 2, BOTH)}
    assert _seen(api, "mo")["breaches"] == PLAIN_ONLY


def test_a_manager_who_worked_a_restricted_case_still_sees_its_deadlines(
    api: ApiClient, db: Database, cases: dict[str, str]
) -> None:
    with db.unit_of_work() as session:
        session.query(HumanTask).filter_by(case_id=cases["restricted"], element_id="screening_decision").update(
            {"completed_by": "mo"})
    assert _seen(api, "mo")["breaches"] == BOTH


def test_an_allegation_is_neither_listed_nor_counted_outside_the_lado_service(
    api: ApiClient, db: Database, cases: dict[str, str]
) -> None:
    """Domain §9.3: LADO cases are visible only to the LADO service and named participants, so an allegation's
    deadline in a lane senior managers watch (here the screeners') stays out of their lists and counts."""
    _case(db, "SLA-ALLEGATION", kind="allegation")

    hidden = {"breaches": PLAIN_ONLY, "at risk": PLAIN_ONLY, "summary": (1, 1), "T1": (1, 1, PLAIN_ONLY)}
    assert _seen(api, "hos") == _seen(api, "sian") == _seen(api, "mo") == hidden
    assert _open_work(db, "hos") == {"open": 2, "at_risk": 1, "level_1": 1}
