"""Untrusted diagrams: sandbox escapes are refused at deploy (naming the element), and what can only be
found at run time (a loop that does not end, a gigabyte string) is stopped by the evaluation's limits
with a 422 naming the element and nothing written but the audit of the attempt."""

from __future__ import annotations

import io
from typing import Any

import pytest

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import only_task, open_referral, row_counts
from tests.conftest import Clock
from tests.factories import BPMN_DIR, form_data, store_unverified

MASH = (BPMN_DIR / "mash_screening.bpmn").read_text()
DANGER = ">immediate_danger == True<"
GATEWAY = "gw_immediate_danger"
CONDITION_FLOW = "flow_immediate_danger_yes"  # deploy names the flow that carries the condition
SCRIPT = "script_between"


def _with_condition(expression: str) -> str:
    return MASH.replace(DANGER, f">{expression.replace('&', '&amp;').replace('<', '&lt;')}<")


def _with_script(script: str) -> str:
    """MASH with a script task between screening and the immediate-danger gateway."""
    flow = 'id="flow_screen_to_immediate_danger" sourceRef="screen_contact" targetRef="gw_immediate_danger" />'
    task = (f'<bpmn:scriptTask id="{SCRIPT}" name="Script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
            f'<bpmn:sequenceFlow id="flow_script_to_gateway" sourceRef="{SCRIPT}" targetRef="gw_immediate_danger" />')
    return MASH.replace(flow, flow.replace('targetRef="gw_immediate_danger"', f'targetRef="{SCRIPT}"') + task)


def _deploy(api: ApiClient, xml: str, expected: int) -> Any:
    body = {"file": (io.BytesIO(xml.encode()), "mash_screening.bpmn")}
    return api.post("/api/v1/definitions", "owen", expected, data=body, content_type="multipart/form-data")


ESCAPES = {
    "import": '__import__("os").system("true") == 0',
    "class walk": "len(().__class__.__bases__) > 0",
    "open": 'open("/etc/passwd") is None',
    "exec": 'exec("x = 1") is None',
    "getattr with a dunder": 'getattr(immediate_danger, "__class__") is None',
    "format width from data": 'f"{1:>{10**9}}" == ""',
}


@pytest.mark.parametrize("expression", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_sandbox_escape_in_a_condition_is_refused_at_deploy_naming_its_flow(
    api: ApiClient, db: Database, expression: str
) -> None:
    before = row_counts(db)
    error = _deploy(api, _with_condition(expression), 422)
    assert [problem["element_id"] for problem in error["details"]] == [CONDITION_FLOW]
    assert row_counts(db) == before


def test_a_loop_that_can_never_end_is_refused_at_deploy_naming_the_script_task(api: ApiClient, db: Database) -> None:
    error = _deploy(api, _with_script("while True:\n    pass"), 422)
    assert [(p["element_id"], "never ends" in p["message"]) for p in error["details"]] == [(SCRIPT, True)]


def _screen(api: ApiClient, expected: int) -> dict:
    task = only_task(api, "sam")
    data = form_data("mash_screening", partner_checks=[], immediate_danger=True)
    result: dict = api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", expected, json={"data": data})
    return result


def _refused_at_run(api: ApiClient, db: Database, clock: Clock, xml: str, element_id: str) -> dict:
    store_unverified(db, xml=xml, key="mash_screening", now=clock())
    open_referral(api)
    before = row_counts(db)
    error = _screen(api, 422)
    assert (error["error"], error["details"]["element_id"]) == ("step_failed", element_id)
    after = row_counts(db)
    assert after.pop("audit_event") == before.pop("audit_event") + 1  # the attempt, and nothing else
    assert after == before
    assert only_task(api, "sam")["name"] == "Screen and RAG-rate contact"
    return error


def test_a_loop_that_does_not_end_is_stopped_by_the_time_limit_naming_the_script_task(
    api: ApiClient, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_SCRIPT_TIME_LIMIT", "0.2")
    error = _refused_at_run(api, db, clock, _with_script("n = 0\nwhile n &gt;= 0:\n    n += 1"), SCRIPT)
    assert error["details"]["error"] == "ScriptLimitExceeded"


def test_a_loop_that_swallows_the_limit_error_is_still_stopped(
    api: ApiClient, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_SCRIPT_TIME_LIMIT", "0.2")
    script = "n = 0\nwhile n &gt;= 0:\n    try:\n        n += 1\n    except Exception:\n        pass"
    _refused_at_run(api, db, clock, _with_script(script), SCRIPT)


def test_a_gigabyte_string_is_refused_before_it_is_built_naming_the_gateway(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    error = _refused_at_run(api, db, clock, _with_condition('len("a" * 10**9) > 0'), GATEWAY)
    assert "1,000,000,000" in error["details"]["reason"]


@pytest.mark.parametrize("script", [
    "s = 'a'\nfor i in range(40):\n    s += s",
    "s = ''.join(['x' * 1000] * 10000)",
    "s = 'x'.ljust(10**9)",
    "n = 10 ** (10 ** 8)",
])
def test_a_script_that_would_grow_without_bound_is_refused_naming_the_script_task(
    api: ApiClient, db: Database, clock: Clock, script: str
) -> None:
    _refused_at_run(api, db, clock, _with_script(script), SCRIPT)


def test_ordinary_scripts_and_conditions_still_run(api: ApiClient, db: Database, clock: Clock) -> None:
    script = "total = sum(range(10)) + len('ab' * 3)\nlabel = '{}-{}'.format('a', total)"
    store_unverified(db, xml=_with_script(script), key="mash_screening", now=clock())
    open_referral(api)
    _screen(api, 200)
