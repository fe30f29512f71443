"""Signing in and out with a local password: sessions, time-outs, cookies, CSRF, rate limit and audit."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from api.app import create_app
from engine.db import Database
from engine.models import AuditEvent, WebSession
from tests.conftest import Clock
from tests.web.conftest import PASSWORD, WebClient


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_the_sign_in_page_is_a_valid_form_with_username_password_and_csrf_token(web: WebClient) -> None:
    page = web.page("/sign-in")
    assert page.text("title") == "Sign in – sosflow"
    (form,) = page.select("form[method=post]")
    assert form.get("action") == "/sign-in"
    assert page.select("input#username[autocomplete=username]")
    assert page.select("input#password[type=password]")
    assert len(page.csrf()) >= 32


def test_signing_in_starts_a_session_and_shows_the_name_and_groups(web: WebClient, db: Database) -> None:
    response = web.sign_in("maya")
    assert response.headers["Location"] == "/"
    page = web.page("/")
    assert page.text("h1") == "Maya"
    assert page.text("#groups li") == "mash_manager mash_screener"
    (event,) = _events(db, "signed_in")
    assert event.actor == "maya" and event.payload["method"] == "password"


def test_the_cookie_holds_only_a_random_id_whose_hash_is_stored(web: WebClient, db: Database) -> None:
    web.sign_in("sam")
    session_id = web.session_cookie()
    assert session_id and len(session_id) >= 40
    with db.reading() as session:
        (row,) = session.scalars(select(WebSession))
    assert row.id_sha256 != session_id and session_id not in row.id_sha256


def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(web: WebClient) -> None:
    cookie = web.sign_in("sam").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(web: WebClient) -> None:
    token = web.page("/sign-in", base_url="https://localhost").csrf()
    response = web.post("/sign-in", {"username": "sam", "password": PASSWORD, "csrf_token": token}, 303,
                        base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_session_cookie_is_secure_when_configured_behind_a_tls_proxy(db: Database, clock: Clock,
                                                                         web_users: Any) -> None:
    app = create_app(db, clock=clock, SECRET_KEY="k", SOSFLOW_SECURE_COOKIES=True)
    web = WebClient(app.test_client())
    token = web.page("/sign-in").csrf()
    response = web.post("/sign-in", {"username": "sam", "password": PASSWORD, "csrf_token": token}, 303)
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_signs_nobody_in_and_is_audited_without_the_password(web: WebClient, db: Database) -> None:
    response = web.sign_in("sam", "not the password", expected=401)
    assert "Enter a correct username and password" in response.get_data(as_text=True)
    assert web.session_cookie() is None
    (event,) = _events(db, "sign_in_failed")
    assert event.payload["username"] == "sam" and event.payload["ip"] == "127.0.0.1"
    assert "not the password" not in str(event.payload)
    assert _events(db, "signed_in") == []


def test_an_unknown_username_fails_like_a_wrong_password(web: WebClient, db: Database) -> None:
    response = web.sign_in("nobody", PASSWORD, expected=401)
    assert "Enter a correct username and password" in response.get_data(as_text=True)
    assert [e.payload["username"] for e in _events(db, "sign_in_failed")] == ["nobody"]


def test_a_visitor_without_a_session_is_sent_to_sign_in_and_back_afterwards(web: WebClient) -> None:
    response = web.client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in?next=/"
    page = web.page("/sign-in?next=/")
    assert page.select("input[name=next]")[0].get("value") == "/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(web: WebClient, target: str) -> None:
    token = web.page("/sign-in").csrf()
    response = web.post("/sign-in", {"username": "sam", "password": PASSWORD, "csrf_token": token, "next": target}, 303)
    assert response.headers["Location"] == "/"


def test_signing_out_ends_the_session_so_the_old_cookie_opens_nothing(web: WebClient, browser: Any,
                                                                      db: Database) -> None:
    web.sign_in("sam")
    session_id = web.session_cookie()
    page = web.page("/")
    response = web.post("/sign-out", {"csrf_token": page.csrf()}, 303)
    assert response.headers["Location"] == "/sign-in"
    assert web.session_cookie() is None
    thief = browser()
    thief.client.set_cookie("sosflow_session", session_id)
    assert thief.client.get("/").status_code == 303
    with db.reading() as session:
        (row,) = session.scalars(select(WebSession))
    assert row.revoked_at is not None
    assert [e.actor for e in _events(db, "signed_out")] == ["sam"]


def test_a_session_idle_for_longer_than_the_idle_time_out_has_ended(web: WebClient, clock: Clock) -> None:
    web.sign_in("sam")
    clock.advance(minutes=29)
    web.page("/")  # use within the time-out keeps the session going
    clock.advance(minutes=29)
    web.page("/")
    clock.advance(minutes=30, seconds=1)
    assert web.client.get("/").status_code == 303


def test_a_session_in_use_ends_at_the_absolute_time_out(web: WebClient, clock: Clock) -> None:
    web.sign_in("sam")
    for _ in range(16):
        clock.advance(minutes=29)
        web.page("/")
    clock.advance(minutes=29)  # 8 h 3 min after sign-in, never idle for 30 minutes
    assert web.client.get("/").status_code == 303


def test_the_time_outs_are_configurable(db: Database, clock: Clock, web_users: Any) -> None:
    app = create_app(db, clock=clock, SECRET_KEY="k", SOSFLOW_SESSION_IDLE_MINUTES=5,
                     SOSFLOW_SESSION_ABSOLUTE_HOURS=1)
    web = WebClient(app.test_client())
    web.sign_in("sam")
    clock.advance(minutes=6)
    assert web.client.get("/").status_code == 303


def test_sign_out_without_the_csrf_token_is_400_and_the_session_lives_on(web: WebClient, db: Database) -> None:
    web.sign_in("sam")
    web.post("/sign-out", {}, 400)
    web.post("/sign-out", {"csrf_token": "wrong"}, 400)
    web.page("/")
    assert _events(db, "signed_out") == []


def test_another_sessions_csrf_token_is_refused(web: WebClient, browser: Any) -> None:
    other = browser()
    other.sign_in("maya")
    foreign_token = other.page("/").csrf()
    web.sign_in("sam")
    web.post("/sign-out", {"csrf_token": foreign_token}, 400)
    web.page("/")


def test_sign_in_without_the_forms_csrf_token_is_400_and_signs_nobody_in(web: WebClient, db: Database) -> None:
    web.page("/sign-in")
    response = web.post("/sign-in", {"username": "sam", "password": PASSWORD}, 400)
    assert "The form was out of date" in response.get_data(as_text=True)
    web.post("/sign-in", {"username": "sam", "password": PASSWORD, "csrf_token": "forged"}, 400)
    assert web.session_cookie() is None
    assert _events(db, "signed_in") == []


def test_a_csrf_failure_is_a_plain_html_page(web: WebClient) -> None:
    response = web.post("/sign-in", {"username": "sam", "password": PASSWORD}, 400)
    assert response.mimetype == "text/html"


def test_repeated_failures_are_rate_limited_with_429_and_every_failure_is_audited(web: WebClient,
                                                                                  db: Database) -> None:
    for _ in range(5):
        web.sign_in("sam", "guess", expected=401)
    response = web.sign_in("sam", PASSWORD, expected=429)
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert web.session_cookie() is None
    assert len(_events(db, "sign_in_failed")) == 5


def test_the_rate_limit_is_per_username_and_successes_do_not_count(web: WebClient, browser: Any) -> None:
    for _ in range(5):
        web.sign_in("sam", "guess", expected=401)
    web.sign_in("maya")  # another username from the same address is not blocked
    other = browser()
    for _ in range(6):
        other.sign_in("maya")


def test_the_rate_limit_is_configurable(db: Database, clock: Clock, web_users: Any) -> None:
    app: Flask = create_app(db, clock=clock, SECRET_KEY="k", SOSFLOW_SIGNIN_RATE_LIMIT="2 per minute")
    web = WebClient(app.test_client())
    web.sign_in("sam", "guess", expected=401)
    web.sign_in("sam", "guess", expected=401)
    web.sign_in("sam", "guess", expected=429)


def test_an_inactive_users_session_opens_nothing(web: WebClient, db: Database) -> None:
    from engine.models import User

    web.sign_in("sam")
    with db.unit_of_work() as session:
        session.scalars(select(User).where(User.username == "sam")).one().active = False
    assert web.client.get("/").status_code == 303
