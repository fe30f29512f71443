"""Notifications: written in the step a deadline fires or a reminder falls due, one per person, each audited;
e-mailed through a real SMTP server at most once, retried while the server refuses; never naming anyone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine import notifications, runtime
from engine.calendar import LONDON
from engine.db import Database
from engine.models import Alert, AuditEvent, EmailStatus, HumanTask, Notification, User
from engine.notifications.mail import SmtpSettings
from tests.api.helpers import open_referral
from tests.api_client import ApiClient
from tests.factories import referral, subject
from tests.smtp_server import Inbox, smtp_server

AFTER_T1 = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)  # the screening was due Tue 26 May 17:00 (Mon: bank holiday)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    with smtp_server() as server:
        yield server


def _give_emails(db: Database, *usernames: str) -> None:
    with db.unit_of_work() as session:
        for name in usernames:
            session.execute(update(User).where(User.username == name).values(email=f"{name}@council.test"))


def _notifications(db: Database) -> list[Notification]:
    with db.reading() as session:
        return list(session.scalars(select(Notification).order_by(Notification.username, Notification.kind)))


def _actions(db: Database, action: str) -> list[AuditEvent]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_a_breach_tells_the_screeners_and_the_mash_manager_and_the_escalation_task_tells_its_lane(
    api: ApiClient, db: Database
) -> None:
    case = open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)

    told = [(n.username, n.kind, n.created_at) for n in _notifications(db)]
    assert told == [("maya", "breach", AFTER_T1), ("maya", "escalation", AFTER_T1),
                    ("pat", "breach", AFTER_T1), ("sam", "breach", AFTER_T1)]
    fired = _actions(db, "timer_fired")
    created = _actions(db, "notification_created")
    assert len(fired) == 1 and len(created) == 4
    # Written by the step that fired the timer: its audit events follow the firing in the same append.
    assert [e.seq for e in created] == list(range(fired[0].seq + 1, fired[0].seq + 5))
    assert {e.payload["notification_id"] for e in created} == {n.id for n in _notifications(db)}
    assert {e.case_id for e in created} == {case["id"]}


def test_a_notification_names_the_case_reference_the_step_and_the_uk_deadline_never_a_person(
    api: ApiClient, db: Database
) -> None:
    child = "Kayden Marlowe-Tuckett"
    body = {"process": "mash_screening", "subject": subject(name=child), "data": referral()}
    case = api.post("/api/v1/cases", "rita", 201, json=body)
    runtime.fire_due_timers(db, AFTER_T1)

    breach = next(n for n in _notifications(db) if n.username == "sam")
    with db.reading() as session:
        step = session.get_one(HumanTask, breach.task_id).name
    assert breach.subject == f"Deadline missed: {case['reference']}, {step}, due Tuesday 26 May 2026, 17:00"
    assert f"Step: {step}" in breach.body
    assert f"Case reference: {case['reference']}" in breach.body
    assert "Deadline: Tuesday 26 May 2026, 17:00 (UK time)" in breach.body
    for notification in _notifications(db):
        for part in ("Kayden", "Marlowe", "Tuckett"):
            assert part not in notification.subject and part not in notification.body


def test_a_reminder_goes_once_to_the_lane_of_an_unclaimed_task_when_its_warning_time_passes(
    api: ApiClient, db: Database
) -> None:
    open_referral(api)
    with db.reading() as session:
        warn_at = session.scalars(select(HumanTask.warn_at)).one()
    assert notifications.send_reminders(db, warn_at - timedelta(seconds=1)) == 0

    assert notifications.send_reminders(db, warn_at) == 1
    assert notifications.send_reminders(db, warn_at + timedelta(hours=1)) == 0
    assert [(n.username, n.kind) for n in _notifications(db)] == [("pat", "reminder"), ("sam", "reminder")]
    assert len(_actions(db, "reminder_sent")) == 1


def test_a_reminder_of_a_claimed_task_goes_to_its_assignee_only(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = api.get("/api/v1/tasks", "sam")["items"][0]
    api.post(f"/api/v1/tasks/{task['id']}/claim", "sam")

    notifications.send_reminders(db, datetime.fromisoformat(task["warn_at"]))
    assert [(n.username, n.kind) for n in _notifications(db)] == [("sam", "reminder")]


def test_the_outbox_emails_each_notification_once_through_the_smtp_server_and_audits_it(
    api: ApiClient, db: Database, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    _give_emails(db, "sam", "maya")
    open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)

    assert notifications.deliver_notifications(db, settings, AFTER_T1) == 3
    assert notifications.deliver_notifications(db, settings, AFTER_T1 + timedelta(hours=1)) == 0
    emailed = {n.id: n for n in _notifications(db) if n.email_to}
    assert sorted(inbox.ids()) == sorted(emailed)
    assert {str(m["To"]) for m in inbox.messages} == {"sam@council.test", "maya@council.test"}
    assert {n.email_status for n in _notifications(db)} == {EmailStatus.SENT, EmailStatus.NO_ADDRESS}
    assert len(_actions(db, "notification_sent")) == 3


def test_a_refused_email_is_retried_with_backoff_until_the_server_takes_it(
    api: ApiClient, db: Database, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    _give_emails(db, "sam")
    open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)
    inbox.refuse = 2

    assert notifications.deliver_notifications(db, settings, AFTER_T1) == 0
    assert notifications.deliver_notifications(db, settings, AFTER_T1 + timedelta(seconds=30)) == 0  # not yet due
    assert notifications.deliver_notifications(db, settings, AFTER_T1 + timedelta(minutes=1)) == 0  # refused again
    assert notifications.deliver_notifications(db, settings, AFTER_T1 + timedelta(minutes=3)) == 1
    (sent,) = [n for n in _notifications(db) if n.email_to]
    assert (sent.email_status, sent.attempts, inbox.ids()) == (EmailStatus.SENT, 3, [sent.id])
    assert len(_actions(db, "notification_send_failed")) == 2


def test_an_email_a_dead_sender_left_mid_hand_off_is_never_resent_but_raised_as_an_alert(
    api: ApiClient, db: Database, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    _give_emails(db, "sam")
    open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)
    with db.unit_of_work() as session:
        session.execute(update(Notification).where(Notification.email_to.is_not(None))
                        .values(email_status=EmailStatus.SENDING, claimed_at=AFTER_T1))

    assert notifications.deliver_notifications(db, settings, AFTER_T1 + timedelta(minutes=10)) == 0
    assert inbox.ids() == []
    assert [n.email_status for n in _notifications(db) if n.email_to] == [EmailStatus.UNCERTAIN]
    with db.reading() as session:
        assert session.scalars(select(Alert.kind)).all() == ["notification_uncertain"]


def test_without_smtp_configured_notifications_wait_in_the_outbox(api: ApiClient, db: Database) -> None:
    _give_emails(db, "sam")
    open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)
    assert notifications.deliver_notifications(db, None, AFTER_T1) == 0
    assert [n.email_status for n in _notifications(db) if n.email_to] == [EmailStatus.PENDING]


def test_my_notifications_are_listed_newest_first_and_marked_read_and_nobody_else_can_mark_them(
    api: ApiClient, db: Database
) -> None:
    open_referral(api)
    runtime.fire_due_timers(db, AFTER_T1)
    page = api.get("/api/v1/notifications", "maya")
    assert sorted(item["kind"] for item in page["items"]) == ["breach", "escalation"]
    first = page["items"][0]

    api.post(f"/api/v1/notifications/{first['id']}/read", "sam", 404)
    read = api.post(f"/api/v1/notifications/{first['id']}/read", "maya")
    assert read["read_at"] is not None
    unread = api.get("/api/v1/notifications", "maya", query_string={"unread": "true"})["items"]
    assert [item["id"] for item in unread] == [i["id"] for i in page["items"] if i["id"] != first["id"]]
    one = api.get("/api/v1/notifications", "maya", query_string={"limit": 1})
    second = api.get("/api/v1/notifications", "maya", query_string={"limit": 1, "cursor": one["next_cursor"]})
    assert [one["items"][0]["id"], second["items"][0]["id"]] == [i["id"] for i in page["items"]]
