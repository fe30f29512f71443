"""The one form renderer: every form of forms/ (and each of its examples) as valid GOV.UK HTML whose field
names are JSON pointers, parsed back into the same JSON; repeating groups, reveals and errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict

import forms
from api.pages.forms import parse_form, render_form
from engine.errors import FieldProblem
from tests.web.conftest import form_values, parse_html, select

PAGE = ('{% from "components/form-fields.html" import form_fields %}{% from "components/error-summary.html" '
        'import error_summary %}<!DOCTYPE html><html lang="en"><head><title>Form</title></head><body>'
        '{% if form.errors %}{{ error_summary(form.errors) }}{% endif %}'
        '<form method="post" action="/x">{{ form_fields(form.fields) }}</form></body></html>')
STAMPED = ("case_id", "author", "completed_at", "version", "child_ids")
# Each form blank and with its first example (the larger forms take a while to draw: keep the suite quick).
CASES = [(key, index) for key in forms.form_keys() for index in (-1, 0)]


def _html(app: Flask, key: str, data: Any, problems: list[FieldProblem] | None = None) -> Any:
    with app.test_request_context():
        return parse_html(render_template_string(PAGE, form=render_form(key, data, problems or [])))


def _example(key: str, index: int) -> dict[str, Any]:
    if index < 0:
        return {}
    data = copy.deepcopy(forms.load_form(key)["examples"][index])
    return {name: value for name, value in data.items() if name not in STAMPED}


def _comparable(data: Any) -> Any:
    """What a page cannot tell apart: empty lists and nulls are unanswered; option order follows the form."""
    if isinstance(data, dict):
        return {k: _comparable(v) for k, v in data.items() if v not in ([], None)}
    if isinstance(data, list):
        items = [_comparable(v) for v in data]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    if isinstance(data, str) and data.endswith("Z") and "T" in data:
        return data[:-1] + "+00:00"
    return data


@pytest.mark.parametrize(("key", "index"), CASES, ids=[f"{k}-{i}" for k, i in CASES])
def test_every_form_and_example_renders_as_valid_html_and_posts_back_the_same_json(app: Flask, key: str,
                                                                                    index: int) -> None:
    data = _example(key, index)
    root = _html(app, key, data)
    names = {e.get("name") for e in select(root, "input, textarea, select") if e.get("name")}
    assert names and all(name.startswith("/") for name in names - {"_action"})
    (form,) = select(root, "form")
    posted, action = parse_form(key, form_values(form))
    assert action == ""
    if data:
        assert _comparable(posted) == _comparable(data)
    else:  # a blank form posts only its required groups, empty, so validation names their questions
        assert all(value == {} for value in posted.values())


def test_a_referral_uses_each_kind_of_gov_uk_component(app: Flask) -> None:
    root = _html(app, "mash_service_request", _example("mash_service_request", 0))
    assert select(root, "input.govuk-input[name='/referrer/name'][value='Grace Thompson']")
    assert select(root, "textarea.govuk-textarea[name='/concern/what_happened']")
    assert select(root, "input.govuk-radios__input[name='/concern/source'][value=direct][checked]")
    assert select(root, "input.govuk-checkboxes__input[name='/concern/parental_factors'][value=domestic_abuse]"
                        "[checked]")
    assert select(root, "select.govuk-select[name='/referrer/contact_source'] option[value='2A'][selected]")
    assert select(root, ".govuk-radios--inline input[name='/concern/immediate_protection_needed'][value=false]"
                        "[checked]")
    assert select(root, "input[name='/children/0/dob:day'][value='14']")
    assert select(root, "input[name='/children/0/dob:year'][value='2018']")
    assert select(root, "input[name='/children/1/name'][value='Unborn baby Hughes']")
    assert select(root, "fieldset#field-referrer legend")


def test_an_if_then_rule_becomes_a_conditional_reveal_under_its_answer(app: Flask) -> None:
    root = _html(app, "mash_service_request", {})
    (reveal,) = select(root, ".govuk-radios__conditional textarea[name='/consent/not_sought_reason'], "
                             ".govuk-radios__conditional input[name='/consent/not_sought_reason']")
    (radio,) = select(root, "input[name='/consent/consent'][value=not_sought]")
    conditional = reveal.xpath("ancestor::div[contains(@class,'govuk-radios__conditional')]")[0]
    assert radio.get("data-aria-controls") == conditional.get("id")


def test_the_0_to_10_scale_is_inline_radios(app: Flask) -> None:
    root = _html(app, "scale_rating", _example("scale_rating", 0))
    values = [e.get("value") for e in select(root, ".govuk-radios--inline input[name='/ratings/0/value']")]
    assert values == [str(n) for n in range(11)]


def test_add_another_and_remove_round_trip_without_javascript(app: Flask) -> None:
    root = _html(app, "mash_service_request", _example("mash_service_request", 0))
    (form,) = select(root, "form")
    assert select(root, "button[name=_action][value='add:/household']")
    sent = form_values(form)
    sent["_action"] = "add:/household"
    data, action = parse_form("mash_service_request", sent)
    assert action == "add" and len(data["household"]) == 3 and data["household"][2] == {}
    sent["_action"] = "remove:/household/0"
    data, action = parse_form("mash_service_request", sent)
    assert action == "remove" and [m["name"] for m in data["household"]] == ["Dean Walsh"]


def test_posted_text_is_typed_by_the_schema(app: Flask) -> None:
    sent = MultiDict({"/concern/level_of_need_requested": "4", "/concern/immediate_protection_needed": "true",
                      "/children/0/name": "Leo", "/children/0/dob:day": "4", "/children/0/dob:month": "3",
                      "/children/0/dob:year": "2018", "/children/1/name": "", "/referrer/name": "  Grace  "})
    data, _ = parse_form("mash_service_request", sent)
    assert data["concern"]["level_of_need_requested"] == 4
    assert data["concern"]["immediate_protection_needed"] is True
    assert data["children"] == [{"name": "Leo", "dob": "2018-03-04"}]
    assert data["referrer"] == {"name": "Grace"}


def test_a_date_time_is_entered_as_a_london_date_and_time() -> None:
    sent = MultiDict({"/referrer_informed_at:day": "22", "/referrer_informed_at:month": "5",
                      "/referrer_informed_at:year": "2026", "/referrer_informed_at:time": "14:30"})
    data, _ = parse_form("referrer_feedback", sent)
    assert data["referrer_informed_at"] == "2026-05-22T14:30:00+01:00"


def test_an_impossible_date_is_kept_for_validation_to_name() -> None:
    sent = MultiDict({"/children/0/name": "Leo", "/children/0/dob:day": "31", "/children/0/dob:month": "2",
                      "/children/0/dob:year": "2018"})
    data, _ = parse_form("mash_service_request", sent)
    errors = {e.pointer for e in forms.validate_form("mash_service_request", data)}
    assert data["children"][0]["dob"] == "2018-2-31" and "/children/0/dob" in errors


def test_each_server_error_links_from_the_summary_to_its_field_and_shows_inline(app: Flask) -> None:
    data = {"referrer": {"name": "Grace"}, "children": [{"name": "Leo"}]}
    problems = [FieldProblem(e.pointer, e.message, e.validator)
                for e in forms.validate_form("mash_service_request", data)]
    root = _html(app, "mash_service_request", data, problems)
    links = select(root, ".govuk-error-summary__list a")
    assert [a.text for a in links] == [p.message for p in problems]
    for link in links:
        assert select(root, f"[id='{link.get('href')[1:]}']"), link.get("href")
    inline = ["".join(e.itertext()) for e in select(root, ".govuk-error-message")]
    assert "Enter the referrer's role" in json.dumps(inline)
    assert select(root, ".govuk-form-group--error input[name='/referrer/role']")
