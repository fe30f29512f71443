"""Our deploy rules on top of SpiffWorkflow's: lanes are groups, user tasks name forms, expressions compile
under RestrictedPython; then the verification of what schema-valid data can do to the diagram."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as BpmnUserTask

import forms
from engine.definitions.spiff import choose_process, load_specs, parse_with_spiff, properties_of, sentence
from engine.definitions.xml_safety import NS, safe_parse
from engine.errors import DiagramInvalid, DiagramProblem
from engine.scripting import UnsafeScript, compile_expression, compile_script


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


def check_diagram(
    data: bytes, file_name: str, known_groups: Iterable[str], key: str | None = None
) -> CheckedDiagram:
    """Every check a deploy needs; raises DiagramInvalid listing each problem with its element."""
    root = safe_parse(data, file_name)
    parser = parse_with_spiff(root, file_name)
    process_key = choose_process(parser, key, file_name)
    spec, subprocess_specs = load_specs(parser, root, process_key, file_name)
    groups = set(known_groups)
    problems = _expression_problems(root, file_name)
    all_specs = [spec, *subprocess_specs.values()]
    for process_spec in all_specs:
        problems += _task_problems(process_spec, groups, file_name)
    if problems:
        raise DiagramInvalid(problems)
    # Imported here: the dry run needs engine.state, which imports this package's timers.
    from engine.definitions.verify import verify_process

    problems = verify_process(root, spec, subprocess_specs, process_key, file_name, hashlib.sha256(data).hexdigest())
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
    return DiagramProblem(sentence(f"expression refused: {reason}"), element_id=_owner_id(element),
                          tag=etree.QName(element).localname, line=element.sourceline, file_name=file_name)


def _owner_id(node: Any) -> str | None:
    # An event definition is not selectable in a modeller; name the event that holds it.
    while node is not None and (node.get("id") is None or etree.QName(node).localname.endswith("EventDefinition")):
        node = node.getparent()
    return node.get("id") if node is not None else None


