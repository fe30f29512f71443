"""Rules over what the data guarantees where it is read: gateway conditions, `due` and timer expressions.

1. Every name a condition, `due` or timer reads is defined on every path to it; a stamped field
   (`author`, `completed_at`) is read with whose it is (`completed["task"]`), never flat; a name two
   joined strands may both have written is read through `answers["task"]`; `answers["x"]["f"]` and
   `completed["x"]` need task x on every path and, for f, x's form to guarantee f. A default flow does
   not excuse a missing name: SpiffWorkflow evaluates the conditions before it falls back to it.
2. Conditions over values the forms enumerate are evaluated for every combination of those values with
   the real script engine: one that raises, or (without a default flow) one that no flow matches, is
   refused with the combination as counterexample.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.calendar import LONDON
from engine.definitions.dataflow import START, Dataflow, Facts, TaskForm, complement, narrowed_by
from engine.definitions.formfacts import candidate_submissions, field_values, guaranteed_fields, is_closed
from engine.definitions.graph import (
    GATEWAYS_WITH_CONDITIONS,
    Flow,
    KeyedRead,
    Node,
    ProcessGraph,
    equalities_in,
    keyed_reads,
    names_read,
    node_expressions,
    scoped_reads,
)
from engine.scripting import script_engine
from engine.taskdata import ANSWERS, COMPLETED, STAMPED_FIELDS

MAX_COMBINATIONS = 500
WHOLE = "*"
_FLAT_STAMPS = frozenset(STAMPED_FIELDS) - {"case_id"}
_EVALUATED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=LONDON)


@dataclass(frozen=True)
class Finding:
    """A problem found before it becomes a DiagramProblem (which adds the tag and file)."""

    element_id: str
    message: str
    counterexample: dict[str, Any] | None = None


class ReadRules:
    """Rules 1 and 2 over one process, given its dataflow."""

    def __init__(self, graph: ProcessGraph, flow: Dataflow, task_forms: Mapping[str, TaskForm],
                 start_form: str | None) -> None:
        self.graph, self.flow, self.task_forms, self.start_form = graph, flow, task_forms, start_form
        self._closed = True

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        for node in self.graph.nodes.values():
            facts = self.flow.facts_in(node.id)
            if facts is None:
                continue
            if node.tag in GATEWAYS_WITH_CONDITIONS:
                conditional = [f for f in self.graph.outgoing(node.id) if f.condition]
                reads = [r for f in conditional
                         for r in self._read_problems(f.condition or "", facts, f"condition of flow '{f.id}'")]
                found += [Finding(node.id, message, ce) for message, ce in reads]
                if conditional and not reads:
                    found += self._coverage(node, conditional, facts)
            for kind, source in node_expressions(node):
                found += [Finding(node.id, message, ce) for message, ce in
                          self._read_problems(source, facts, f"its {kind} expression")]
        return found

    # --- rule 1 -----------------------------------------------------------------------------------

    def _read_problems(self, source: str, facts: Facts, what: str) -> Iterator[tuple[str, dict[str, Any] | None]]:
        free = names_read(source)
        for names, scope in scoped_reads(source):
            for name in sorted(names & free):
                yield from self._name_problems(name, self._under(scope, facts), what)
        for read in keyed_reads(source):
            problem = self._keyed_problem(read, facts, what)
            if problem:
                yield problem, None

    def _under(self, scope: tuple[tuple[str, ast.expr], ...], facts: Facts) -> Facts:
        """The facts inside the `then`/`else` parts of conditional expressions that lead to a read."""
        for branch, test in scope:
            pins = equalities_in(test)
            if branch == "else":
                pins = complement([pins], facts, self.flow.answer_forms)
            facts = narrowed_by(facts, pins, self.flow.answer_forms)
        return facts

    def _name_problems(self, name: str, facts: Facts, what: str) -> Iterator[tuple[str, dict[str, Any] | None]]:
        if name in _FLAT_STAMPS:
            yield (f"{what} reads '{name}', which every task stamps, so it is whichever task finished last; "
                   f"say whose it is, e.g. completed[\"<task id>\"]", None)
        elif name not in facts.defined:
            yield self._undefined(name, facts, what)
        elif name in facts.ambiguous:
            writers = ", ".join(sorted(facts.writers.get(name, ())))
            yield (f"{what} reads '{name}', which strands joined before it may each have written ({writers}); "
                   f"say whose it is, e.g. answers[\"<task id>\"][\"{name}\"]", None)

    def _undefined(self, name: str, facts: Facts, what: str) -> tuple[str, dict[str, Any] | None]:
        for writer in sorted(facts.writers.get(name, ())):
            task_form = self.task_forms.get(writer)
            if task_form is None:
                continue
            if name in guaranteed_fields(task_form.form_key, facts.constraints_of(writer, task_form)):
                continue
            example = self._submission_without(task_form, name)
            reason = (f"{what} reads '{name}', which is not defined on every path to it: "
                      f"'{writer}' may be submitted without it (form '{task_form.form_key}' does not require it)")
            return reason, {"task": writer, "omits": name, "submission": example}
        if name in (ANSWERS, COMPLETED):
            return f"{what} reads '{name}' before any user task has been completed", None
        return f"{what} reads '{name}', which is not defined on every path to it", None

    def _submission_without(self, task_form: TaskForm, name: str) -> dict[str, Any] | None:
        for candidate in candidate_submissions(task_form.form_key, task_form.constraints, frozenset({name})):
            if name not in candidate.data:
                return candidate.data
        return None

    def _keyed_problem(self, read: KeyedRead, facts: Facts, what: str) -> str | None:
        if read.element not in facts.completed:
            return (f"{what} reads {read.variable}[\"{read.element}\"], but '{read.element}' is not completed on "
                    f"every path to it")
        task_form = self.task_forms.get(read.element)
        if read.field is None or task_form is None:
            return None
        if read.field not in guaranteed_fields(task_form.form_key, facts.constraints_of(read.element, task_form)):
            return (f"{what} reads answers[\"{read.element}\"][\"{read.field}\"], which form "
                    f"'{task_form.form_key}' does not require under the task's constraints; use .get() "
                    f"with a default or require the field")
        return None

    # --- rule 2 -----------------------------------------------------------------------------------

    def _coverage(self, gateway: Node, conditional: list[Flow], facts: Facts) -> list[Finding]:
        domains = self._domains(conditional, facts)
        if domains is None:
            return []
        names = list(domains)
        environment = script_engine(_EVALUATED_AT).environment
        for values in itertools.islice(itertools.product(*domains.values()), MAX_COMBINATIONS):
            chosen = dict(zip(names, values, strict=True))
            context = _context(chosen)
            matched = []
            for flow in conditional:
                try:
                    matched.append(bool(environment.evaluate(flow.condition or "", dict(context))))
                except Exception as exc:  # noqa: BLE001 - any failure of a condition is the finding
                    message = (f"condition of flow '{flow.id}' fails for schema-valid values "
                               f"{_shown(chosen)} ({type(exc).__name__}: {exc})")
                    return [Finding(gateway.id, message, {"values": chosen})]
            if not any(matched) and not gateway.default and self._closed:
                message = (f"no outgoing flow matches {_shown(chosen)} and there is no default flow; "
                           f"cover every value or draw a default flow")
                return [Finding(gateway.id, message, {"values": chosen})]
        return []

    def _domains(self, conditional: list[Flow], facts: Facts) -> dict[str, list[Any]] | None:
        """Values to try per name read; `_closed` says whether they are all the values there are."""
        domains: dict[str, list[Any]] = {}
        self._closed = True
        for flow in conditional:
            source = flow.condition or ""
            for read in keyed_reads(source):
                if read.variable != ANSWERS:
                    continue
                key = f"{read.element}.{read.field or WHOLE}"
                self._closed = self._closed and read.field is not None and self._is_closed(read.element, read.field)
                values = self._task_values(read.element, read.field) if read.field else self._answers(read.element)
                if not values:
                    return None
                domains[key] = values
            for name in names_read(source) - {ANSWERS, COMPLETED}:
                values = self._flat_values(name, facts)
                if not values:
                    return None
                domains[name] = values
        return domains or None

    def _answers(self, element_id: str) -> list[Any]:
        task_form = self.task_forms.get(element_id)
        if task_form is None:
            return []
        return [c.data for c in candidate_submissions(task_form.form_key, task_form.constraints, frozenset())]

    def _is_closed(self, element_id: str, name: str) -> bool:
        task_form = self.task_forms.get(element_id)
        return task_form is not None and is_closed(task_form.form_key, name, task_form.constraints)

    def _task_values(self, element_id: str, name: str) -> list[Any]:
        task_form = self.task_forms.get(element_id)
        return field_values(task_form.form_key, name, task_form.constraints) if task_form else []

    def _flat_values(self, name: str, facts: Facts) -> list[Any]:
        values: list[Any] = []
        for writer in sorted(facts.writers.get(name, ())):
            if writer == START and self.start_form:
                found = field_values(self.start_form, name, {})
                self._closed = self._closed and is_closed(self.start_form, name, {})
            elif writer in self.task_forms:
                found = self._task_values(writer, name)
                self._closed = self._closed and self._is_closed(writer, name)
            else:
                return []  # a script or a start variable: the dry run tries its values
            if not found:
                return []
            values += [v for v in found if v not in values]
        return values


def _context(chosen: Mapping[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {ANSWERS: {}, COMPLETED: {}}
    for key, value in sorted(chosen.items(), key=lambda item: not item[0].endswith(WHOLE)):
        if "." in key:
            element, name = key.split(".", 1)
            answer = context[ANSWERS].setdefault(element, {})
            if name == WHOLE:
                answer.update(value)
            else:
                answer[name] = value
            context[COMPLETED][element] = _EVALUATED_AT.isoformat()
        else:
            context[key] = value
    return context


def _shown(chosen: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in chosen.items())
