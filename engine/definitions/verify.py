"""Deploying is verifying: what schema-valid data can do to a diagram, checked before it is stored.

Run by `check_diagram` after the structural checks pass. In order:
- every `constraints` property must be one `parse_constraints` accepts for the task's form;
- the read rules (`gateways`): names read by conditions, `due` and timers are defined on every path,
  and conditions over enumerated values cover every value or have a default flow;
- the dry run (`dryrun`): the diagram runs in memory through SpiffWorkflow and the real script engine
  with examples and variants of the forms' data, and every failure is reported where it happened.
Each problem names the element, the reason and, where there is one, a counterexample.
"""

from __future__ import annotations

import ast
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as BpmnUserTask

import forms
from engine.definitions.dataflow import Dataflow, TaskForm
from engine.definitions.dryrun import DryRun
from engine.definitions.gateways import Finding, ReadRules
from engine.definitions.graph import ProcessGraph, keyed_reads, node_expressions, process_graph
from engine.definitions.spiff import properties_of, sentence
from engine.errors import DiagramProblem
from engine.taskdata import ConstraintsInvalid, parse_constraints

_VERIFIED: dict[tuple[str, str, str], list[DiagramProblem]] = {}


def verify_process(
    root: Any, spec: Any, subprocess_specs: dict[str, Any], process_key: str, file_name: str, digest: str
) -> list[DiagramProblem]:
    """Every way schema-valid data could crash or misroute the process, as deploy problems.

    The answer for the same bytes is kept for the life of the process: forms are read once per
    process too, and a redeploy of an unchanged diagram should not dry-run it again."""
    cache_key = (digest, process_key, file_name)
    if cache_key not in _VERIFIED:
        _VERIFIED[cache_key] = _verify(root, spec, subprocess_specs, process_key, file_name)
    return list(_VERIFIED[cache_key])


def _verify(
    root: Any, spec: Any, subprocess_specs: dict[str, Any], process_key: str, file_name: str
) -> list[DiagramProblem]:
    graph = process_graph(root, process_key)
    task_forms, findings = _task_forms([spec, *subprocess_specs.values()])
    if findings:
        return _problems(findings, graph, file_name)
    start_form = _start_form(spec)
    flow = Dataflow(graph, task_forms, start_form)
    findings = ReadRules(graph, flow, task_forms, start_form).findings()
    reported = {finding.element_id for finding in findings}
    dry_run = DryRun(spec, subprocess_specs, task_forms, start_form, fields_read(graph))
    findings += [finding for finding in dry_run.run() if finding.element_id not in reported]
    return _problems(findings, graph, file_name)


def _task_forms(process_specs: list[Any]) -> tuple[dict[str, TaskForm], list[Finding]]:
    task_forms: dict[str, TaskForm] = {}
    findings = []
    for process_spec in process_specs:
        for task in process_spec.task_specs.values():
            props = properties_of(task)
            form_key = props.get("form")
            if not isinstance(task, BpmnUserTask) or not form_key or not forms.form_exists(form_key):
                continue
            try:
                constraints = parse_constraints(props.get("constraints"), form_key)
            except ConstraintsInvalid as exc:
                findings.append(Finding(task.bpmn_id, f"its constraints are refused: {exc}"))
                continue
            task_forms[task.bpmn_id] = TaskForm(form_key, constraints)
    return task_forms, findings


def _start_form(spec: Any) -> str | None:
    starts = [t for t in spec.task_specs.values() if isinstance(t, StartEvent)]
    form_key = properties_of(starts[0]).get("form") if len(starts) == 1 else None
    return form_key if form_key and forms.form_exists(form_key) else None


def fields_read(graph: ProcessGraph) -> frozenset[str]:
    """Every name any expression or script of the process reads, and every field it looks up by key."""
    sources = [flow.condition for flow in graph.flows.values() if flow.condition]
    for node in graph.nodes.values():
        sources += [source for _, source in node_expressions(node)]
        sources += [node.script] if node.script else []
    names: set[str] = set()
    for source in sources:
        names |= _names_in(source)
        names |= {read.field for read in keyed_reads(source) if read.field}
    return frozenset(names)


def _names_in(source: str) -> set[str]:
    for mode in ("eval", "exec"):
        try:
            tree = ast.parse(source.strip(), mode=mode)
        except (SyntaxError, ValueError, RecursionError):
            continue
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        return names
    return set()


def _problems(findings: list[Finding], graph: ProcessGraph, file_name: str) -> list[DiagramProblem]:
    return [
        DiagramProblem(sentence(finding.message), element_id=finding.element_id or None,
                       tag=graph.tag_of(finding.element_id), file_name=file_name,
                       counterexample=finding.counterexample)
        for finding in findings
    ]
