"""The manager dashboard on real cases: open work by team and escalation level and by step, the statutory
indicators week by week (tables, and the same figures embedded for the charts), every figure linking to the
cases behind it; the filtered, keyset-paged lists; 403 for people who manage no team or not that team."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from engine import accounts, runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import Case
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled, referral, subject
from tests.web.conftest import PASSWORD, PageRequest

REFERRER = Actor("rita", frozenset({"referrer"}))


def _reference(db: Database, case_id: str) -> str:
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.reference


@pytest.fixture
def cases(db: Database, clock: Clock, web_users: Any) -> dict[str, str]:
    """Friday 22 May 2026: one referral left unscreened (due Tue 26 May 17:00, after the bank holiday) and one
    screened and decided the same day (T1 on time). Then Wednesday 27 May, noon: the first is breached, level 1."""
    accounts.create_user(db, "hana", ["head_of_service"], clock(), display_name="Hana", password=PASSWORD)
    accounts.create_user(db, "lou", ["lado_manager"], clock(), display_name="Lou", password=PASSWORD)
    deploy(db, name="mash_screening.bpmn", now=clock())
    late = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(), actor=REFERRER,
                             now=clock())
    decided = CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(name="Child B"),
                                               data=referral(), actor=REFERRER, now=clock()))
    decided.complete("screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False),
                     clock.advance(hours=1))
    decided.complete("screening_decision", filled("mash_decision"), clock.advance(hours=1))
    clock.now = clock.now.replace(day=27, hour=12, minute=0)
    return {"late": late, "decided": decided.case_id, "late_ref": _reference(db, late),
            "decided_ref": _reference(db, decided.case_id)}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_dashboard_shows_breaches_by_team_and_level_each_linking_to_its_cases(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.dashboard")
    assert page.text("title") == "Deadlines and indicators – sosflow"
    (level_1,) = page.select("#teams-table tr[data-group=mash_screener] td.level_1 a")
    assert level_1.text.strip() == "1"
    assert urlsplit(level_1.get("href")).path == "/dashboard/breaches"
    assert _query(level_1.get("href")) == {"group": ["mash_screener"], "level": ["1"]}
    assert page.text("#teams-table tr[data-group=mash_screener] td.level_2") == "0"
    listed = page_request.web.page(level_1.get("href"))
    assert [row.get("data-task-id") for row in listed.select("#sla-tasks .sla-row")]
    assert listed.text("#sla-tasks .sla-row a") == cases["late_ref"]
    assert listed.text("#sla-tasks .escalation-level") == "1"
    assert listed.select(f"#sla-tasks a[href='/cases/{cases['late']}']")


def test_open_tasks_by_step_link_to_the_breached_at_risk_and_open_lists(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.dashboard")
    (breached,) = page.select("#steps-table tr[data-step=screen_contact] td.breached a")
    assert _query(breached.get("href")) == {"process": ["mash_screening"], "step": ["screen_contact"]}
    (every,) = page.select("#steps-table tr[data-step=screen_contact] td.open a")
    listed = page_request.web.page(every.get("href"))
    assert listed.text("h1") == "Open tasks" and listed.text("#sla-tasks .sla-row a") == cases["late_ref"]


def test_the_indicators_show_on_time_figures_by_week_with_their_cases_behind_them(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.dashboard")
    (t1,) = page.select("#indicators-table tr[data-key=T1] a")
    assert t1.text.strip() == "1 of 1"
    drilled = page_request.web.page(t1.get("href"))
    assert drilled.text("h1") == "MASH decisions within 1 working day"
    assert drilled.text("#indicator-cases .indicator-case a") == cases["decided_ref"]
    assert drilled.text("#indicator-cases .govuk-tag") == "On time"
    week_links = [a for a in page.select("#weeks-table a") if a.text.strip() == "1 of 1"]
    (week,) = week_links
    assert _query(week.get("href")) == {"from": ["2026-05-18"], "to": ["2026-05-24"]}
    assert page_request.web.page(week.get("href")).text("#indicator-cases a") == cases["decided_ref"]


def test_the_charts_carry_the_tables_figures_and_links_and_the_bundle_is_loaded(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.dashboard", weeks=4)
    charts = {canvas.get("id"): json.loads(canvas.get("data-chart")) for canvas in page.select("canvas[data-chart]")}
    assert set(charts) == {"chart-teams", "chart-steps", "chart-weeks"}
    teams = charts["chart-teams"]
    at = teams["labels"].index("mash_screener")
    assert [d["data"][at] for d in teams["datasets"]] == [1, 0, 0]
    assert teams["datasets"][0]["links"][at] == "/dashboard/breaches?group=mash_screener&level=1"
    (t1,) = [d for d in charts["chart-weeks"]["datasets"] if d["label"].startswith("T1")]
    assert len(t1["data"]) == 4 and 100.0 in t1["data"]
    assert all(c.get("role") == "img" and c.get("aria-label") for c in page.select("canvas"))
    assert page.select("script[src='/static/vendor/dashboard.js']")
    assert page.select("form[action='/dashboard'] select[name=weeks] option[value='4'][selected]")


def test_a_senior_manager_sees_every_team_and_a_lado_manager_only_theirs(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("hana")
    assert page_request.get("dashboard_pages.dashboard").select("#teams-table tr[data-group=mash_screener]")
    page_request.web.sign_in("lou")
    page = page_request.get("dashboard_pages.dashboard")
    assert not page.select("#teams-table tr[data-group=mash_screener]") and page.select("#no-open-work")
    assert not page.select("#indicators-table tr[data-key=T1]")
    refused = page_request.get("dashboard_pages.breaches", group="mash_screener", _expected_status=403)
    assert "do not manage" in refused.text("main")
    page_request.get("dashboard_pages.indicator", key="T1", _expected_status=404)


@pytest.mark.parametrize("who", ["sam", "rita"])
def test_people_who_manage_no_team_are_refused_the_dashboard(page_request: PageRequest, cases: dict[str, str],
                                                             who: str) -> None:
    page_request.web.sign_in(who)
    assert page_request.get("dashboard_pages.dashboard", _expected_status=403).text("h1")
    page_request.get("dashboard_pages.open_tasks", _expected_status=403)
    assert "Deadlines" not in page_request.get("home.index").text(".govuk-service-navigation")


def test_the_breach_list_is_filtered_by_level_and_paged_by_cursor(
        page_request: PageRequest, cases: dict[str, str], db: Database, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api.pages import dashboard

    runtime.open_case(db, process="mash_screening", subject=subject(name="Child C"), data=referral(),
                      actor=REFERRER, now=clock.now.replace(day=26, hour=9, tzinfo=LONDON) - timedelta(days=4))
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 1)
    page_request.web.sign_in("maya")
    first = page_request.get("dashboard_pages.breaches", group="mash_screener")
    (next_link,) = first.select("a[rel=next]")
    assert _query(next_link.get("href"))["group"] == ["mash_screener"]
    second = page_request.web.page(next_link.get("href"))
    seen = [p.text("#sla-tasks .sla-row a") for p in (first, second)]
    assert cases["late_ref"] in seen and len(set(seen)) == 2
    assert page_request.get("dashboard_pages.breaches", level="3").select("#no-tasks")
    assert page_request.get("dashboard_pages.at_risk").select("#no-tasks")
    assert page_request.get("dashboard_pages.breaches", step="screening_decision").select("#no-tasks")


def test_an_indicator_asked_for_with_a_date_that_is_not_one_is_a_bad_request(
        page_request: PageRequest, cases: dict[str, str]) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.indicator", key="T1", _expected_status=400, **{"from": "last week"})
    assert "YYYY-MM-DD" in page.text("main")
    assert page_request.get("dashboard_pages.indicator", key="T1", **{"from": "2026-05-25"}).select("#no-cases")
