"""Parse and check BPMN with SpiffWorkflow before anything is deployed; cache parsed specs.

Uploaded diagrams are untrusted: the XML is parsed with DTDs, entities and network access off,
and every expression is compiled under RestrictedPython. Our own rules on top of SpiffWorkflow's:
every user task sits in a lane that names a group and names a form that exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as BpmnUserTask
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

import forms
from engine.errors import DiagramInvalid, DiagramProblem
from engine.models import ProcessDefinition
from engine.scripting import UnsafeScript, compile_expression, compile_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _engine_now(task: Any) -> datetime:
    return getattr(task.workflow.script_engine, "now", None) or datetime.now(UTC)


class ClockedTimeDate(TimeDateEventDefinition):
    """A timeDate timer compared with the engine's clock, not SpiffWorkflow's wall clock."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.parse_time_or_duration(value) <= _engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDuration(DurationTimerEventDefinition):
    """A timeDuration timer started from, and compared with, the engine's clock."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            duration = TimerEventDefinition.parse_iso_duration(expression)
            start = _engine_now(my_task)
            value = (start + TimerEventDefinition.get_timedelta_from_start(duration, start)).isoformat()
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.get_datetime(value) <= _engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


CLOCKED_TIMERS: dict[type, type] = {
    TimeDateEventDefinition: ClockedTimeDate,
    DurationTimerEventDefinition: ClockedDuration,
}


class _ClockedTimerMixin:
    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        clocked = CLOCKED_TIMERS.get(type(definition))
        if clocked is None:
            return definition
        return clocked(definition.name, definition.expression, description=definition.description)


class _StartParser(_ClockedTimerMixin, SpiffStartEventParser):
    pass


class _BoundaryParser(_ClockedTimerMixin, SpiffBoundaryEventParser):
    pass


class _CatchParser(_ClockedTimerMixin, SpiffIntermediateCatchEventParser):
    pass


class SosBpmnParser(SpiffBpmnParser):
    """SpiffBpmnParser whose timers obey the engine's clock."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (_StartParser, StartEvent),
        full_tag("boundaryEvent"): (_BoundaryParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (_CatchParser, IntermediateCatchEvent),
    }


@dataclass
class CheckedDiagram:
    """A diagram that passed every check, ready to store as a new version."""

    key: str
    name: str
    sha256: str
    xml: str
    start_form: str | None
    start_lane: str | None
    report: dict[str, Any] = field(default_factory=dict)


XXE_PROBLEM = "DOCTYPE and entity declarations are refused (they enable XML external entity attacks)"


def _xml_parser(**options: Any) -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **options)


class _DoctypeSeen:
    """A parser target that notes a DOCTYPE, even in a document that then fails to parse."""

    def __init__(self) -> None:
        self.seen = False

    def doctype(self, *_: Any) -> None:
        self.seen = True

    def close(self) -> bool:
        return self.seen


def _declares_doctype(data: bytes) -> bool:
    target = _DoctypeSeen()
    with contextlib.suppress(etree.LxmlError):
        etree.fromstring(data, _xml_parser(target=target))
    return target.seen


def _safe_parse(data: bytes, file_name: str) -> Any:
    if len(data) > MAX_UPLOAD_BYTES:
        raise DiagramInvalid(
            [DiagramProblem(f"the file is larger than {MAX_UPLOAD_BYTES} bytes", file_name=file_name)]
        )
    # The byte search refuses before lxml sees the bytes, but misses other encodings (UTF-16): those are
    # caught by the DOCTYPE lxml reports, or, when an entity makes the parse fail, by a second look.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)])
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        if _declares_doctype(data):
            raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)]) from exc
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise DiagramInvalid(
            [DiagramProblem(f"the file is not well-formed XML: {exc.msg}", line=line, file_name=file_name)]
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DiagramInvalid([DiagramProblem(XXE_PROBLEM, file_name=file_name)])
    if root.tag != f"{{{BPMN_NS}}}definitions":
        localname = etree.QName(root).localname
        raise DiagramInvalid(
            [DiagramProblem(f"not a BPMN 2.0 document: the root element is {localname}", file_name=file_name)]
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiagramInvalid(
            [DiagramProblem("the file is not UTF-8 encoded; save it as UTF-8", file_name=file_name)]
        ) from exc
    return root


_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")
MAX_MESSAGE_CHARS = 300


def _sentence(text: str) -> str:
    """One line of plain words: SpiffWorkflow and RestrictedPython messages can carry
    namespaces, object reprs, newlines and whole expressions."""
    text = _ELEMENT_REPR.sub(r"\1", text).replace(f"{{{BPMN_NS}}}", "bpmn:")
    text = " ".join(text.split()).rstrip(". ")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"
    return text


def _element_id_at(root: Any, line: int | None) -> str | None:
    if not line:
        return None
    return next((el.get("id") for el in root.iter(etree.Element) if el.sourceline == line and el.get("id")), None)


def _spiff_problem(exc: ValidationException, file_name: str, root: Any) -> DiagramProblem:
    line = getattr(exc, "line_number", None) or None
    message = str(exc.args[0]) if exc.args else ""
    cause = exc.__context__
    if cause is not None and message == repr(cause):  # SpiffWorkflow wraps its own crashes as repr(exception)
        message = f"SpiffWorkflow cannot read this element ({type(cause).__name__}: {cause})"
    return DiagramProblem(
        message=_sentence(message) or "SpiffWorkflow refused the diagram",
        element_id=getattr(exc, "id", None) or _element_id_at(root, line),
        tag=getattr(exc, "tag", None) or None,
        line=line,
        file_name=file_name,
    )


def _unexpected_problem(what: str, exc: Exception, file_name: str) -> DiagramProblem:
    detail = _sentence(str(exc))
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return DiagramProblem(_sentence(f"{what} ({reason})"), file_name=file_name)


def _parse_with_spiff(root: Any, file_name: str) -> SosBpmnParser:
    parser = SosBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, file_name)
    except ValidationException as exc:
        raise DiagramInvalid([_spiff_problem(exc, file_name, root)]) from exc
    except Exception as exc:  # SpiffWorkflow raises bare errors on constructs it does not support
        raise DiagramInvalid([_unexpected_problem("SpiffWorkflow cannot read this diagram", exc, file_name)]) from exc
    return parser


def _choose_process(parser: SosBpmnParser, key: str | None, file_name: str) -> str:
    executable = parser.get_process_ids()
    if not executable:
        problem = "no executable process: set isExecutable=\"true\" on the process to deploy"
        raise DiagramInvalid([DiagramProblem(problem, file_name=file_name)])
    if key is not None:
        if key not in executable:
            raise DiagramInvalid([DiagramProblem(f"no executable process with id '{key}'", file_name=file_name)])
        return key
    if len(executable) > 1:
        problem = f"several executable processes ({', '.join(sorted(executable))}); name one as `key`"
        raise DiagramInvalid([DiagramProblem(problem, file_name=file_name)])
    return str(executable[0])


def _load_specs(parser: SosBpmnParser, root: Any, key: str, file_name: str) -> tuple[Any, dict[str, Any]]:
    try:
        return parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DiagramInvalid([_spiff_problem(exc, file_name, root)]) from exc
    except Exception as exc:
        problem = _unexpected_problem(f"SpiffWorkflow cannot build process '{key}'", exc, file_name)
        raise DiagramInvalid([problem]) from exc


def check_diagram(
    data: bytes, file_name: str, known_groups: Iterable[str], key: str | None = None
) -> CheckedDiagram:
    """Every check a deploy needs; raises DiagramInvalid listing each problem with its element."""
    root = _safe_parse(data, file_name)
    parser = _parse_with_spiff(root, file_name)
    process_key = _choose_process(parser, key, file_name)
    spec, subprocess_specs = _load_specs(parser, root, process_key, file_name)
    groups = set(known_groups)
    problems = _expression_problems(root, file_name)
    all_specs = [spec, *subprocess_specs.values()]
    for process_spec in all_specs:
        problems += _task_problems(process_spec, groups, file_name)
    if problems:
        raise DiagramInvalid(problems)
    start = _start_event(spec)
    return CheckedDiagram(
        key=process_key,
        name=spec.description or process_key,
        sha256=hashlib.sha256(data).hexdigest(),
        xml=data.decode("utf-8"),
        start_form=properties_of(start).get("form") if start else None,
        start_lane=start.lane if start else None,
        report={"user_tasks": sum(len(_user_tasks(s)) for s in all_specs), "processes": len(all_specs)},
    )


def properties_of(task_spec: Any) -> dict[str, str]:
    """The `spiffworkflow:property` values on an element (empty when there are none)."""
    return dict(getattr(task_spec, "extensions", {}).get("properties", {}) or {})


def _user_tasks(process_spec: Any) -> list[Any]:
    return [t for t in process_spec.task_specs.values() if isinstance(t, BpmnUserTask)]


def _start_event(process_spec: Any) -> Any:
    starts = [t for t in process_spec.task_specs.values() if isinstance(t, StartEvent)]
    return starts[0] if len(starts) == 1 else None


def _task_problems(process_spec: Any, groups: set[str], file_name: str) -> list[DiagramProblem]:
    problems = []
    for task in _user_tasks(process_spec):
        reason = _user_task_problem(task, groups)
        if reason:
            problems.append(DiagramProblem(reason, element_id=task.bpmn_id, tag="userTask", file_name=file_name))
    start = _start_event(process_spec)
    start_form = properties_of(start).get("form") if start else None
    if start_form and not forms.form_exists(start_form):
        problems.append(
            DiagramProblem(f"the start event names form '{start_form}', which does not exist",
                           element_id=start.bpmn_id, tag="startEvent", file_name=file_name)
        )
    return problems


def _user_task_problem(task: Any, groups: set[str]) -> str | None:
    label = f"user task '{task.bpmn_name or task.bpmn_id}'"
    if not task.lane:
        return f"{label} is in no lane; put it in the lane of the group that does it"
    if task.lane not in groups:
        return f"{label} is in lane '{task.lane}', which is not a group (lane names must be group names)"
    performer = properties_of(task).get("performer")
    if performer not in (None, "case_opener"):
        return f"{label} has performer '{performer}'; the only performer is 'case_opener'"
    form_key = properties_of(task).get("form")
    if not form_key:
        return f"{label} names no form; add the property `form`"
    if not forms.form_exists(form_key):
        return f"{label} names form '{form_key}', which does not exist in forms/"
    return None


_EXPRESSION_PATHS = {
    ".//bpmn:conditionExpression": compile_expression,
    ".//bpmn:condition": compile_expression,
    ".//bpmn:timeDate": compile_expression,
    ".//bpmn:timeDuration": compile_expression,
    ".//bpmn:loopCardinality": compile_expression,
    ".//bpmn:completionCondition": compile_expression,
    ".//bpmn:loopCondition": compile_expression,
    ".//bpmn:messagePath": compile_expression,
    ".//bpmn:script": compile_script,
    ".//spiffworkflow:preScript": compile_script,
    ".//spiffworkflow:postScript": compile_script,
    ".//spiffworkflow:property[@name='due']/@value": compile_expression,
}


def _expression_problems(root: Any, file_name: str) -> list[DiagramProblem]:
    problems = [
        DiagramProblem("cycle timers are not supported: draw a loop back through a timeDate timer",
                       element_id=_owner_id(node), tag="timeCycle", line=node.sourceline, file_name=file_name)
        for node in root.iterfind(".//bpmn:timeCycle", NS)
    ]
    for path, compile_ in _EXPRESSION_PATHS.items():
        for node in root.xpath(path, namespaces=NS):
            problem = _compile_problem(node, compile_, file_name)
            if problem:
                problems.append(problem)
    return problems


def _compile_problem(node: Any, compile_: Any, file_name: str) -> DiagramProblem | None:
    is_attribute = isinstance(node, str)
    source = str(node) if is_attribute else (node.text or "")
    element = node.getparent() if is_attribute else node
    if not source.strip():
        return None
    try:
        compile_(source)
    except (UnsafeScript, SyntaxError) as exc:
        reason = str(exc)
    except (RecursionError, MemoryError):  # what Python's compiler raises on very deep nesting
        reason = "it is nested too deeply to compile"
    else:
        return None
    return DiagramProblem(_sentence(f"expression refused: {reason}"), element_id=_owner_id(element),
                          tag=etree.QName(element).localname, line=element.sourceline, file_name=file_name)


def _owner_id(node: Any) -> str | None:
    # An event definition is not selectable in a modeller; name the event that holds it.
    while node is not None and (node.get("id") is None or etree.QName(node).localname.endswith("EventDefinition")):
        node = node.getparent()
    return node.get("id") if node is not None else None


_SPECS: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def parsed_specs(definition: ProcessDefinition) -> tuple[Any, dict[str, Any]]:
    """The parsed spec of one stored (immutable) definition version, parsed once per process."""
    cache_key = (definition.id, definition.sha256)
    if cache_key not in _SPECS:
        file_name = f"{definition.key}.bpmn"
        root = _safe_parse(definition.bpmn_xml.encode("utf-8"), file_name)
        _SPECS[cache_key] = _load_specs(_parse_with_spiff(root, file_name), root, definition.key, file_name)
    return _SPECS[cache_key]
