"""Dates on pages are named by what is wrong with the boxes typed, in the GOV.UK date input's words, and a page
refuses a date of birth that is not in the past before anything is sent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from api.pages.forms import parse_form, render_form
from api.pages.forms.dates import date_message, date_problems, datetime_check
from engine import accounts, runtime
from engine.access import Actor
from engine.db import Database
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled, referral, subject
from tests.web.conftest import PASSWORD, PageRequest

TODAY = date(2026, 5, 22)


@pytest.mark.parametrize(("day", "month", "year", "expected"), [
    ("4", "", "2018", "Date of birth must include a month"),
    ("", "3", "2018", "Date of birth must include a day"),
    ("", "", "2018", "Date of birth must include a day and month"),
    ("4", "3", "", "Date of birth must include a year"),
    ("31", "2", "2018", "Date of birth must be a real date"),
    ("4", "March", "2018", "Date of birth must be a real date"),
    ("4", "3", "18", "Year must include 4 numbers"),
    ("22", "5", "2026", "Date of birth must be in the past"),
    ("4", "3", "2027", "Date of birth must be in the past"),
    ("4", "3", "2018", None),
    ("", "", "", None),
])
def test_a_date_of_birth_is_named_by_what_is_wrong_with_its_boxes(day: str, month: str, year: str,
                                                                  expected: str | None) -> None:
    assert date_message("Date of birth", {"day": day, "month": month, "year": year}, TODAY, past=True) == expected


def test_only_a_date_of_birth_must_be_in_the_past() -> None:
    assert date_message("Expected date of birth", {"day": "1", "month": "9", "year": "2026"}, TODAY) is None


def _posted(**boxes: str) -> Any:
    sent = MultiDict({"/children/0/name": "Leo"})
    for field, (day, month, year) in boxes.items():
        for part, value in zip(("day", "month", "year"), (day, month, year), strict=True):
            sent.add(f"/children/0/{field}:{part}", value)
    return parse_form("mash_service_request", sent)[0]


def test_date_problems_find_each_date_of_a_form_by_its_pointer() -> None:
    data = _posted(dob=("4", "", "2018"), expected_dob=("31", "9", "2026"))

    problems = date_problems("mash_service_request", data, TODAY)

    assert [(p.pointer, p.message) for p in problems] == [
        ("/children/0/dob", "Date of birth must include a month"),
        ("/children/0/expected_dob", "Expected date of birth must be a real date"),
    ]


def test_the_error_summary_links_to_the_first_box_with_the_error(app: Any) -> None:
    data = _posted(dob=("", "", "2018"), expected_dob=("31", "9", "2026"))
    problems = date_problems("mash_service_request", data, TODAY)

    with app.test_request_context():
        links = [entry["href"] for entry in render_form("mash_service_request", data, problems).errors]

    assert links == ["#field-children-0-dob-day", "#field-children-0-expected_dob-day"]
    month_missing = date_problems("mash_service_request", _posted(dob=("4", "", "2018")), TODAY)
    assert [entry["href"] for entry in render_form("mash_service_request", {}, month_missing).errors] == [
        "#field-children-0-dob-month"]


def test_a_referral_with_a_date_of_birth_in_the_future_is_refused_with_the_gov_uk_wording(
        page_request: PageRequest, db: Database, clock: Clock) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    page_request.web.sign_in("rita")
    sent = {"/children/0/name": "Leo", "/children/0/dob:day": "1", "/children/0/dob:month": "1",
            "/children/0/dob:year": "2027", "_action": "continue"}

    page = page_request.post("referral_pages.new", sent, _expected_status=422)

    assert "Date of birth must be in the past" in page.text(".govuk-error-summary")
    assert "Date of birth must be in the past" in page.text("#field-children-0-dob-error")
    assert "Enter the referrer's name" in page.text(".govuk-error-summary")  # the schema's own problems too


def test_a_task_form_with_a_date_missing_its_month_is_refused_and_nothing_is_completed(
        page_request: PageRequest, db: Database, clock: Clock) -> None:
    driver = _case_at_strategy_discussion(db, clock)
    task = driver.task("hold_strategy_discussion")
    accounts.create_user(db, "chair", [task.candidate_group], clock(), display_name="Chair", password=PASSWORD)
    page_request.web.sign_in("chair")
    sent = {"/actions/0/action": "Visit the family", "/actions/0/owner": "Social worker",
            "/actions/0/due:day": "29", "/actions/0/due:month": "", "/actions/0/due:year": "2026",
            "_action": "complete"}

    page = page_request.post("task_pages.task", sent, _expected_status=422, task_id=task.id)

    assert "Action due date must include a month" in page.text(".govuk-error-summary")
    assert driver.ready_elements() == ["hold_strategy_discussion"]


LABEL = "Date and time of the strategy discussion"


@pytest.mark.parametrize(("boxes", "expected", "marked"), [
    (("22", "5", "2026", "14"), "Time of the strategy discussion must include a minute", ("time",)),
    (("22", "5", "2026", "14:"), "Time of the strategy discussion must include a minute", ("time",)),
    (("22", "5", "2026", ":30"), "Time of the strategy discussion must include an hour", ("time",)),
    (("22", "5", "2026", "25:00"), "Time of the strategy discussion must be a real time", ("time",)),
    (("22", "5", "2026", "14:75"), "Time of the strategy discussion must be a real time", ("time",)),
    (("22", "5", "2026", "2pm"), "Time of the strategy discussion must be a real time", ("time",)),
    (("22", "5", "2026", ""), "Date and time of the strategy discussion must include a time", ("time",)),
    (("22", "", "2026", "14:30"), "Date of the strategy discussion must include a month", ("month",)),
    (("", "", "", "14:30"), "Date of the strategy discussion must include a day, month and year",
     ("day", "month", "year")),
    (("22", "", "2026", ""), "Date and time of the strategy discussion must include a month and time",
     ("month", "time")),
    (("31", "2", "2026", "14:30"), "Date of the strategy discussion must be a real date", ("day",)),
    (("22", "13", "2026", "14:30"), "Date of the strategy discussion must be a real date", ("month",)),
    (("22", "May", "2026", "14:30"), "Date of the strategy discussion must be a real date", ("month",)),
    (("22", "5", "26", "14:30"), "Year must include 4 numbers", ("year",)),
])
def test_a_date_and_time_is_named_by_what_is_wrong_and_which_box(boxes: tuple[str, ...], expected: str,
                                                                 marked: tuple[str, ...]) -> None:
    day, month, year, time = boxes

    found = datetime_check(LABEL, {"day": day, "month": month, "year": year, "time": time}, TODAY)

    assert found is not None and (found.message, found.boxes) == (expected, marked)


@pytest.mark.parametrize("time", ["14:30", "9.05", "00:00", "23:59"])
def test_a_whole_date_and_time_is_fine(time: str) -> None:
    assert datetime_check(LABEL, {"day": "22", "month": "5", "year": "2026", "time": time}, TODAY) is None
    assert datetime_check(LABEL, {"day": "", "month": "", "year": "", "time": ""}, TODAY) is None


def _boxes_marked(page: Any, field: str) -> list[str]:
    return [box.get("id").rsplit("-", 1)[1] for box in page.select(f"#{field} input")
            if "govuk-input--error" in box.get("class", "")]


def _strategy_post(day: str, month: str, year: str, time: str) -> dict[str, str]:
    return {"/strategy_discussion_at:day": day, "/strategy_discussion_at:month": month,
            "/strategy_discussion_at:year": year, "/strategy_discussion_at:time": time, "_action": "complete"}


@pytest.mark.parametrize(("boxes", "message", "marked"), [
    (("22", "5", "2026", "14"), "Time of the strategy discussion must include a minute", ["time"]),
    (("22", "5", "2026", "25:10"), "Time of the strategy discussion must be a real time", ["time"]),
    (("22", "", "2026", "14:30"), "Date of the strategy discussion must include a month", ["month"]),
    (("30", "2", "2026", "14:30"), "Date of the strategy discussion must be a real date", ["day"]),
])
def test_a_task_page_names_what_is_wrong_with_a_date_and_time_and_marks_only_that_box(
        page_request: PageRequest, db: Database, clock: Clock, boxes: tuple[str, str, str, str], message: str,
        marked: list[str]) -> None:
    driver = _case_at_strategy_discussion(db, clock)
    task = driver.task("hold_strategy_discussion")
    accounts.create_user(db, "chair", [task.candidate_group], clock(), display_name="Chair", password=PASSWORD)
    page_request.web.sign_in("chair")

    page = page_request.post("task_pages.task", _strategy_post(*boxes), _expected_status=422, task_id=task.id)

    assert message in page.text(".govuk-error-summary")
    assert message in page.text("#field-strategy_discussion_at-error")
    assert _boxes_marked(page, "field-strategy_discussion_at") == marked
    first = f"#field-strategy_discussion_at-{marked[0]}"
    assert first in [a.get("href") for a in page.select(".govuk-error-summary a")]
    typed = [box.get("value") or "" for box in page.select("#field-strategy_discussion_at input")]
    assert typed == list(boxes)  # what was typed is shown again
    assert driver.ready_elements() == ["hold_strategy_discussion"]


def test_a_date_and_time_left_blank_marks_every_box(page_request: PageRequest, db: Database, clock: Clock) -> None:
    driver = _case_at_strategy_discussion(db, clock)
    task = driver.task("hold_strategy_discussion")
    accounts.create_user(db, "chair", [task.candidate_group], clock(), display_name="Chair", password=PASSWORD)
    page_request.web.sign_in("chair")

    page = page_request.post("task_pages.task", _strategy_post("", "", "", ""), _expected_status=422,
                             task_id=task.id)

    assert page.text("#field-strategy_discussion_at-error")
    assert _boxes_marked(page, "field-strategy_discussion_at") == ["day", "month", "year", "time"]


def _case_at_strategy_discussion(db: Database, clock: Clock) -> CaseDriver:
    deploy(db, name="mash_screening.bpmn", now=clock())
    case_id = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                actor=Actor("rita", frozenset({"referrer"})), now=clock())
    driver = CaseDriver(db, case_id)
    s47 = {"decision": "strategy_discussion_s47", "draft_danger_statement": "Ava may be hurt again at home."}
    driver.complete("screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False, **s47),
                    clock())
    driver.complete("screening_decision", filled("mash_decision", **s47), clock())
    driver.complete("feedback_to_referrer", filled("referrer_feedback"), clock())
    return driver
