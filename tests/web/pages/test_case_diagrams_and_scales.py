"""The case page's position on each diagram of the case's chain (the version's XML from a session route, the
completed and current element ids in the page) and its scaling chart per danger statement with a table
fallback, through `page_request` on real engine state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import accounts, runtime
from engine.access import Actor
from engine.db import Database
from tests.api.cases.test_records import conference_case
from tests.conftest import Clock
from tests.factories import BPMN_DIR, CaseDriver, deploy, form_data, referral, subject
from tests.web.conftest import PASSWORD, PageRequest


@pytest.fixture
def mash_case(db: Database, clock: Clock, web_users: Any) -> CaseDriver:
    deploy(db, name="mash_screening.bpmn", now=clock())
    return CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                            actor=Actor("rita", frozenset({"referrer"})), now=clock()))


def ids(element: Any, name: str) -> list[str]:
    found: list[str] = json.loads(element.get(f"data-{name}"))
    return found


def test_each_process_of_the_case_is_drawn_with_its_completed_and_current_elements(
        page_request: PageRequest, mash_case: CaseDriver) -> None:
    page_request.web.sign_in("sam")
    page = page_request.get("case_pages.case", case_id=mash_case.case_id)
    (instance,) = mash_case.instances()
    (diagram,) = page.select("#process-chain .sosflow-diagram")
    assert diagram.get("data-bpmn-url") == f"/cases/{mash_case.case_id}/processes/{instance.id}/diagram.bpmn"
    assert ids(diagram, "current") == ["screen_contact"]
    assert "start_contact_received" in ids(diagram, "completed")
    assert "screen_contact" not in ids(diagram, "completed")
    assert diagram.get("role") == "figure" and "current steps" in diagram.get("aria-label")
    assert page.select("script[src='/static/vendor/case.js']")
    assert page.select("link[href='/static/vendor/bpmn-js/bpmn-js.css']")
    xml = page_request.web.client.get(diagram.get("data-bpmn-url"))
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.get_data(as_text=True) == (BPMN_DIR / "mash_screening.bpmn").read_text()


def test_a_completed_task_moves_from_current_to_completed(page_request: PageRequest, mash_case: CaseDriver,
                                                          clock: Clock) -> None:
    mash_case.complete("screen_contact", form_data("mash_screening", partner_checks=[], immediate_danger=False,
                                                   decision="cin_assessment_s17", draft_danger_statement="draft"),
                       clock())
    page_request.web.sign_in("maya")
    page = page_request.get("case_pages.case", case_id=mash_case.case_id)
    diagram = page.select("#process-chain .sosflow-diagram")[0]
    assert "screen_contact" in ids(diagram, "completed")
    assert "screen_contact" not in ids(diagram, "current") and ids(diagram, "current")
    assert "screen_contact" in page.text(".sosflow-completed-steps")


def test_a_diagram_is_served_only_for_a_process_of_that_case_and_only_to_who_may_see_the_case(
        page_request: PageRequest, mash_case: CaseDriver, db: Database, clock: Clock) -> None:
    other = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                              actor=Actor("rita", frozenset({"referrer"})), now=clock())
    (instance,) = mash_case.instances()
    page_request.web.sign_in("sam")
    client = page_request.web.client
    assert client.get(f"/cases/{other}/processes/{instance.id}/diagram.bpmn").status_code == 404
    page_request.web.sign_in("rita")
    assert client.get(f"/cases/{mash_case.case_id}/processes/{instance.id}/diagram.bpmn").status_code == 404


def test_the_scaling_chart_has_a_line_per_danger_statement_and_the_same_figures_as_tables(
        page_request: PageRequest, db: Database, clock: Clock, web_users: Any) -> None:
    case = conference_case(db, clock)
    accounts.create_user(db, "chair", ["cp_chair"], clock(), display_name="Chair", password=PASSWORD)
    page_request.web.sign_in("chair")
    page = page_request.get("case_pages.case", case_id=case.case_id)
    (canvas,) = page.select("canvas#scale-chart[data-series-id='scale-series'][hidden]")
    assert canvas.get("role") == "img" and canvas.get("aria-label")
    (source,) = page.select("script#scale-series[type='application/json']")
    chart = json.loads(source.text)
    assert chart["labels"] == sorted(chart["labels"]) and len(chart["labels"]) >= 2
    labels = [dataset["label"] for dataset in chart["datasets"]]
    assert "Overall safety" in labels and len(labels) >= 2
    for dataset in chart["datasets"]:
        assert len(dataset["data"]) == len(chart["labels"])
        assert all(value is None or 0 <= value <= 10 for value in dataset["data"])
    captions = [caption.text for caption in page.select(".sosflow-scale-table caption")]
    assert captions == labels
    first_rows = page.select(".sosflow-scale-table")[0].xpath(".//tbody/tr")
    assert first_rows


def test_a_case_without_scaling_says_so(page_request: PageRequest, mash_case: CaseDriver) -> None:
    page_request.web.sign_in("sam")
    page = page_request.get("case_pages.case", case_id=mash_case.case_id)
    assert page.select("#no-scales") and page.select("#scale-chart") == []
