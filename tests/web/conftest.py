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
from werkzeug.test import TestResponse

from engine import accounts
from engine.db import Database
from tests.conftest import Clock

PASSWORD = "correct horse battery staple"
WEB_USERS = {"sam": ["mash_screener"], "maya": ["mash_manager", "mash_screener"]}


def parse_html(text: str) -> etree._Element:
    """The page as a tree; any HTML parse error (invalid markup) fails the test."""
    html5lib.HTMLParser(strict=True).parse(text)
    root: etree._Element = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False)
    return root


def select(root: etree._Element, css: str) -> list[Any]:
    found: list[Any] = root.xpath(GenericTranslator().css_to_xpath(css))
    return found


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
