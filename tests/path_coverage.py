"""Which sequence flows of each diagram the tests have taken, computed from the diagrams themselves.

The `db` fixture hands every instance a test created to `record_instances`; the check in
tests/bpmn/test_path_coverage.py then compares the flows taken with every flow drawn, so a new
gateway branch without a test fails the suite.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.db import Database
from engine.definitions import BPMN_NS, parsed_specs
from engine.models import ProcessDefinition, ProcessInstance
from engine.state import load_workflow

TAKEN: dict[str, set[tuple[str, str]]] = defaultdict(set)
REACHED = TaskState.COMPLETED | TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
PATH_MODULES = ("_paths", "_journey")


def diagram_flows(path: Path) -> dict[str, tuple[str, str]]:
    """Every sequence flow of the diagram's executable process: id → (source, target)."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    flows = root.iter(f"{{{BPMN_NS}}}sequenceFlow")
    return {flow.get("id"): (flow.get("sourceRef"), flow.get("targetRef")) for flow in flows}


def _joins(workflow: Any) -> set[str]:
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    return {s.bpmn_id for spec in specs for s in spec.task_specs.values() if s.bpmn_id and len(s.inputs) > 1}


def taken_flows(workflow: Any) -> set[tuple[str, str]]:
    """(source, target) for every task reached, from its nearest diagram element above it in the tree."""
    joins = _joins(workflow)
    taken = set()
    for task in workflow.get_tasks():
        target = task.task_spec.bpmn_id
        merged_into_join = task.state == TaskState.CANCELLED and target in joins
        if not target or not (task.state & REACHED or merged_into_join):
            continue
        source = task.parent
        while source is not None and not source.task_spec.bpmn_id:
            source = source.parent
        if source is not None:
            taken.add((source.task_spec.bpmn_id, target))
    return taken


def record_instances(db: Database) -> None:
    """Add the flows taken by every instance in the database to TAKEN."""
    with db.reading() as session:
        rows = session.execute(select(ProcessInstance, ProcessDefinition).join(
            ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)).all()
        for instance, definition in rows:
            if instance.state:
                workflow = load_workflow(instance.state, *parsed_specs(definition))
                TAKEN[definition.key] |= taken_flows(workflow)
