"""Deploying is verifying: a diagram that schema-valid data could crash or misroute is refused with the
element, the reason and a counterexample; the shipped diagrams pass."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from engine.db import Database
from engine.definitions import check_diagram
from engine.errors import DiagramInvalid, DiagramProblem
from engine.models import Group
from tests.factories import BPMN_DIR

LANE = "mash_screener"
SHIPPED = ["mash_screening", "strategy_discussion", "cp_conference", "lado_allegation"]


@pytest.fixture
def groups(db: Database) -> list[str]:
    with db.reading() as session:
        return list(session.scalars(select(Group.name)))


# --- a minimal BPMN writer ---------------------------------------------------------------------------


def _props(**values: str | None) -> str:
    entries = "".join(f"<spiffworkflow:property name=\"{k}\" value='{v}' />" for k, v in values.items() if v)
    properties = f"<spiffworkflow:properties>{entries}</spiffworkflow:properties>"
    return f"<bpmn:extensionElements>{properties}</bpmn:extensionElements>"


def start(form: str | None = None, element_id: str = "start") -> str:
    return f'<bpmn:startEvent id="{element_id}">{_props(form=form)}</bpmn:startEvent>'


def user_task(element_id: str, form: str, due: str | None = None, constraints: str | None = None) -> str:
    return f'<bpmn:userTask id="{element_id}">{_props(form=form, due=due, constraints=constraints)}</bpmn:userTask>'


def script_task(element_id: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{element_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def gateway(element_id: str, default: str | None = None, kind: str = "exclusiveGateway") -> str:
    default_attribute = f' default="{default}"' if default else ""
    return f'<bpmn:{kind} id="{element_id}"{default_attribute} />'


def end(element_id: str) -> str:
    return f'<bpmn:endEvent id="{element_id}" />'


def timer(element_id: str, attached_to: str, expression: str) -> str:
    return (f'<bpmn:boundaryEvent id="{element_id}" cancelActivity="false" attachedToRef="{attached_to}">'
            f'<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">{expression}'
            f'</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>')


def flow(source: str, target: str, condition: str | None = None, element_id: str | None = None) -> str:
    flow_id = element_id or f"flow_{source}_{target}"
    body = f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>' \
        if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def diagram(*parts: str) -> bytes:
    """A one-lane executable process holding `parts` (BPMN without diagram interchange)."""
    body = "".join(parts)
    nodes = [i for i in re.findall(r'<bpmn:(?!sequenceFlow)\w+ id="([^"]+)"', body)]
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://example.com/t">'
        f'<bpmn:process id="verify_me" isExecutable="true"><bpmn:laneSet id="lanes">'
        f'<bpmn:lane id="lane" name="{LANE}">{refs}</bpmn:lane></bpmn:laneSet>{body}</bpmn:process>'
        "</bpmn:definitions>"
    ).encode()


def refused(data: bytes, groups: list[str]) -> list[DiagramProblem]:
    with pytest.raises(DiagramInvalid) as refusal:
        check_diagram(data, "verify_me.bpmn", groups)
    return refusal.value.problems


def only_problem(data: bytes, groups: list[str]) -> DiagramProblem:
    problems = refused(data, groups)
    assert len({p.element_id for p in problems}) == 1, [p.message for p in problems]
    return problems[0]


def screened_then(*parts: str) -> bytes:
    """start -> screen (mash_screening) -> gw, followed by `parts`."""
    return diagram(start(), user_task("screen", "mash_screening"), gateway("gw", default="flow_default"),
                   end("end_default"), end("end_yes"), flow("start", "screen"), flow("screen", "gw"),
                   flow("gw", "end_default", element_id="flow_default"), *parts)


# --- rule 1: what a condition reads is defined on every path ------------------------------------------


def test_a_gateway_reading_an_optional_field_is_refused_with_the_task_that_may_omit_it(groups: list[str]) -> None:
    problem = only_problem(screened_then(flow("gw", "end_yes", "len(partner_checks) &gt; 0")), groups)

    assert (problem.element_id, problem.tag) == ("gw", "exclusiveGateway")
    assert "reads 'partner_checks', which is not defined on every path" in problem.message
    assert "'screen' may be submitted without it" in problem.message
    counterexample: Any = problem.counterexample
    assert (counterexample["task"], counterexample["omits"]) == ("screen", "partner_checks")
    assert "partner_checks" not in counterexample["submission"] and "rag" in counterexample["submission"]
    assert problem.as_dict()["counterexample"] == counterexample


def test_the_same_field_read_from_the_tasks_answer_with_a_default_passes(groups: list[str]) -> None:
    condition = 'len(answers["screen"].get("partner_checks", [])) &gt; 0'
    assert check_diagram(screened_then(flow("gw", "end_yes", condition)), "ok.bpmn", groups).key == "verify_me"


def test_an_answer_field_the_form_does_not_require_is_refused(groups: list[str]) -> None:
    problem = only_problem(screened_then(flow("gw", "end_yes", 'answers["screen"]["partner_checks"]')), groups)

    assert problem.element_id == "gw"
    assert "answers[\"screen\"][\"partner_checks\"], which form 'mash_screening' does not require" in problem.message


def test_a_flat_stamped_field_must_say_whose_it_is(groups: list[str]) -> None:
    data = diagram(start(), user_task("screen", "mash_screening"),
                   user_task("decide", "mash_decision", due="add_working_days(completed_at, 1)"), end("end"),
                   flow("start", "screen"), flow("screen", "decide"), flow("decide", "end"))

    problem = only_problem(data, groups)

    assert (problem.element_id, problem.tag) == ("decide", "userTask")
    assert "reads 'completed_at', which every task stamps" in problem.message


def test_a_field_both_joined_strands_write_must_be_read_from_one_strands_answer(groups: list[str]) -> None:
    data = diagram(start(), gateway("split", kind="parallelGateway"), user_task("police", "police_strand_outcome"),
                   user_task("disciplinary", "disciplinary_outcome"), gateway("join", kind="parallelGateway"),
                   gateway("gw", default="flow_default"), end("end_default"), end("end_yes"),
                   flow("start", "split"), flow("split", "police"), flow("split", "disciplinary"),
                   flow("police", "join"), flow("disciplinary", "join"), flow("join", "gw"),
                   flow("gw", "end_default", element_id="flow_default"),
                   flow("gw", "end_yes", 'outcome == "substantiated"'))

    problem = only_problem(data, groups)

    assert problem.element_id == "gw"
    assert "reads 'outcome', which strands joined before it may each have written (disciplinary, police)" \
        in problem.message


def test_a_condition_narrowed_by_an_earlier_gateway_may_read_what_the_form_then_requires(
    groups: list[str],
) -> None:
    data = diagram(start(), user_task("hold", "strategy_discussion"), gateway("gw", default="flow_other"),
                   gateway("gw_route"), end("end_other"), end("end_s17"), end("end_nfa"),
                   flow("start", "hold"), flow("hold", "gw"), flow("gw", "end_other", element_id="flow_other"),
                   flow("gw", "gw_route", 'decision == "no_s47"'),
                   flow("gw_route", "end_s17", 'no_s47_route == "cin_assessment_s17"'),
                   flow("gw_route", "end_nfa", 'no_s47_route == "nfa"'))

    assert check_diagram(data, "narrowed.bpmn", groups).key == "verify_me"


# --- rule 2: conditions over a closed enum cover every value ------------------------------------------


def test_a_gateway_missing_an_enum_value_without_a_default_is_refused_with_that_value(groups: list[str]) -> None:
    data = diagram(start(), user_task("decide", "mash_decision"), gateway("gw"), end("end_nfa"), end("end_help"),
                   flow("start", "decide"), flow("decide", "gw"),
                   flow("gw", "end_nfa", 'decision == "nfa"'), flow("gw", "end_help", 'decision == "early_help"'))

    problem = only_problem(data, groups)

    assert problem.element_id == "gw"
    assert "no outgoing flow matches decision='advice_signpost'" in problem.message
    assert problem.counterexample == {"values": {"decision": "advice_signpost"}}


def test_a_condition_that_raises_for_a_schema_valid_value_is_refused_with_that_value(groups: list[str]) -> None:
    problem = only_problem(screened_then(flow("gw", "end_yes", '{"red": 1, "amber": 2}[rag] &gt; 1')), groups)

    assert problem.element_id == "gw"
    assert "fails for schema-valid values rag='green' (KeyError" in problem.message
    assert problem.counterexample == {"values": {"rag": "green"}}


# --- rule 3: the dry run ------------------------------------------------------------------------------


def test_a_due_expression_reading_an_unknown_variable_is_refused(groups: list[str]) -> None:
    data = diagram(start(), user_task("screen", "mash_screening", due="add_working_days(allocated_at, 1)"),
                   end("end"), flow("start", "screen"), flow("screen", "end"))

    problem = only_problem(data, groups)

    assert (problem.element_id, problem.tag) == ("screen", "userTask")
    assert "its due expression reads 'allocated_at', which is not defined on every path" in problem.message


@pytest.mark.parametrize(
    ("due", "shown"),
    [('"2026-03-02T10:00:00"', "'2026-03-02T10:00:00'"), ('"2026-03-02"', "'2026-03-02'"), ("42", "42")],
    ids=["naive", "date-only", "not-a-date"],
)
def test_a_due_expression_that_gives_no_aware_date_time_is_refused(groups: list[str], due: str, shown: str) -> None:
    data = diagram(start(), user_task("screen", "mash_screening", due=due), end("end"),
                   flow("start", "screen"), flow("screen", "end"))

    problem = only_problem(data, groups)

    assert problem.element_id == "screen"
    assert f"its due expression gave {shown}, not a date-time with a timezone offset" in problem.message
    assert problem.counterexample is not None and problem.counterexample["path"][0]["task"] == "start"


def test_a_timer_expression_that_fails_is_refused_at_the_timer(groups: list[str]) -> None:
    data = diagram(start(), user_task("screen", "mash_screening"), timer("overdue", "screen",
                   'add_working_days(received_at, "one")'), end("end"), end("end_overdue"),
                   flow("start", "screen"), flow("screen", "end"), flow("overdue", "end_overdue"))

    problem = only_problem(data, groups)

    assert (problem.element_id, problem.tag) == ("overdue", "boundaryEvent")
    assert "the dry run failed here: ValueError" in problem.message


def test_a_script_that_fails_for_some_submission_is_refused_with_the_path_that_led_there(
    groups: list[str],
) -> None:
    script = 'weight = {"red": 3, "amber": 2}[answers["screen"]["rag"]]'
    data = diagram(start(), user_task("screen", "mash_screening"), script_task("weigh", script), end("end"),
                   flow("start", "screen"), flow("screen", "weigh"), flow("weigh", "end"))

    problem = only_problem(data, groups)

    assert (problem.element_id, problem.tag) == ("weigh", "scriptTask")
    assert "key 'green' is missing" in problem.message
    path: Any = problem.counterexample and problem.counterexample["path"]
    assert [step.get("task") for step in path] == ["start", "screen"]
    assert path[-1]["submission"]["rag"] == "green"


# --- rule 4: constraints ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraints", "reason"),
    [('{"colour": ["red"]}', "names 'colour', which form 'mash_screening' does not have"),
     ("not json", "constraints are not JSON"), ('{"rag": []}', "must be a value or a non-empty list")],
    ids=["unknown-field", "not-json", "empty"],
)
def test_a_bad_constraints_property_is_refused_on_its_task(groups: list[str], constraints: str, reason: str) -> None:
    data = diagram(start(), user_task("screen", "mash_screening", constraints=constraints), end("end"),
                   flow("start", "screen"), flow("screen", "end"))

    (problem,) = refused(data, groups)

    assert (problem.element_id, problem.tag) == ("screen", "userTask")
    assert problem.message.startswith("its constraints are refused") and reason in problem.message


def test_constraints_no_example_can_meet_are_refused_because_the_dry_run_cannot_go_on(groups: list[str]) -> None:
    data = diagram(start(), user_task("screen", "mash_screening", constraints='{"rag": ["purple"]}'), end("end"),
                   flow("start", "screen"), flow("screen", "end"))

    problem = only_problem(data, groups)

    assert problem.element_id == "screen"
    assert "no example of form 'mash_screening' is valid under the task's constraints" in problem.message


# --- the shipped diagrams -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", SHIPPED)
def test_each_shipped_diagram_verifies(groups: list[str], key: str) -> None:
    data = (BPMN_DIR / f"{key}.bpmn").read_bytes()
    assert check_diagram(data, f"{key}.bpmn", groups).key == key


def _shipped(key: str, old: str, new: str) -> bytes:
    text = (BPMN_DIR / f"{key}.bpmn").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new).encode("utf-8")


def test_the_conference_diagram_without_its_type_constraints_is_refused_at_the_icpc_decision(
    groups: list[str],
) -> None:
    data = _shipped("cp_conference", "<spiffworkflow:property name=\"constraints\" value='{\"type\": [\"initial\", "
                    "\"pre_birth\"]}' />", "")

    problems = refused(data, groups)

    assert {p.element_id for p in problems} == {"gw_icpc_decision"}
    assert "'hold_conference' may be submitted without it" in problems[0].message


def test_the_old_mash_partner_checks_condition_is_refused(groups: list[str]) -> None:
    data = _shipped("mash_screening", 'len(answers["screen_contact"].get("partner_checks", [])) &gt; 0',
                    "len(partner_checks) &gt; 0")

    problems = refused(data, groups)

    assert {p.element_id for p in problems} == {"gw_partner_checks_needed"}


def test_a_lado_clock_read_from_the_flat_completion_time_is_refused(groups: list[str]) -> None:
    data = _shipped("lado_allegation", """name="due" value='add_calendar_months(completed["determine_outcome"], 1)'""",
                    'name="due" value="add_calendar_months(completed_at, 1)"')

    (problem,) = refused(data, groups)

    assert problem.element_id == "dbs_referral"
    assert "reads 'completed_at', which every task stamps" in problem.message
