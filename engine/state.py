"""Serialize a running workflow without its spec, and keep live workflows in a revision-keyed cache.

SpiffWorkflow's serializer embeds the whole parsed spec in every instance; we store the BPMN once
per definition version instead (`process_definition.bpmn_xml`) and rebuild the spec from it, so an
instance blob holds only its task tree and data. `STATE_FORMAT` is our own format version, kept
beside each blob so a later SpiffWorkflow upgrade can be migrated row by row.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from engine.definitions import ClockedDuration, ClockedTimeDate

STATE_FORMAT = 1


# a task's id, its parent's and its children's are written at every step; formatting a UUID costs more than a lookup
_uuid_text = lru_cache(maxsize=1 << 15)(str)
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether a value is JSON as it stands (exact dicts with text keys, lists, scalars): the registry would
    return an equal copy of it, so converting it is wasted work."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list:
        return all(_plain(item) for item in value)
    return kind in _JSON_SCALARS


class LeanTaskConverter(TaskConverter):
    """SpiffWorkflow's task converter, same output, each lookup made once: it runs for every task of every step."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent, own = task.parent, task.data
        if parent is None:
            data, delta = own, {}
        else:
            before = parent.data
            data = {}
            # most tasks pass their parent's data on unchanged: one comparison of the whole settles those
            delta = {"updates": {}, "deletions": []} if own == before else {
                "updates": {key: value for key, value in own.items() if key not in before or value != before[key]},
                "deletions": [key for key in before if key not in own]}
        internal = task.internal_data
        return {
            "id": _uuid_text(task.id), "parent": _uuid_text(task._parent) if parent is not None else None,
            "children": [_uuid_text(child) for child in task._children], "last_state_change": task.last_state_change,
            "state": task.state, "task_spec": task.task_spec.name, "triggered": task.triggered,
            "internal_data": {} if internal == {} else self.registry.convert(internal), "data": data, "delta": delta,
        }


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """The top-level workflow converter, minus the spec (restored from the definition instead)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """`WorkflowConverter.to_dict` plus subprocesses and events; workflow data that is already JSON
        (a finished workflow's whole data) goes as it is instead of through the registry."""
        data = workflow.data
        return {
            "data": data if _plain(data) else self.registry.convert(self.registry.clean(data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": self.mapping_to_dict(workflow.tasks),
            "root": str(workflow.task_tree.id),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": self.registry.convert(workflow.bpmn_events),
        }

    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> dict[str, Any]:
        """As SpiffWorkflow's, but a task goes straight to its converter (what the registry would pick)."""
        task_to_dict = self.registry.convert_to_dict[self.registry.typenames[Task]]
        convert = self.registry.convert
        return {_uuid_text(key): task_to_dict(value) if type(value) is Task else convert(value, **kwargs)
                for key, value in mapping.items()}

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    config[Task] = LeanTaskConverter
    config[ClockedTimeDate] = TimerConditionalEventDefinitionConverter
    config[ClockedDuration] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer.configure(config)


_REGISTRY = _registry()


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """The instance's state as compact JSON bytes (no spec inside)."""
    return orjson.dumps(_REGISTRY.convert(workflow))


def load_workflow(blob: bytes, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild a workflow from its blob and the spec of its definition version."""
    return _REGISTRY.restore(orjson.loads(blob), spec=spec, subprocess_specs=subprocess_specs)


def data_to_json(data: dict[str, Any]) -> dict[str, Any]:
    """Task data as JSON-safe values (dates and the like typed the serializer's way), to keep outside a blob."""
    converted: dict[str, Any] = _REGISTRY.convert(data)
    return converted


def data_from_json(stored: dict[str, Any]) -> dict[str, Any]:
    """Task data kept by `data_to_json`, with its dates and the like restored."""
    restored: dict[str, Any] = _REGISTRY.restore(stored)
    return restored


class CachedWorkflow(NamedTuple):
    """A live workflow and what the projections showed of it when it was stored (the next step's "before")."""

    workflow: BpmnWorkflow
    snapshot: Any


class WorkflowCache:
    """Live workflows keyed by instance id and revision.

    Safe under the optimistic lock: an entry is used only when its revision equals the row's, and
    a transaction that fails evicts the entry it may have mutated.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[int, CachedWorkflow]] = OrderedDict()

    def take(self, instance_id: str, revision: int) -> CachedWorkflow | None:
        """The cached workflow at exactly this revision, removed from the cache (the taker may change it)."""
        entry = self._entries.pop(instance_id, None)
        if entry is None or entry[0] != revision:
            return None
        return entry[1]

    def put(self, instance_id: str, revision: int, workflow: BpmnWorkflow, snapshot: Any = None) -> None:
        self._entries[instance_id] = (revision, CachedWorkflow(workflow, snapshot))
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def evict(self, instance_id: str) -> None:
        self._entries.pop(instance_id, None)

    def clear(self) -> None:
        self._entries.clear()
