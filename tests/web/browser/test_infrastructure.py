"""The browser fixtures themselves: the live server answers chromium, sign-in works, axe and screenshots run."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_signed_in_person_sees_their_name_and_role_in_the_header(page: Any, sign_in: Any) -> None:
    sign_in(page, "mash_screener")

    assert page.text_content(".account-name").strip() == "Sam Patel"
    assert page.text_content(".account-role").strip() == "MASH screener"
    assert "open task" in page.text_content(".account-open-tasks")


def test_the_sign_in_page_works_without_javascript(no_js_page: Any, sign_in: Any) -> None:
    sign_in(no_js_page, "referrer")

    assert no_js_page.evaluate("() => document.body.classList.contains('js-enabled')") is False
    assert no_js_page.text_content(".account-role").strip() == "Referrer (partner agency professional)"


def test_axe_check_fails_on_a_critical_violation_and_names_the_rule(page: Any, axe_check: Any) -> None:
    page.set_content('<!DOCTYPE html><html lang="en"><title>t</title><main><img src="x.png"></main></html>')

    with pytest.raises(AssertionError, match="image-alt"):
        axe_check(page, "an image without alternative text")


def test_axe_checks_a_page_with_javascript_off_as_it_was_rendered(no_js_page: Any, axe_check: Any,
                                                                 screenshot: Any) -> None:
    no_js_page.goto("/sign-in")

    axe_check(no_js_page, "sign in")
    screenshot(no_js_page, "sign-in")

    assert no_js_page.evaluate("() => document.body.classList.contains('js-enabled')") is False
