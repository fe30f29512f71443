"""A user's own API tokens: listed without secrets, revoked by their owner only; expired and revoked → 401."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine import tokens
from engine.db import Database
from tests.api.conftest import ApiClient
from tests.conftest import Clock


def test_listing_my_tokens_shows_each_ones_name_and_expiry_never_a_secret(api: ApiClient, db: Database,
                                                                          clock: Clock) -> None:
    second = tokens.issue_token(db, "sam", clock(), name="laptop", expires_at=clock() + timedelta(days=7))
    body = api.get("/api/v1/tokens", "sam")
    assert sorted((t["name"], t["state"]) for t in body["items"]) == [("api", "valid"), ("laptop", "valid")]
    laptop = next(t for t in body["items"] if t["name"] == "laptop")
    assert datetime.fromisoformat(laptop["expires_at"]) == clock() + timedelta(days=7)
    text = str(body)
    assert api.tokens["sam"] not in text and second not in text
    assert "token_sha256" not in text and tokens.token_digest(second) not in text


def test_i_see_only_my_own_tokens(api: ApiClient) -> None:
    mine = api.get("/api/v1/tokens", "sam")["items"]
    theirs = api.get("/api/v1/tokens", "pat")["items"]
    assert len(mine) == len(theirs) == 1 and mine[0]["id"] != theirs[0]["id"]


def test_a_token_lasts_90_days_by_default_and_answers_401_once_expired(api: ApiClient, clock: Clock) -> None:
    (token,) = api.get("/api/v1/tokens", "sam")["items"]
    assert datetime.fromisoformat(token["expires_at"]) == clock() + timedelta(days=90)
    clock.advance(days=89, hours=23)
    api.get("/api/v1/tasks", "sam")
    clock.advance(hours=1)
    body = api.get("/api/v1/tasks", "sam", 401)
    assert body["message"] == "the API token is unknown, expired or revoked"


def test_revoking_my_token_makes_it_answer_401(api: ApiClient, db: Database, clock: Clock) -> None:
    spare = tokens.issue_token(db, "sam", clock(), name="spare")
    spare_id = next(t["id"] for t in api.get("/api/v1/tokens", "sam")["items"] if t["name"] == "spare")
    api.tokens["spare"] = spare
    api.get("/api/v1/tasks", "spare")
    revoked = api.post(f"/api/v1/tokens/{spare_id}/revoke", "sam")
    assert revoked["state"] == "revoked" and datetime.fromisoformat(revoked["revoked_at"]) == clock()
    api.get("/api/v1/tasks", "spare", 401)
    api.get("/api/v1/tasks", "sam")


def test_a_token_can_revoke_itself(api: ApiClient) -> None:
    (token,) = api.get("/api/v1/tokens", "sam")["items"]
    api.post(f"/api/v1/tokens/{token['id']}/revoke", "sam")
    api.get("/api/v1/tokens", "sam", 401)


def test_another_users_token_is_404_and_stays_valid(api: ApiClient) -> None:
    (theirs,) = api.get("/api/v1/tokens", "pat")["items"]
    body = api.post(f"/api/v1/tokens/{theirs['id']}/revoke", "sam", 404)
    assert body["error"] == "not_found"
    api.get("/api/v1/tasks", "pat")
    api.post("/api/v1/tokens/00000000-0000-4000-8000-000000000000/revoke", "sam", 404)


def test_revocation_is_audited(api: ApiClient, db: Database) -> None:
    from sqlalchemy import select

    from engine.models import AuditEvent

    (token,) = api.get("/api/v1/tokens", "sam")["items"]
    api.post(f"/api/v1/tokens/{token['id']}/revoke", "sam")
    with db.reading() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "token_revoked"))
    assert event.actor == "sam" and event.payload == {"username": "sam", "token_id": token["id"]}
