"""Behaviour of engine.definitions.check_diagram: what a deploy accepts, and how it names what it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import Database
from engine.definitions import MAX_UPLOAD_BYTES, XXE_PROBLEM, CheckedDiagram, check_diagram
from engine.errors import DiagramInvalid, DiagramProblem
from engine.models import Group
from tests.factories import BPMN_DIR

ORIGINAL = (BPMN_DIR / "mash_screening.bpmn").read_text(encoding="utf-8")
DANGER_CONDITION = "immediate_danger == True"
TIME_DATE = ('<bpmn:timerEventDefinition id="TimerEventDefinition_timer_screening_overdue">\n        '
             '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_working_days(clock_started_at, 1)</bpmn:timeDate>')
DECISION_FORM = '<spiffworkflow:property name="form" value="mash_decision" />'
ESCALATION_END = '<bpmn:incoming>flow_review_to_escalation_end</bpmn:incoming>\n    </bpmn:endEvent>'
BPMN_DEFINITIONS = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
    'targetNamespace="http://example.com/x">'
)


@pytest.fixture
def groups(db: Database) -> list[str]:
    with db.reading() as session:
        return list(session.scalars(select(Group.name)))


def edited(old: str, new: str, text: str = ORIGINAL) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the diagram"
    return text.replace(old, new)


def refusal(data: bytes | str, groups: list[str], key: str | None = None) -> list[DiagramProblem]:
    content = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(DiagramInvalid) as refused:
        check_diagram(content, "upload.bpmn", groups, key)
    return refused.value.problems


def test_the_shipped_mash_diagram_passes_every_check(groups: list[str]) -> None:
    checked = check_diagram(ORIGINAL.encode("utf-8"), "mash_screening.bpmn", groups)

    assert isinstance(checked, CheckedDiagram)
    assert (checked.key, checked.name) == ("mash_screening", "MASH referral screening")
    assert (checked.start_form, checked.start_lane) == ("mash_service_request", "referrer")
    assert checked.xml == ORIGINAL
    # 14 steps (2 of them in the immediate-danger event sub-process, itself a process) and 28 escalation tasks:
    # 3 levels for each of 9 deadlines (one starts at level 3, one at level 2 above the hand-drawn level 1) and
    # the RED rung of the 4 partner checks.
    assert checked.report == {"user_tasks": 42, "processes": 2}


def test_a_diagram_with_a_utf8_byte_order_mark_is_accepted(groups: list[str]) -> None:
    checked = check_diagram(b"\xef\xbb\xbf" + ORIGINAL.encode("utf-8"), "mash_screening.bpmn", groups)
    assert checked.key == "mash_screening"


def _with_doctype(doctype: str, name: str) -> str:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return edited('name="Screen and RAG-rate contact"', f'name="{name}"', edited(declaration, declaration + doctype))


DOCTYPES = {
    "external_entity_in_a_task_name": _with_doctype(
        '<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "file:///etc/passwd">]>', "&leak;"),
    "external_entity_in_text": edited(
        "<bpmn:documentation>The MASH screener", "<bpmn:documentation>&leak;The MASH screener",
        _with_doctype('<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "file:///etc/passwd">]>', "Screen")),
    "billion_laughs": _with_doctype(
        "<!DOCTYPE bpmn:definitions [<!ENTITY a0 \"lol\">"
        + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)) + "]>", "&a9;"),
    "internal_entity": _with_doctype('<!DOCTYPE bpmn:definitions [<!ENTITY who "screener">]>', "&who;"),
    "bare_doctype": _with_doctype("<!DOCTYPE bpmn:definitions>", "Screen"),
    "external_dtd": _with_doctype(
        '<!DOCTYPE bpmn:definitions PUBLIC "-//x//DTD x//EN" "http://example.com/x.dtd">', "Screen"),
}
ENCODINGS = {"UTF-16": "utf-16", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}


@pytest.mark.parametrize("declared", ENCODINGS)
@pytest.mark.parametrize("document", DOCTYPES.values(), ids=DOCTYPES.keys())
def test_a_doctype_is_refused_even_when_the_encoding_hides_it_from_a_byte_search(
    groups: list[str], document: str, declared: str
) -> None:
    data = document.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(ENCODINGS[declared])
    assert b"<!DOCTYPE" not in data and b"<!ENTITY" not in data

    problems = refusal(data, groups)

    assert [p.message for p in problems] == [XXE_PROBLEM]


@pytest.mark.parametrize("document", DOCTYPES.values(), ids=DOCTYPES.keys())
def test_a_doctype_in_utf8_is_refused(groups: list[str], document: str) -> None:
    assert [p.message for p in refusal(document, groups)] == [XXE_PROBLEM]


def test_a_diagram_in_utf16_without_a_doctype_is_refused_as_not_utf8(groups: list[str]) -> None:
    data = ORIGINAL.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    (problem,) = refusal(data, groups)

    assert problem.message == "the file is not UTF-8 encoded; save it as UTF-8"


def test_a_file_of_exactly_the_size_limit_is_checked_and_one_byte_more_is_refused(groups: list[str]) -> None:
    filler = MAX_UPLOAD_BYTES - len(ORIGINAL.encode("utf-8")) - len("<!--  -->")
    at_limit = edited("</bpmn:definitions>", "</bpmn:definitions><!-- " + "x" * filler + " -->").encode("utf-8")
    assert len(at_limit) == MAX_UPLOAD_BYTES

    assert check_diagram(at_limit, "mash_screening.bpmn", groups).key == "mash_screening"
    (problem,) = refusal(at_limit + b"\n", groups)
    assert problem.message == f"the file is larger than {MAX_UPLOAD_BYTES} bytes"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is not well-formed XML: Document is empty"),
        (b"   \n", "the file is not well-formed XML: Start tag expected, '<' not found"),
        (b"<a><b></a>", "the file is not well-formed XML: Opening and ending tag mismatch: b line 1 and a"),
        (b"<html/>", "not a BPMN 2.0 document: the root element is html"),
    ],
    ids=["empty", "whitespace", "mismatched_tags", "html"],
)
def test_a_file_that_is_not_bpmn_is_refused_with_the_parsers_reason(
    groups: list[str], data: bytes, reason: str
) -> None:
    (problem,) = refusal(data, groups)
    assert problem.message.startswith(reason)
    assert problem.file_name == "upload.bpmn"


def test_a_malformed_file_after_an_entity_attack_is_still_reported_as_malformed(groups: list[str]) -> None:
    utf16_attack = DOCTYPES["external_entity_in_a_task_name"].replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert [p.message for p in refusal(utf16_attack.encode("utf-16"), groups)] == [XXE_PROBLEM]

    (problem,) = refusal(b"<a><b></a>", groups)

    assert problem.message.startswith("the file is not well-formed XML: ")


def test_an_undeclared_entity_is_reported_as_bad_xml_not_as_an_attack(groups: list[str]) -> None:
    (problem,) = refusal(edited("Screen and RAG-rate contact", "Screen&nbsp;contact"), groups)
    assert problem.message.startswith("the file is not well-formed XML: Entity 'nbsp' not defined")


@pytest.mark.parametrize(
    "expression",
    ["1" + " + 1" * 100_000, "-" * 100_000 + "1", "a" + ".b" * 100_000],
    ids=["long_sum", "deep_negation", "long_attribute_chain"],
)
def test_an_expression_too_deep_to_compile_is_refused_not_crashed(groups: list[str], expression: str) -> None:
    (problem,) = refusal(edited(DANGER_CONDITION, expression), groups)

    assert problem.element_id == "flow_immediate_danger_yes"
    assert problem.message == "expression refused: it is nested too deeply to compile"


def test_a_refused_expression_is_reported_in_one_short_line(groups: list[str]) -> None:
    expression = "(" * 300 + "\n" + "x" * 5_000 + ")" * 300

    (problem,) = refusal(edited(DANGER_CONDITION, expression), groups)

    assert problem.message.startswith("expression refused: Line 1: SyntaxError: too many nested parentheses")
    assert "\n" not in problem.message
    assert len(problem.message) <= 300


@pytest.mark.parametrize(
    ("script", "refused_name"),
    [("().__class__.__bases__[0].__subclasses__()", "__subclasses__"), ("__import__('os').system('id')", "__import__")],
    ids=["subclasses", "import"],
)
def test_a_pre_script_is_compiled_under_restrictedpython_at_deploy(
    groups: list[str], script: str, refused_name: str
) -> None:
    pre_script = f"</spiffworkflow:properties>\n<spiffworkflow:preScript>{script}</spiffworkflow:preScript>"
    diagram = edited(DECISION_FORM + "\n          " + '<spiffworkflow:property name="due" '
                     'value="add_working_days(clock_started_at, 1)" />\n          '
                     '<spiffworkflow:property name="due_rule" value="T1" />\n        </spiffworkflow:properties>',
                     DECISION_FORM + pre_script)

    (problem,) = refusal(diagram, groups)

    assert problem.element_id == "screening_decision"
    assert problem.tag == "preScript"
    assert refused_name in problem.message


def test_a_cycle_timer_names_the_event_that_holds_it(groups: list[str]) -> None:
    cycle = ('<bpmn:timerEventDefinition id="TimerEventDefinition_timer_screening_overdue">\n        '
             '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R/PT1H"</bpmn:timeCycle>')

    (problem,) = refusal(edited(TIME_DATE, cycle), groups)

    assert (problem.element_id, problem.tag) == ("timer_screening_overdue", "timeCycle")
    assert problem.message == "cycle timers are not supported: draw a loop back through a timeDate timer"


def test_a_schema_error_names_the_element_on_its_line(groups: list[str]) -> None:
    coloured = edited('<bpmn:userTask id="screen_contact"', '<bpmn:userTask colour="red" id="screen_contact"')

    (problem,) = refusal(coloured, groups)


    assert problem.element_id == "screen_contact"
    assert problem.message == "Element 'bpmn:userTask', attribute 'colour': The attribute 'colour' is not allowed"
    assert problem.line == ORIGINAL.splitlines().index('    <bpmn:userTask id="screen_contact" '
                                                       'name="Screen and RAG-rate contact">') + 1


def test_an_unresolvable_data_association_is_named_without_an_object_address(groups: list[str]) -> None:
    association = ('<bpmn:outgoing>flow_screen_to_immediate_danger</bpmn:outgoing>\n'
                   '      <bpmn:dataInputAssociation id="association"><bpmn:sourceRef>gw_outcome</bpmn:sourceRef>'
                   '<bpmn:targetRef>screen_contact</bpmn:targetRef></bpmn:dataInputAssociation>')

    (problem,) = refusal(edited("<bpmn:outgoing>flow_screen_to_immediate_danger</bpmn:outgoing>", association),
                         groups)

    assert (problem.element_id, problem.message) == ("screen_contact", "Cannot resolve dataInputAssociation sourceRef")


def test_an_event_naming_a_missing_message_is_refused_with_spiffworkflows_failure_spelled_out(
    groups: list[str]
) -> None:
    message_end = ('<bpmn:incoming>flow_review_to_escalation_end</bpmn:incoming>\n'
                   '      <bpmn:messageEventDefinition id="message_definition" messageRef="screen_contact" />\n'
                   '    </bpmn:endEvent>')

    (problem,) = refusal(edited(ESCALATION_END, message_end), groups)

    assert problem.element_id == "end_escalation_reviewed"
    assert problem.message.startswith("SpiffWorkflow cannot read this element (TypeError: ")


def test_every_problem_in_a_diagram_is_listed_with_its_element(groups: list[str]) -> None:
    diagram = edited('name="mash_partner_police"', 'name="police"')
    diagram = edited('len(answers["screen_contact"].get("partner_checks", [])) &gt; 0', "__import__('os')", diagram)

    problems = refusal(diagram, groups)

    assert {(p.element_id, p.tag) for p in problems} == {
        ("flow_checks_needed", "conditionExpression"),
        ("partner_check_police", "userTask"),
    }


@pytest.mark.parametrize(
    ("key", "reason"),
    [(None, "several executable processes (a, b); name one as `key`"), ("c", "no executable process with id 'c'")],
    ids=["no_key", "unknown_key"],
)
def test_a_file_with_several_processes_needs_a_key_that_names_one(
    groups: list[str], key: str | None, reason: str
) -> None:
    processes = "".join(
        f'<bpmn:process id="{p}" isExecutable="true"><bpmn:startEvent id="start_{p}" /></bpmn:process>' for p in "ab"
    )
    (problem,) = refusal(BPMN_DEFINITIONS + processes + "</bpmn:definitions>", groups, key)
    assert problem.message == reason


def test_a_key_picks_one_of_several_executable_processes(groups: list[str]) -> None:
    processes = "".join(
        f'<bpmn:process id="{p}" isExecutable="true"><bpmn:startEvent id="start_{p}" /></bpmn:process>' for p in "ab"
    )
    checked = check_diagram((BPMN_DEFINITIONS + processes + "</bpmn:definitions>").encode(), "two.bpmn", groups, "b")
    assert (checked.key, checked.start_form, checked.start_lane) == ("b", None, None)
