"""The notifications page: my reminders and breaches from the real notification writers, newest first, each
linking to its case and task, marked read one by one; the header's unread count; nobody else's notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.models import HumanTask, Notification
from engine.notifications import send_reminders
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled, referral, subject
from tests.web.conftest import PageRequest


@pytest.fixture
def reminded(db: Database, clock: Clock, web_users: Any) -> HumanTask:
    """A referral whose screening task has passed its warning time: its lane (sam, maya) is reminded."""
    deploy(db, name="mash_screening.bpmn", now=clock())
    runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                      actor=Actor("rita", frozenset({"referrer"})), now=clock())
    with db.reading() as session:
        (task,) = session.scalars(sql_select(HumanTask).where(HumanTask.element_id == "screen_contact"))
    assert task.warn_at is not None
    clock.now = task.warn_at + timedelta(minutes=1)
    assert send_reminders(db, clock()) == 1
    return task


def _notes(db: Database, username: str) -> list[Notification]:
    with db.reading() as session:
        return list(session.scalars(sql_select(Notification).where(Notification.username == username)))


def test_my_notifications_link_to_the_case_and_the_task_and_the_header_counts_the_unread(
        page_request: PageRequest, reminded: HumanTask) -> None:
    page_request.web.sign_in("sam")
    page = page_request.get("notification_pages.notifications")
    assert page.text("title") == "Notifications – sosflow"
    (item,) = page.select("#notifications .notification--unread")
    assert "Deadline approaching" in page.text("#notifications h2")
    assert page.select(f"#notifications a.notification-case[href='/cases/{reminded.case_id}']")
    assert page.select(f"#notifications a.notification-task[href='/tasks/{reminded.id}']")
    assert page.text(".account-notifications") == "1 unread notification"
    assert page.select(".account-notifications[href='/notifications']")


def test_marking_a_notification_read_clears_its_badge_and_the_header_count(
        page_request: PageRequest, reminded: HumanTask, db: Database) -> None:
    page_request.web.sign_in("sam")
    (note,) = _notes(db, "sam")
    response = page_request.post("notification_pages.mark_read", {"show": "unread"}, notification_id=note.id)
    assert response.headers["Location"] == "/notifications?marked=yes&show=unread"
    (note,) = _notes(db, "sam")
    assert note.read_at is not None
    unread = page_request.get("notification_pages.notifications", show="unread", marked="yes")
    assert unread.select("#no-notifications") and "marked as read" in unread.text(".govuk-notification-banner")
    assert unread.text(".account-notifications") == "Notifications"
    everything = page_request.get("notification_pages.notifications")
    assert everything.select("#notifications .notification") and not everything.select(".notification--unread")
    assert not everything.select("form[action$='/read']")


def test_someone_elses_notification_cannot_be_marked_read(page_request: PageRequest, reminded: HumanTask,
                                                          db: Database) -> None:
    page_request.web.sign_in("rita")
    (maya_note,) = _notes(db, "maya")
    page = page_request.post("notification_pages.mark_read", notification_id=maya_note.id, _expected_status=404)
    assert page.text("h1") == "There is a problem"
    assert _notes(db, "maya")[0].read_at is None
    assert page_request.get("notification_pages.notifications").select("#no-notifications")


def test_notifications_are_paged_newest_first(page_request: PageRequest, reminded: HumanTask, db: Database,
                                              clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.pages import notifications

    runtime.fire_due_timers(db, reminded.due_at + timedelta(minutes=1))  # the breach notice, after the reminder
    monkeypatch.setattr(notifications, "PAGE_SIZE", 1)
    page_request.web.sign_in("sam")
    first = page_request.get("notification_pages.notifications")
    assert "Deadline missed" in first.text("#notifications h2")
    (older,) = first.select("a[rel=next]")
    second = page_request.web.page(older.get("href"))
    assert "Deadline approaching" in second.text("#notifications h2")


def test_once_the_task_is_done_its_notification_no_longer_links_to_it(
        page_request: PageRequest, reminded: HumanTask, db: Database, clock: Clock) -> None:
    CaseDriver(db, reminded.case_id).complete(
        "screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False), clock())
    page_request.web.sign_in("sam")
    page = page_request.get("notification_pages.notifications")
    assert page.select(f"#notifications a.notification-case[href='/cases/{reminded.case_id}']")
    assert not page.select("#notifications a.notification-task")
    assert page.text("#notifications .notification-task-done") == "the task is done"
