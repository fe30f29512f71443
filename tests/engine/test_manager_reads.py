"""The reads behind the manager dashboard and the auditor's search: open work counted per lane and step at each
escalation level (on the same cutoffs as the breach lists, across Christmas 2026), every open task listed soonest
first, the unread count capped, and the audit search narrowed and paged by sequence."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.errors import Forbidden, InvalidInput
from engine.notifications.reads import notifications_query
from engine.queries.audit import AuditSearch, search_audit_events
from engine.queries.sla import SlaFilter, count_open_work, list_breaches, list_open
from engine.unit_of_work import unit_of_work
from tests.api.test_sla import _case, _task

MAYA = Actor("maya", frozenset({"mash_manager"}))
NOW = datetime(2026, 12, 30, 12, 0, tzinfo=LONDON)  # Wednesday; 25 and 28 Dec are bank holidays


def test_open_work_is_counted_per_lane_and_step_at_each_level_as_the_breach_lists_are(db: Database) -> None:
    case_id, instance_id = _case(db, 1)
    for due in (datetime(2026, 12, 29, 17, 0, tzinfo=LONDON), datetime(2026, 12, 24, 17, 0, tzinfo=LONDON),
                datetime(2026, 12, 23, 17, 0, tzinfo=LONDON), datetime(2026, 12, 30, 14, 0, tzinfo=LONDON),
                datetime(2027, 1, 8, 17, 0, tzinfo=LONDON)):
        _task(db, case_id, instance_id, "mash_screener", due)
    _task(db, case_id, instance_id, "lado", datetime(2026, 12, 23, 17, 0, tzinfo=LONDON))
    with db.reading() as session:
        (row,) = count_open_work(session, MAYA, NOW)
        listed = {level: len(list_breaches(session, MAYA, SlaFilter(level=level), NOW).items) for level in (1, 2, 3)}
        every = list_open(session, MAYA, SlaFilter(), NOW)
    assert (row["group"], row["process"], row["step"]) == ("mash_screener", "mash_screening", "screen_contact")
    assert (row["level_1"], row["level_2"], row["level_3"], row["at_risk"], row["open"]) == (1, 1, 1, 1, 5)
    assert listed == {1: row["level_1"], 2: row["level_2"], 3: row["level_3"]}
    assert [t["due_at"] for t in every.items] == sorted(t["due_at"] for t in every.items)
    assert len(every.items) == 5


def test_counting_open_work_needs_a_team_to_manage(db: Database) -> None:
    with db.reading() as session, pytest.raises(Forbidden):
        count_open_work(session, Actor("sam", frozenset({"mash_screener"})), NOW)


def _events(db: Database, count: int) -> None:
    with unit_of_work(db, NOW) as uow:
        for n in range(count):
            uow.record("case_viewed" if n % 2 else "signed_in", actor=f"user{n % 3}", payload={"n": n})


def test_the_audit_search_combines_person_and_action_and_pages_by_sequence(db: Database) -> None:
    _events(db, 12)
    auditor = Actor("ada", frozenset({"auditor"}))
    wanted = AuditSearch(actor="user1", action="case_viewed")
    with db.reading() as session:
        first = search_audit_events(session, auditor, wanted, limit=1)
        rest = search_audit_events(session, auditor, wanted, limit=10, cursor=first.next_cursor)
        with pytest.raises(InvalidInput):
            search_audit_events(session, auditor, wanted, cursor="not-a-seq")
        with pytest.raises(Forbidden):
            search_audit_events(session, MAYA, wanted)
    shown = [item["event"] for item in first.items + rest.items]
    assert [e.payload["n"] for e in shown] == [7, 1] and rest.next_cursor is None
    assert all(e.actor == "user1" and e.action == "case_viewed" for e in shown)


def test_the_unread_count_stops_at_its_cap_and_ignores_read_ones(db: Database) -> None:
    from engine import accounts
    from engine.notifications import count_unread_notifications, mark_notification_read
    from engine.notifications.content import NotificationKind
    from engine.notifications.writing import Notice, notify

    accounts.create_user(db, "sam", ["mash_screener"], NOW)
    case_id, _ = _case(db, 1)
    with unit_of_work(db, NOW) as uow:
        for _ in range(3):
            notify(uow, Notice(NotificationKind.REMINDER, case_id, None, "Screen", NOW), ["sam"])
    sam = Actor("sam", frozenset({"mash_screener"}))
    with db.reading() as session:
        assert (count_unread_notifications(session, sam), count_unread_notifications(session, sam, cap=2)) == (3, 2)
        first = session.scalars(notifications_query(sam, True, 1)).one()
    mark_notification_read(db, sam, first.id, NOW)
    with db.reading() as session:
        assert count_unread_notifications(session, sam) == 2
