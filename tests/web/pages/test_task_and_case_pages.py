"""The task queue, a task's page (draft, complete, the server's errors at their fields), the case page and the
accessibility statement, through `page_request` on a real referral in the MASH screening process."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select as sql_select

from api.pages.forms import parse_form
from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.models import FormDraft, HumanTask
from tests.conftest import Clock
from tests.factories import deploy, referral, subject
from tests.web.conftest import PageRequest, form_values


@pytest.fixture
def case_id(db: Database, clock: Clock, web_users: Any) -> str:
    deploy(db, name="mash_screening.bpmn", now=clock())
    return runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                             actor=Actor("rita", frozenset({"referrer"})), now=clock())


def _screening_task(db: Database) -> HumanTask:
    with db.reading() as session:
        (task,) = session.scalars(sql_select(HumanTask).where(HumanTask.element_id == "screen_contact"))
        return task


def test_the_queue_lists_my_groups_tasks_with_deadline_badges_and_claim_buttons(
        page_request: PageRequest, case_id: str, db: Database, clock: Clock) -> None:
    clock.advance(days=6)
    page_request.web.sign_in("sam")
    page = page_request.get("task_pages.queue")
    assert page.text("title") == "Tasks – sosflow"
    (row,) = page.select("#task-queue .task-row")
    assert "Overdue" in page.text("#task-queue .moj-badge")
    assert page.select(f"form[action='/tasks/{row.get('data-task-id')}/claim'] button")
    assert page.text(".account-name") == "Sam" and page.text(".account-role") == "MASH screener"
    assert page.text(".account-open-tasks") == "1 open task"
    assert page.select(".govuk-footer a[href='/accessibility']")
    assert "Signs of Safety® is a registered trademark of Elia" in page.text(".sosflow-credit")
    footer = page.text(".govuk-footer")
    assert "Crown copyright" not in footer and "Open Government Licence" not in footer  # not GOV.UK content


def test_queue_filters_narrow_by_process_and_deadline(page_request: PageRequest, case_id: str) -> None:
    page_request.web.sign_in("sam")
    assert page_request.get("task_pages.queue", process="lado_allegation").select("#no-tasks")
    assert page_request.get("task_pages.queue", due="week").select("#task-queue .task-row")
    assert page_request.get("task_pages.queue", step="screen_contact").select("#task-queue .task-row")
    assert page_request.get("task_pages.queue", step="screening_decision").select("#no-tasks")


def test_claim_then_give_back_from_the_queue(page_request: PageRequest, case_id: str, db: Database) -> None:
    page_request.web.sign_in("sam")
    task = _screening_task(db)
    response = page_request.post("task_pages.claim", task_id=task.id)
    assert response.headers["Location"] == f"/tasks/{task.id}"
    assert _screening_task(db).assignee == "sam"
    page = page_request.get("task_pages.queue")
    assert page.select(f"form[action='/tasks/{task.id}/give-back']")
    page_request.post("task_pages.give_back", task_id=task.id)
    assert _screening_task(db).assignee is None


def test_the_task_page_shows_the_form_with_its_prefill_and_the_case_beside_it(
        page_request: PageRequest, case_id: str, db: Database) -> None:
    page_request.web.sign_in("sam")
    task = _screening_task(db)
    page = page_request.get("task_pages.task", task_id=task.id)
    assert page.text("h1") == task.name
    assert page.select(f"form#task-form[action='/tasks/{task.id}']")
    assert page.select("#task-form [name='/decision']")
    assert page.select(f".app-case-summary a[href='/cases/{case_id}']")
    assert page.select("button#complete[value=complete]") and page.select("button#save-draft[value=save]")


def test_completing_with_a_mistake_shows_the_servers_errors_linked_to_their_fields(
        page_request: PageRequest, case_id: str, db: Database) -> None:
    page_request.web.sign_in("sam")
    task = _screening_task(db)
    page = page_request.post("task_pages.task", {"_action": "complete"}, _expected_status=422, task_id=task.id)
    assert page.text("title").startswith("Error: ")
    links = page.select(".govuk-error-summary__list a")
    assert links
    for link in links:
        assert page.select(f"[id='{link.get('href')[1:]}']")
    assert _screening_task(db).status == "ready"


def test_a_saved_draft_comes_back_and_is_never_a_submission(page_request: PageRequest, case_id: str,
                                                            db: Database) -> None:
    page_request.web.sign_in("sam")
    task = _screening_task(db)
    page = page_request.post("task_pages.task", {"_action": "save", "/rag_rationale": "Bruising, a disclosure"},
                             task_id=task.id)
    assert page.headers["Location"].startswith(f"/tasks/{task.id}?saved")
    shown = page_request.get("task_pages.task", task_id=task.id, saved="yes")
    assert "Your draft was saved" in shown.text(".govuk-notification-banner")
    assert "Bruising, a disclosure" in shown.text("#task-form")
    assert _screening_task(db).status == "ready"
    with db.reading() as session:
        (draft,) = session.scalars(sql_select(FormDraft))
    assert draft.username == "sam" and draft.case_id == case_id


def test_the_case_page_shows_references_processes_open_tasks_and_the_history(
        page_request: PageRequest, case_id: str, db: Database) -> None:
    page_request.web.sign_in("sam")
    page = page_request.get("case_pages.case", case_id=case_id)
    assert page.text("h1").startswith("MASH-")
    assert "mash_screening" in page.text("#process-chain")
    assert "Screen" in page.text("#open-tasks") or page.select("#open-tasks tbody tr")
    assert "Referral received" in page.text("#history .moj-timeline__title")


def test_a_case_outside_my_work_is_not_found(page_request: PageRequest, case_id: str) -> None:
    page_request.web.sign_in("rita")
    page_request.get("case_pages.case", _expected_status=404, case_id=case_id)


def test_the_accessibility_statement_is_public(page_request: PageRequest) -> None:
    page = page_request.get("help_pages.accessibility")
    assert page.text("h1") == "Accessibility statement for sosflow"


def test_the_sign_in_page_uses_gov_uk_components(page_request: PageRequest) -> None:
    page = page_request.get("sign_in.sign_in")
    assert page.select("input.govuk-input#username") and page.select("input.govuk-input#password")
    assert page.select("link[href='/static/vendor/govuk-frontend.min.css']")
    assert page.select("script[type=module][src='/static/vendor/app.js']")
    assert not [s for s in page.select("script") if not s.get("src")]  # the CSP allows script files only


def test_a_referral_is_made_checked_and_sent_then_listed_with_its_status(
        page_request: PageRequest, db: Database, clock: Clock, web_users: Any) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    page_request.web.sign_in("rita")
    page = page_request.get("referral_pages.new")
    (form,) = page.select("form#referral-form")
    blank = page_request.post("referral_pages.new", {**form_values(form).to_dict(), "_action": "continue"},
                              _expected_status=422)
    assert blank.select(".govuk-error-summary")
    data = referral()
    filled = _posted_fields(page_request, data)
    sent = page_request.post("referral_pages.new", {**filled, "_action": "continue"})
    assert sent.headers["Location"] == "/referrals/check"
    check = page_request.get("referral_pages.check")
    assert "Grace Thompson" in check.text("#answers")
    done = page_request.post("referral_pages.check")
    confirmation = page_request.web.page(done.headers["Location"])
    assert confirmation.text("#case-reference").startswith("MASH-")
    mine = page_request.get("referral_pages.mine")
    assert confirmation.text("#case-reference") in mine.text("#referrals")
    assert "Open" in mine.text("#referrals .govuk-tag")


def _posted_fields(page_request: PageRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The fields a browser sends for `data`: drawn by the renderer, read back like a browser would."""
    from flask import render_template_string

    from api.pages.forms import render_form
    from tests.web.conftest import parse_html, select

    template = ('{% from "components/form-fields.html" import form_fields %}<!DOCTYPE html><html lang="en"><head>'
                '<title>x</title></head><body><form method="post" action="/x">{{ form_fields(f.fields) }}'
                '</form></body></html>')
    with page_request.app.test_request_context():
        root = parse_html(render_template_string(template, f=render_form("mash_service_request", data)))
    values = form_values(select(root, "form")[0])
    assert parse_form("mash_service_request", values)[0]
    return {name: values.getlist(name) for name in values}
