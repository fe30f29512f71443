"""Page tests: a browser-like client that checks every page is valid HTML, reads forms and signs in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import html5lib
import pytest
from cssselect import GenericTranslator
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from engine import accounts
from engine.db import Database
from tests.conftest import Clock

PASSWORD = "correct horse battery staple"
WEB_USERS = {"sam": ["mash_screener"], "maya": ["mash_manager", "mash_screener"], "rita": ["referrer"]}


def parse_html(text: str) -> etree._Element:
    """The page as a tree; any HTML parse error (invalid markup) fails the test."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("lxml"), namespaceHTMLElements=False)
    root: etree._Element = parser.parse(text)
    assert parser.errors == [], parser.errors[:5]
    return root


def select(root: etree._Element, css: str) -> list[Any]:
    found: list[Any] = root.xpath(GenericTranslator().css_to_xpath(css))
    return found


def form_values(form: etree._Element) -> MultiDict[str, str]:
    """What a browser would send for `form` as it stands (checked boxes, selected options, typed text)."""
    sent: MultiDict[str, str] = MultiDict()
    for element in select(form, "input, textarea, select"):
        name = element.get("name")
        if not name or element.get("type") == "submit":
            continue
        if element.get("type") in ("radio", "checkbox"):
            if element.get("checked") is not None:
                sent.add(name, element.get("value"))
        elif element.tag == "textarea":
            sent.add(name, element.text or "")
        elif element.tag == "select":
            chosen = [o.get("value") for o in select(element, "option") if o.get("selected") is not None]
            sent.add(name, chosen[0] if chosen else "")
        else:
            sent.add(name, element.get("value") or "")
    return sent


@dataclass
class Page:
    response: TestResponse
    root: etree._Element

    def select(self, css: str) -> list[Any]:
        return select(self.root, css)

    def text(self, css: str) -> str:
        return " ".join("".join(e.itertext()).strip() for e in self.select(css))

    def csrf(self) -> str:
        (field,) = self.select("input[name=csrf_token]")[:1]
        token: str = field.get("value")
        return token


@dataclass
class WebClient:
    """A test client acting as one browser (it keeps cookies)."""

    client: FlaskClient

    def page(self, path: str, expected: int = 200, **kwargs: Any) -> Page:
        response = self.client.get(path, **kwargs)
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
        return Page(response, parse_html(response.get_data(as_text=True)))

    def post(self, path: str, data: dict[str, str], expected: int, **kwargs: Any) -> TestResponse:
        response = self.client.post(path, data=data, **kwargs)
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
        return response

    def sign_in(self, username: str, password: str = PASSWORD, expected: int = 303) -> TestResponse:
        token = self.page("/sign-in").csrf()
        return self.post("/sign-in", {"username": username, "password": password, "csrf_token": token}, expected)

    def session_cookie(self) -> str | None:
        cookie = self.client.get_cookie("sosflow_session")
        return cookie.value if cookie else None


@pytest.fixture
def web_users(db: Database, clock: Clock) -> dict[str, list[str]]:
    for name, groups in WEB_USERS.items():
        accounts.create_user(db, name, groups, clock(), display_name=name.title(), password=PASSWORD)
    return WEB_USERS


@pytest.fixture
def web(app: Flask, web_users: dict[str, list[str]]) -> WebClient:
    return WebClient(app.test_client())


@pytest.fixture
def browser(app: Flask, web_users: dict[str, list[str]]) -> Any:
    """A factory of further browsers on the same app (another person, another device)."""
    return lambda: WebClient(app.test_client())


@dataclass
class PageRequest:
    """Pages by endpoint name (`url_for`), as admin's `client_request`: asserts the status and, on every page,
    a titled, valid HTML document whose forms post to routes of this app with the CSRF token."""

    app: Flask
    web: WebClient

    def url(self, endpoint: str, **values: Any) -> str:
        with self.app.test_request_context():
            from flask import url_for

            return url_for(endpoint, **values)

    def get(self, endpoint: str, _expected_status: int = 200, **values: Any) -> Page:
        response = self.web.client.get(self.url(endpoint, **values))
        return self._checked(response, _expected_status)

    def post(self, endpoint: str, _data: dict[str, Any] | None = None, _expected_status: int = 303,
             _follow: bool = False, **values: Any) -> Page | TestResponse:
        data = {"csrf_token": self.csrf(), **(_data or {})}
        response = self.web.client.post(self.url(endpoint, **values), data=data, follow_redirects=_follow)
        if response.status_code in (301, 302, 303) and not _follow:
            assert response.status_code == _expected_status, response.get_data(as_text=True)
            return response
        return self._checked(response, _expected_status)

    def csrf(self) -> str:
        return self.web.page("/").csrf()

    def _checked(self, response: TestResponse, expected: int) -> Page:
        body = response.get_data(as_text=True)
        assert response.status_code == expected, (response.status_code, body[:3000])
        page = Page(response, parse_html(body))
        assert page.text("title").endswith(" – sosflow") and len(page.text("title")) > len(" – sosflow")
        assert len(page.select("h1")) == 1
        adapter = self.app.url_map.bind("localhost")
        for form in page.select("form"):
            method = (form.get("method") or "get").upper()
            adapter.match(form.get("action"), method=method)  # raises when no route takes it
            if method == "POST":
                assert [e for e in select(form, "input[name=csrf_token]") if e.get("value")], form.get("action")
        return page


@pytest.fixture
def page_request(app: Flask, web: WebClient) -> PageRequest:
    return PageRequest(app, web)
