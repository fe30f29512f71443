"""No notification ever carries the child's or the accused person's name: a LADO allegation naming the accused
(and the child who made it) and a MASH referral naming the child are left to run past their warning times and
deadlines; every reminder, breach and escalation written, every e-mail the real SMTP server received and
every item of each person's in-app list names the case reference, the step and the deadline, and neither name.

Robust to the diagrams' ladders: the clock is moved through a month in steps and whatever the deadlines
produce is checked; the test only requires that both cases produced reminders and breaches at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import select, update

from engine import notifications, runtime
from engine.db import Database
from engine.models import Case, HumanTask, Notification, User
from engine.notifications.content import uk_time
from engine.notifications.mail import SmtpSettings
from tests.api.access_scenes import ACCESS_USERS, add_users
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import deploy, form_data, referral, subject
from tests.smtp_server import Inbox, smtp_server

ACCUSED = "Ignatius Threlkeld-Omari"
LADO_CHILD = "Persephone Quillfeather"
MASH_CHILD = "Kayden Marlowe-Tuckett"
NAME_PARTS = [part for name in (ACCUSED, LADO_CHILD, MASH_CHILD) for part in re.split(r"[ -]", name)]
DEADLINE = re.compile(r"Deadline: (\w+day \d{1,2} \w+ \d{4}, \d\d:\d\d|no deadline) \(UK time\)")
SENIOR = {"sm": ["service_manager"], "hos": ["head_of_service"]}
STEPS = [timedelta(hours=h) for h in (2, 6, 24, 30, 50, 75, 100, 150, 250, 400, 750)]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    with smtp_server() as server:
        yield server


def _named_cases(api: ApiClient, db: Database, clock: Clock) -> dict[str, str]:
    """A MASH referral naming the child and an allegation naming the accused and the child: case id → reference."""
    deploy(db, name="lado_allegation.bpmn", now=clock())
    children = [{**referral()["children"][0], "name": MASH_CHILD}]
    mash = api.post("/api/v1/cases", "rita", 201, json={
        "process": "mash_screening", "subject": subject(name=MASH_CHILD), "data": referral(children=children)})
    allegation = form_data("lado_referral")
    allegation["person"]["name"] = ACCUSED
    allegation["children"][0]["name"] = LADO_CHILD
    lado = api.post("/api/v1/cases", "head_a", 201, json={
        "process": "lado_allegation", "subject": subject(name=ACCUSED), "data": allegation})
    return {mash["id"]: mash["reference"], lado["id"]: lado["reference"]}


def _run_past_every_deadline(db: Database, clock: Clock) -> None:
    start = clock()
    for step in STEPS:
        notifications.send_reminders(db, start + step)
        runtime.fire_due_timers(db, start + step)


def _check(subject_line: str, body: str, reference: str, task: HumanTask | None) -> None:
    assert reference in subject_line, subject_line
    assert f"Case reference: {reference}" in body, body
    assert re.search(r"^Step: \S", body, re.MULTILINE), body
    assert DEADLINE.search(body), body
    if task is not None:
        assert f"Step: {task.name}" in body and task.name in subject_line
        assert f"Deadline: {uk_time(task.due_at)} (UK time)" in body
    for part in NAME_PARTS:
        assert part not in subject_line and part not in body, (part, subject_line, body)


def _unfolded(header: Any) -> str:
    return " ".join(str(header).split())


def test_no_reminder_breach_or_escalation_names_the_child_or_the_accused_in_the_app_or_by_email(
    api: ApiClient, db: Database, clock: Clock, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    add_users(api, db, clock, {**ACCESS_USERS, **SENIOR})
    with db.unit_of_work() as session:
        session.execute(update(User).values(email=User.username + "@council.test"))
    references = _named_cases(api, db, clock)
    _run_past_every_deadline(db, clock)
    while notifications.deliver_notifications(db, settings, clock() + STEPS[-1]):
        pass

    with db.reading() as session:
        written = list(session.scalars(select(Notification)))
        tasks = {task.id: task for task in session.scalars(select(HumanTask))}
        stored = {case.id: case.subject["name"] for case in session.scalars(select(Case))}
    assert set(stored.values()) == {MASH_CHILD, ACCUSED}  # the names are on the record, for the checks to mean it
    kinds = {(references[n.case_id], n.kind) for n in written}
    assert {(reference, kind) for reference in references.values() for kind in ("reminder", "breach")} <= kinds
    for notification in written:
        _check(notification.subject, notification.body, references[notification.case_id],
               tasks.get(notification.task_id or ""))

    by_id = {n.id: n for n in written}
    assert sorted(inbox.ids()) == sorted(by_id)
    for message in inbox.messages:
        notification = by_id[str(message["X-Sosflow-Notification"])]
        subject_line, body = _unfolded(message["Subject"]), _body(message)
        assert (subject_line, body.strip()) == (notification.subject, notification.body.strip())
        _check(subject_line, body, references[notification.case_id], tasks.get(notification.task_id or ""))

    for user in sorted({n.username for n in written}):
        items = api.get("/api/v1/notifications", user, query_string={"limit": 200})["items"]
        assert len(items) == sum(1 for n in written if n.username == user)
        for item in items:
            _check(item["subject"], item["body"], references[item["case_id"]], tasks.get(item["task_id"] or ""))


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8").replace("\r\n", "\n")
