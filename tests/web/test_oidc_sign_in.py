"""OIDC sign-in against a real provider running locally (authlib's server side, RS256, PKCE, nonce)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from api.app import create_app
from engine import accounts
from engine.db import Database
from engine.models import AuditEvent, Membership, User
from tests.conftest import Clock
from tests.web.conftest import WebClient
from tests.web.oidc_provider import Client, Person, Provider

CALLBACK = "http://localhost/sign-in/callback"
GROUP_MAP = {"MASH-Screeners": "mash_screener", "MASH-Managers": ["mash_manager", "mash_screener"]}


@pytest.fixture
def provider() -> Iterator[Provider]:
    person = Person(sub="00u-4821", username="sam.smith@council.example", name="Sam Smith",
                    groups=["MASH-Screeners", "All-Staff"])
    provider = Provider(person, Client("sosflow", "client-secret", [CALLBACK]))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_app(db: Database, clock: Clock, provider: Provider) -> Flask:
    return create_app(db, clock=clock, SECRET_KEY="test", SOSFLOW_OIDC_ISSUER=provider.issuer,
                      SOSFLOW_OIDC_CLIENT_ID="sosflow", SOSFLOW_OIDC_CLIENT_SECRET="client-secret",
                      SOSFLOW_OIDC_GROUP_MAP=GROUP_MAP)


def _sign_in_at_provider(web: WebClient, next_path: str = "/") -> tuple[int, str]:
    """Follow the flow as a browser: our redirect, the provider's approval, back to our callback."""
    start = web.client.get(f"/sign-in?next={next_path}")
    assert start.status_code == 302
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    done = web.client.get(f"{back.path}?{back.query}")
    return done.status_code, done.headers.get("Location", done.get_data(as_text=True))


def _groups(db: Database, username: str) -> set[str]:
    with db.reading() as session:
        query = select(Membership.group_name).join(User, User.id == Membership.user_id)
        return set(session.scalars(query.where(User.username == username)))


def test_sign_in_through_the_provider_provisions_the_user_with_mapped_groups(oidc_app: Flask, db: Database,
                                                                             provider: Provider) -> None:
    web = WebClient(oidc_app.test_client())
    assert _sign_in_at_provider(web) == (303, "/")
    page = web.page("/")
    assert page.text("h1") == "Sam Smith"
    assert page.text("#username") == "sam.smith@council.example"
    assert page.text("#groups li") == "mash_screener"
    assert _groups(db, "sam.smith@council.example") == {"mash_screener"}
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == "sam.smith@council.example")).one()
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "signed_in"))
    assert user.oidc_subject == f"{provider.issuer}|00u-4821" and user.password_hash is None
    assert event.payload["method"] == "oidc"


def test_the_flow_uses_pkce_state_and_nonce(oidc_app: Flask, provider: Provider) -> None:
    web = WebClient(oidc_app.test_client())
    _sign_in_at_provider(web)
    (request,) = provider.authorization_requests
    assert request["code_challenge_method"] == "S256" and len(request["code_challenge"]) >= 43
    assert request["state"] and request["nonce"]
    assert request["redirect_uri"] == CALLBACK and "openid" in request["scope"].split()


def test_groups_follow_the_provider_at_each_sign_in(oidc_app: Flask, db: Database, provider: Provider) -> None:
    _sign_in_at_provider(WebClient(oidc_app.test_client()))
    provider.person.groups = ["MASH-Managers"]
    _sign_in_at_provider(WebClient(oidc_app.test_client()))
    assert _groups(db, "sam.smith@council.example") == {"mash_manager", "mash_screener"}
    with db.reading() as session:
        assert session.scalar(select(User.id).where(User.username == "sam.smith@council.example"))


def test_a_person_in_no_mapped_group_is_not_signed_in_and_the_attempt_is_audited(oidc_app: Flask, db: Database,
                                                                               provider: Provider) -> None:
    provider.person.groups = ["All-Staff"]
    web = WebClient(oidc_app.test_client())
    status, body = _sign_in_at_provider(web)
    assert status == 401 and "in no group that sosflow knows" in body
    assert web.session_cookie() is None
    with db.reading() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
    assert event.payload["username"] == "sam.smith@council.example"


def test_a_callback_with_a_forged_state_signs_nobody_in(oidc_app: Flask, provider: Provider) -> None:
    web = WebClient(oidc_app.test_client())
    start = web.client.get("/sign-in")
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(at_provider.headers["Location"]).query)
    response = web.client.get(f"/sign-in/callback?code={query['code'][0]}&state=forged")
    assert response.status_code == 401
    assert web.session_cookie() is None


def test_a_callback_from_another_browser_signs_nobody_in(oidc_app: Flask, provider: Provider) -> None:
    victim = WebClient(oidc_app.test_client())
    start = victim.client.get("/sign-in")
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    attacker = WebClient(oidc_app.test_client())  # has no state cookie for this flow
    back = urlsplit(at_provider.headers["Location"])
    assert attacker.client.get(f"{back.path}?{back.query}").status_code == 401


def test_local_passwords_are_off_when_oidc_is_configured(oidc_app: Flask, db: Database, clock: Clock) -> None:
    accounts.create_user(db, "sam", ["mash_screener"], clock(), password="correct horse battery staple")
    web = WebClient(oidc_app.test_client())
    assert web.client.get("/sign-in").status_code == 302
    response = web.client.post("/sign-in", data={"username": "sam", "password": "correct horse battery staple"})
    assert response.status_code in {400, 405}
    assert web.session_cookie() is None


def test_an_existing_local_user_of_that_name_is_linked_at_first_sign_in(oidc_app: Flask, db: Database,
                                                                        clock: Clock) -> None:
    accounts.create_user(db, "sam.smith@council.example", ["referrer"], clock())
    assert _sign_in_at_provider(WebClient(oidc_app.test_client()))[0] == 303
    assert _groups(db, "sam.smith@council.example") == {"mash_screener"}


def test_a_name_linked_to_another_provider_account_is_refused(oidc_app: Flask, db: Database,
                                                              provider: Provider) -> None:
    _sign_in_at_provider(WebClient(oidc_app.test_client()))
    provider.person.sub = "00u-someone-else"
    status, body = _sign_in_at_provider(WebClient(oidc_app.test_client()))
    assert status == 401 and "linked to another" in body


def test_signing_out_ends_an_oidc_session_too(oidc_app: Flask) -> None:
    web = WebClient(oidc_app.test_client())
    _sign_in_at_provider(web)
    session_id = web.session_cookie()
    web.post("/sign-out", {"csrf_token": web.page("/").csrf()}, 303)
    other = WebClient(oidc_app.test_client())
    other.client.set_cookie("sosflow_session", session_id or "")
    assert other.client.get("/").status_code == 303
