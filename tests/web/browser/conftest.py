"""Browser tests: Playwright (Python) driving Debian's chromium against the real app, served by a real WSGI
server on a free port, on the test database and clock.

Fixtures (use them from any test under tests/web/browser/):
- `live_server` → `LiveServer(url, app, db, clock)`: `create_app(db, clock=clock)` served by werkzeug's threaded
  server on 127.0.0.1; the test and the server share the same `Database`, so what a test writes with engine
  functions (`tests.factories.deploy`, `runtime.open_case`, …) the pages show at once. `live_server.url("/tasks")`.
- `demo_users` → {username: [group]}: one account per role, named after it (`referrer`, `mash_screener`,
  `mash_manager`, `auditor`, `process_owner`, …; see `engine.access.Role`), password `PASSWORD`; display names
  in `DISPLAY_NAMES` (a person's name for the roles the journeys use, else "Demo <role title>").
  `live_server` creates them, so every browser test can sign in as any role.
- `deployed(name="mash_screening.bpmn")`: deploys bpmn/<name> with its hand-off targets (`tests.factories.deploy`);
  the first test pays for the deploy checks (seconds each), later tests get the same rows copied back in.
- `browser`: one headless chromium per test session (`/usr/bin/chromium`, `--no-sandbox`). The whole folder skips
  when chromium is absent, unless `SOSFLOW_REQUIRE_BROWSER=1` (set by `.ci/run`), where that is a failure.
- `page`: a fresh page (its own cookies) with JavaScript on, at the live server's base URL (`page.goto("/tasks")`).
- `no_js_page`: the same with JavaScript disabled (what a page must do without scripts).
- `new_page(javascript=True)`: a factory of further pages, each its own browser context (another person).
- `sign_in(page, username)`: signs in through the sign-in page and lands on the home page.
- `axe_check(page, name)`: runs axe-core (from node_modules) in the page; fails on any serious or critical
  violation, listing rule, impact, help and the offending elements.
- `screenshot(page, name)`: a full-page PNG at docs/screenshots/<name>.png (shown in the README).

A browser test of another area goes in this folder (e.g. `test_dashboard.py`), so these fixtures apply:
`deployed(); sign_in(page, "mash_manager"); page.goto("/…"); axe_check(page, "x"); screenshot(page, "x")`.
axe lets through one thing only: GOV.UK Frontend's `aria-expanded` on radios that reveal a question (see below).
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select
from werkzeug.serving import BaseWSGIServer, make_server

from api.app import create_app
from engine import accounts
from engine.access import ROLE_TITLES, Role
from engine.db import Database
from engine.models import ProcessDefinition
from tests.conftest import Clock
from tests.factories import deploy

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("SOSFLOW_CHROMIUM", "/usr/bin/chromium"))
AXE_SOURCES = [ROOT / "node_modules" / "axe-core" / "axe.min.js", ROOT / "api" / "static" / "vendor" / "axe.min.js"]
STYLESHEET = ROOT / "api" / "static" / "vendor" / "govuk-frontend.min.css"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
VIEWPORT = {"width": 1100, "height": 800}
TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = ("serious", "critical")
# Every rule axe has (WCAG 2.0-2.2 A and AA, best practice); only violations are collected, which is much faster.
AXE_RUN = "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_PAGES_WITHOUT_JAVASCRIPT: weakref.WeakSet[Any] = weakref.WeakSet()


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    if not STYLESHEET.exists():
        return "no built assets in api/static/vendor (run `make assets`)"
    if not any(path.exists() for path in AXE_SOURCES):
        return "no axe-core in node_modules (run `npm ci`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the python playwright package is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    ours = [item for item in items if str(item.path).startswith(here)]
    reason = _missing() if ours else None
    if reason is None:
        return
    if os.environ.get("SOSFLOW_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"browser tests required but cannot run: {reason}")
    for item in ours:
        item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveServer:
    """The app behind a real HTTP server; `url(path)` is the absolute URL of a path on it."""

    base_url: str
    app: Flask
    db: Database
    clock: Clock

    def url(self, path: str = "/") -> str:
        return self.base_url + path


DISPLAY_NAMES = {Role.REFERRER: "Jo Evans", Role.MASH_SCREENER: "Sam Patel", Role.MASH_MANAGER: "Maya Green",
                 Role.MASH_BUSINESS_SUPPORT: "Bea Jones", Role.AUDITOR: "Audrey Khan", Role.PROCESS_OWNER: "Owen Price"}


@pytest.fixture
def demo_users(db: Database, clock: Clock) -> dict[str, list[str]]:
    users = {str(role): [str(role)] for role in Role}
    for role in Role:
        name = DISPLAY_NAMES.get(role, f"Demo {ROLE_TITLES[role]}")
        accounts.create_user(db, str(role), [str(role)], clock(), display_name=name, password=PASSWORD)
    return users


_DEPLOYED: dict[str, list[dict[str, Any]]] = {}


@pytest.fixture
def deployed(db: Database, clock: Clock) -> Callable[..., None]:
    """Deploy a diagram set into an empty definition table; the verified rows are kept for the session."""
    table = ProcessDefinition.__table__

    def deploy_once(name: str = "mash_screening.bpmn") -> None:
        rows = _DEPLOYED.get(name)
        if rows is not None:
            with db.engine.begin() as connection:
                connection.execute(insert(table), rows)
            return
        deploy(db, name=name, now=clock())
        with db.engine.connect() as connection:
            _DEPLOYED[name] = [dict(row._mapping) for row in connection.execute(select(table))]

    return deploy_once


@pytest.fixture
def live_server(db: Database, clock: Clock, demo_users: dict[str, list[str]]) -> Iterator[LiveServer]:
    # Sign-ins from one address would soon meet the production rate limit: several people sign in per test.
    app = create_app(db, clock=clock, SECRET_KEY="browser-test-key", SOSFLOW_SIGNIN_RATE_LIMIT="1000 per minute")
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, db, clock)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(javascript: bool = True) -> Any:
        context = browser.new_context(base_url=live_server.base_url, java_script_enabled=javascript,
                                      viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        made = context.new_page()
        if not javascript:
            _PAGES_WITHOUT_JAVASCRIPT.add(made)
        return made

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


@pytest.fixture
def no_js_page(new_page: Callable[..., Any]) -> Any:
    return new_page(javascript=False)


def _sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector(".account-name")


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable[..., None]:
    return _sign_in


def _axe_source() -> str:
    return next(path for path in AXE_SOURCES if path.exists()).read_text()


def _axe_check(page: Any, name: str = "") -> list[dict[str, Any]]:
    """Run axe-core in the page and fail on serious or critical violations; returns every violation found.

    axe is evaluated through the DevTools protocol, so the page's CSP (scripts from files only) does not stop it.
    A page with JavaScript off cannot run it (its timers never fire): its HTML, scripts removed, is checked in a
    page with JavaScript on, at the same URL, so its stylesheets and images load as they did."""
    if page in _PAGES_WITHOUT_JAVASCRIPT:
        return _axe_check_copy(page, name)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source() + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    blocking = [v for v in (_without_known_govuk_issue(v) for v in violations) if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"axe on {name or page.url}:\n" + "\n".join(_describe(v) for v in blocking)
    return violations


def _axe_check_copy(page: Any, name: str) -> list[dict[str, Any]]:
    html = SCRIPT_TAG.sub("", page.content())
    context = page.context.browser.new_context(viewport=VIEWPORT)
    try:
        copy = context.new_page()
        copy.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        copy.goto(page.url)
        return _axe_check(copy, name or f"{page.url} (without JavaScript)")
    finally:
        context.close()


def _without_known_govuk_issue(violation: dict[str, Any]) -> dict[str, Any]:
    """GOV.UK Frontend's script puts `aria-expanded` on a radio that reveals a conditional question. ARIA 1.2 does
    not allow it on a radio, but GOV.UK keeps it on purpose, after research with screen-reader users (a documented
    known issue: alphagov/govuk-frontend#979 and #1280). Only that attribute on those radios is let through."""
    if violation["id"] != "aria-allowed-attr":
        return violation
    nodes = [node for node in violation["nodes"] if not _is_govuk_conditional_radio(node)]
    return {**violation, "nodes": nodes, "impact": violation["impact"] if nodes else None}


def _is_govuk_conditional_radio(node: dict[str, Any]) -> bool:
    html = node.get("html", "")
    summary = node.get("failureSummary", "")
    other_attributes = re.findall(r"aria-[a-z]+=", summary.replace("aria-expanded=", ""))
    return "govuk-radios__input" in html and "aria-expanded" in summary and not other_attributes


def _describe(violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return f"- {violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


@pytest.fixture
def axe_check() -> Callable[..., list[dict[str, Any]]]:
    return _axe_check


def _screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    return _screenshot
