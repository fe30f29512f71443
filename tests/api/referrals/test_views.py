"""A referrer's view: the referrals they made, each one's status and outcome, and the feedback sent to them."""

from __future__ import annotations

from engine.db import Database
from tests.api.access_scenes import ACCESS_USERS, add_users, do, mash_case_at_decision
from tests.api.conftest import ApiClient
from tests.api.helpers import open_referral
from tests.conftest import Clock
from tests.factories import create_user, deploy, referral, subject


def test_a_referral_is_open_until_decided_then_shows_its_outcome_and_the_feedback_sent(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    referral = api.get(f"/api/v1/referrals/{case_id}", "rita")
    assert (referral["reference"], referral["status"], referral["outcome_name"]) == ("MASH-2026-000001", "open", None)
    assert referral["feedback"] == []

    do(api, "maya", "screening_decision", case_id, decision="nfa")
    do(api, "bea", "feedback_to_referrer", case_id, referrer_informed_at="2026-05-22T15:00:00+01:00",
       method="phone", parents_informed=False, parents_not_informed_reason="Police visit planned for tonight.")
    referral = api.get(f"/api/v1/referrals/{case_id}", "rita")
    assert (referral["status"], referral["outcome"], referral["outcome_name"]) == ("closed", "nfa", "No further action")
    (feedback,) = referral["feedback"]
    assert feedback == {"sent_at": "2026-05-22T09:30:00+00:00", "referrer_informed_at": "2026-05-22T15:00:00+01:00",
                        "method": "phone", "parents_informed": False}
    assert "Police visit" not in str(referral)  # the service's safety reasoning is not feedback


def test_a_referral_handed_on_to_a_strategy_discussion_is_decided_not_closed(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    case_id = mash_case_at_decision(api)
    do(api, "maya", "screening_decision", case_id, decision="strategy_discussion_s47")
    do(api, "bea", "feedback_to_referrer", case_id)
    referral = api.get(f"/api/v1/referrals/{case_id}", "rita")
    assert (referral["status"], referral["outcome"]) == ("decided", "strategy_discussion_s47")
    assert set(referral) == {"id", "reference", "kind", "subject_name", "opened_at", "status", "outcome",
                             "outcome_name", "feedback"}


def test_a_referrer_lists_only_their_own_referrals_newest_first_by_cursor(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    api.tokens["rob"] = create_user(db, username="rob", groups=["referrer"], now=clock())
    mine = []
    for _ in range(5):
        mine.append(open_referral(api)["id"])
        clock.advance(hours=1)
    api.post("/api/v1/cases", "rob", 201,
             json={"process": "mash_screening", "subject": subject(name="Other"), "data": referral()})
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/referrals", "rita", query_string=query)
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [r["id"] for r in seen] == list(reversed(mine))
    assert {r["status"] for r in seen} == {"open"}
    assert [r["subject_name"] for r in api.get("/api/v1/referrals", "rob")["items"]] == ["Other"]
    assert api.get("/api/v1/referrals", "sam")["items"] == []


def test_someone_elses_referral_is_404_and_a_bad_cursor_is_422(api: ApiClient, db: Database, clock: Clock) -> None:
    add_users(api, db, clock, ACCESS_USERS)
    case_id = open_referral(api)["id"]
    for user in ("sam", "maya", "audrey", "head_a"):
        assert api.get(f"/api/v1/referrals/{case_id}", user, 404)["error"] == "not_found"
    api.get("/api/v1/referrals", "rita", 422, query_string={"cursor": "not-a-cursor"})


def test_reading_a_referral_is_audited(api: ApiClient) -> None:
    case_id = open_referral(api)["id"]
    api.get(f"/api/v1/referrals/{case_id}", "rita")
    history = api.get(f"/api/v1/cases/{case_id}/history", "audrey")["events"]
    assert [(e["actor"], e["payload"]) for e in history if e["action"] == "case_viewed"][0] == (
        "rita", {"what": "referral"})
