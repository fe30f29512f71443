"""Which variables are defined, and who may have written them, at every point of a process.

A forward dataflow analysis to a fixed point over the sequence flows. Must-facts (`defined`,
`completed`: the names and user tasks guaranteed on every path) meet by intersection at a merge and
by union at a parallel join; may-facts (`writers`: the nodes that may have written a name last) meet
by union. A name whose writers differ between the branches a parallel or inclusive join brings
together is `ambiguous` there: SpiffWorkflow merges the branches' data, so which value survives is
an accident of order. The start event gives the runtime's start variables and the start form's
required fields; a user task removes its form's fields and then adds what its form guarantees under
its constraints; a script task adds what it assigns on every path; a boundary event starts from the
IN facts of the task it is attached to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import forms
from engine.definitions.formfacts import field_values, guaranteed_fields
from engine.definitions.graph import (
    GATEWAYS_WITH_CONDITIONS,
    Flow,
    Node,
    Pin,
    ProcessGraph,
    assigned_always,
    assigned_ever,
    equalities,
)
from engine.taskdata import ANSWERS, COMPLETED, STAMPED_FIELDS, Constraints, form_fields

START_VARIABLES = frozenset({
    "case_id", "case_reference", "referral", "subject", "received_at", "clock_started_at", "process_started_at",
    "record_and_match",
})
START = "start"
_MAX_ROUNDS = 200
# Dicts keyed by element are deep-merged at a join, and every branch stamps the same case id.
_MERGED_ALIKE = frozenset({ANSWERS, COMPLETED, "case_id"})


@dataclass(frozen=True)
class TaskForm:
    """The form a user task (or start event) fills in, and the task's narrowing of it."""

    form_key: str
    constraints: Constraints = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What holds at one point of the process on every (defined, completed) or some (writers) path."""

    defined: frozenset[str]
    completed: frozenset[str]
    writers: Mapping[str, frozenset[str]]
    ambiguous: frozenset[str] = frozenset()
    narrowed: Mapping[str, Constraints] = field(default_factory=dict)

    def constraints_of(self, element_id: str, task_form: TaskForm) -> Constraints:
        """The task's own constraints plus what the conditions taken since its answer say about it."""
        return {**task_form.constraints, **self.narrowed.get(element_id, {})}


def _meet(inputs: list[Facts], parallel: bool, join: bool, mandatory: list[Facts]) -> Facts:
    combine = frozenset.union if parallel else frozenset.intersection
    defined = combine(*[f.defined for f in inputs]).union(*[f.defined for f in mandatory])
    completed = combine(*[f.completed for f in inputs]).union(*[f.completed for f in mandatory])
    writers: dict[str, frozenset[str]] = {}
    for facts in inputs:
        for name, who in facts.writers.items():
            writers[name] = writers.get(name, frozenset()) | who
    ambiguous = frozenset.union(*[f.ambiguous for f in inputs])
    if join and len(inputs) > 1:
        ambiguous |= {name for name in writers.keys() - _MERGED_ALIKE
                      if len({f.writers[name] for f in inputs if name in f.writers}) > 1}
    return Facts(defined, completed, writers, frozenset(ambiguous), _common_narrowing(inputs))


def _common_narrowing(inputs: list[Facts]) -> dict[str, Constraints]:
    common: dict[str, Constraints] = {}
    for element_id, narrowing in inputs[0].narrowed.items():
        kept = {name: values for name, values in narrowing.items()
                if all(f.narrowed.get(element_id, {}).get(name) == values for f in inputs[1:])}
        if kept:
            common[element_id] = kept
    return common


class Dataflow:
    """The IN facts of every reachable node of a process."""

    def __init__(self, graph: ProcessGraph, task_forms: Mapping[str, TaskForm], start_form: str | None) -> None:
        self.graph, self.task_forms, self.start_form = graph, task_forms, start_form
        # The start form is narrowed by conditions like any task's form ("conference_type == ...").
        self.answer_forms = {**task_forms, **({START: TaskForm(start_form)} if start_form else {})}
        self.inputs: dict[str, Facts] = {}
        self._outputs: dict[str, Facts] = {}
        self._solve()

    def facts_in(self, node_id: str) -> Facts | None:
        """IN facts of a node (None when no path reaches it)."""
        return self.inputs.get(node_id)

    def _solve(self) -> None:
        order = list(self.graph.nodes)
        for _ in range(_MAX_ROUNDS):
            changed = False
            for node_id in order:
                facts_in = self._compute_in(self.graph.nodes[node_id])
                if facts_in is None:
                    continue
                facts_out = self._transfer(self.graph.nodes[node_id], facts_in)
                if self.inputs.get(node_id) != facts_in or self._outputs.get(node_id) != facts_out:
                    self.inputs[node_id], self._outputs[node_id] = facts_in, facts_out
                    changed = True
            if not changed:
                return

    def _compute_in(self, node: Node) -> Facts | None:
        if node.tag == "startEvent":
            return self._start_facts()
        if node.attached_to:
            return self.inputs.get(node.attached_to)
        incoming = [f for f in self.graph.incoming(node.id) if f.source in self._outputs]
        if not incoming:
            return None
        inputs = [self._edge_out(f) for f in incoming]
        mandatory = [self._edge_out(f) for f in incoming if node.tag == "inclusiveGateway" and self._always_taken(f)]
        return _meet(inputs, parallel=node.tag == "parallelGateway",
                     join=node.tag in ("parallelGateway", "inclusiveGateway"), mandatory=mandatory)

    def _edge_out(self, flow: Flow) -> Facts:
        facts = self._outputs[flow.source]
        source = self.graph.nodes[flow.source]
        if source.tag not in GATEWAYS_WITH_CONDITIONS:
            return facts
        if flow.condition:
            return narrowed_by(facts, equalities(flow.condition), self.answer_forms)
        if source.default == flow.id:
            return narrowed_by(facts, self._otherwise(source, facts), self.answer_forms)
        return facts

    def _otherwise(self, gateway: Node, facts: Facts) -> list[Pin]:
        pins = [equalities(f.condition or "") for f in self.graph.outgoing(gateway.id) if f.condition]
        return complement(pins, facts, self.answer_forms)

    def _always_taken(self, flow: Flow) -> bool:
        """Whether a branch into an inclusive join runs whenever the join does: it leaves an inclusive
        split by a flow whose condition is literally True, through nodes with one way in and one out."""
        seen: set[str] = set()
        while flow.source not in seen:
            seen.add(flow.source)
            source = self.graph.nodes[flow.source]
            if source.tag == "inclusiveGateway":
                return (flow.condition or "").strip() == "True"
            before = self.graph.incoming(source.id)
            interrupted = any(b.interrupting for b in self.graph.boundary_events(source.id))
            if len(before) != 1 or len(self.graph.outgoing(source.id)) != 1 or interrupted:
                return False
            flow = before[0]
        return False

    def _start_facts(self) -> Facts:
        fields, written = set(START_VARIABLES), set(START_VARIABLES)
        if self.start_form:
            fields |= guaranteed_fields(self.start_form, {}) - set(STAMPED_FIELDS)
            written |= set(form_fields(self.start_form)) - set(STAMPED_FIELDS)
        return Facts(frozenset(fields), frozenset(), {name: frozenset({START}) for name in written})

    def _transfer(self, node: Node, facts: Facts) -> Facts:
        task_form = self.task_forms.get(node.id)
        if node.tag == "userTask" and task_form is not None:
            return _after_user_task(node.id, task_form, facts)
        if node.tag == "scriptTask" and node.script:
            return _after_script(node.id, node.script, facts)
        return facts


def _after_user_task(element_id: str, task_form: TaskForm, facts: Facts) -> Facts:
    owned = frozenset(form_fields(task_form.form_key)) | {ANSWERS, COMPLETED}
    given = guaranteed_fields(task_form.form_key, task_form.constraints) | {ANSWERS, COMPLETED}
    writers = {**facts.writers, **{name: frozenset({element_id}) for name in owned}}
    narrowed = {k: v for k, v in facts.narrowed.items() if k != element_id}
    return Facts((facts.defined - owned) | given, facts.completed | {element_id}, writers, facts.ambiguous - owned,
                 narrowed)


def _after_script(element_id: str, script: str, facts: Facts) -> Facts:
    always, ever = assigned_always(script), assigned_ever(script)
    writers: dict[str, Any] = dict(facts.writers)
    for name in ever:
        writers[name] = frozenset({element_id}) if name in always else writers.get(name, frozenset()) | {element_id}
    return Facts(facts.defined | always, facts.completed, writers, facts.ambiguous - always, facts.narrowed)


def narrowed_by(facts: Facts, pins: list[Pin], task_forms: Mapping[str, TaskForm]) -> Facts:
    """The facts on a flow whose condition held: `x == "v"` (or `in` a list of constants) narrows the
    answer of the task that wrote x, so what its form then requires (if/then) is defined too."""
    if not pins:
        return facts
    defined, narrowed = set(facts.defined), {k: dict(v) for k, v in facts.narrowed.items()}
    for target, values in pins:
        element_id, name = target if isinstance(target, tuple) else (_sole_writer(facts, target), target)
        task_form = task_forms.get(element_id or "")
        if element_id is None or task_form is None or name not in form_fields(task_form.form_key):
            continue
        narrowed.setdefault(element_id, {})[name] = values
        if isinstance(target, str):
            given = guaranteed_fields(task_form.form_key, {**task_form.constraints, **narrowed[element_id]})
            defined |= {f for f in given if facts.writers.get(f) == frozenset({element_id})}
    return Facts(frozenset(defined), facts.completed, facts.writers, facts.ambiguous, narrowed)


def complement(pin_sets: list[list[Pin]], facts: Facts, task_forms: Mapping[str, TaskForm]) -> list[Pin]:
    """What holds when none of some conditions held, if each pins one enumerated field (the same one):
    that field has one of its other values."""
    if not pin_sets or any(len(p) != 1 for p in pin_sets) or len({p[0][0] for p in pin_sets}) != 1:
        return []
    target = pin_sets[0][0][0]
    element_id, name = target if isinstance(target, tuple) else (_sole_writer(facts, target), target)
    task_form = task_forms.get(element_id or "")
    if element_id is None or task_form is None or name not in form_fields(task_form.form_key):
        return []
    if not forms.field_schema(task_form.form_key, name).get("enum"):
        return []
    taken = {value for pins in pin_sets for value in pins[0][1]}
    rest = tuple(v for v in field_values(task_form.form_key, name, facts.constraints_of(element_id, task_form))
                 if v not in taken)
    return [(target, rest)] if rest else []


def _sole_writer(facts: Facts, name: str) -> str | None:
    writers = facts.writers.get(name, frozenset())
    return next(iter(writers)) if len(writers) == 1 and name not in facts.ambiguous else None
