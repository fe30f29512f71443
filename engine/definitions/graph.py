"""A process as the deploy verification sees it: flow nodes, sequence flows and what each expression reads.

Read from the safely parsed XML of the process being deployed (sub-processes are opaque here; the dry
run goes through them). Expressions are read with `ast`: the free names an expression loads (less the
helpers and builtins the script engine provides), the constant keys it looks up in `answers` and
`completed`, and the names a script assigns on every path through it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from engine.calendar import default_calendar
from engine.definitions.xml_safety import NS
from engine.scripting import builtin_names, safeguarding_helpers
from engine.taskdata import ANSWERS, COMPLETED

GATEWAYS_WITH_CONDITIONS = ("exclusiveGateway", "inclusiveGateway")
_NOT_NODES = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "dataObject", "textAnnotation",
              "association", "ioSpecification", "property", "dataObjectReference", "dataStoreReference"}


@dataclass
class Node:
    """One flow node: its tag, its `spiffworkflow:property` values and the expressions it holds."""

    id: str
    tag: str
    name: str
    props: dict[str, str]
    attached_to: str | None = None
    default: str | None = None
    script: str | None = None
    timer: str | None = None
    interrupting: bool = True


@dataclass
class Flow:
    """One sequence flow and its condition (None when it has none)."""

    id: str
    source: str
    target: str
    condition: str | None = None


@dataclass
class ProcessGraph:
    """The flow nodes and sequence flows of one process."""

    nodes: dict[str, Node] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)

    def incoming(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows.values() if f.target == node_id]

    def outgoing(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows.values() if f.source == node_id]

    def boundary_events(self, node_id: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.attached_to == node_id]

    def tag_of(self, element_id: str | None) -> str | None:
        if element_id in self.nodes:
            return self.nodes[element_id].tag
        return "sequenceFlow" if element_id in self.flows else None


def process_graph(root: Any, key: str) -> ProcessGraph:
    """The graph of the executable process `key` (its direct flow nodes)."""
    graph = ProcessGraph()
    process = next(iter(root.xpath("//bpmn:process[@id=$key]", namespaces=NS, key=key)), None)
    if process is None:
        return graph
    for element in process.iterchildren(etree.Element):
        tag = etree.QName(element).localname
        if tag == "sequenceFlow":
            condition = element.find("bpmn:conditionExpression", NS)
            text = condition.text if condition is not None and (condition.text or "").strip() else None
            graph.flows[element.get("id")] = Flow(element.get("id"), element.get("sourceRef"),
                                                  element.get("targetRef"), text)
        elif tag not in _NOT_NODES and element.get("id"):
            graph.nodes[element.get("id")] = _node(element, tag)
    return graph


def _node(element: Any, tag: str) -> Node:
    props = {p.get("name"): p.get("value") or "" for p in
             element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
    script = element.find("bpmn:script", NS)
    timer = element.find("bpmn:timerEventDefinition/bpmn:timeDate", NS)
    if timer is None:
        timer = element.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS)
    return Node(
        id=element.get("id"), tag=tag, name=element.get("name") or element.get("id"), props=props,
        attached_to=element.get("attachedToRef"), default=element.get("default"),
        script=script.text if script is not None else None,
        timer=timer.text.strip() if timer is not None and (timer.text or "").strip() else None,
        interrupting=element.get("cancelActivity", "true") != "false",
    )


# --- what expressions read and scripts write ---------------------------------------------------------


@cache
def provided_names() -> frozenset[str]:
    """Names the script engine supplies itself: the safeguarding helpers and the builtins."""
    return frozenset(safeguarding_helpers(default_calendar())) | builtin_names()


def _parsed(source: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(source.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError):
        return None


def names_read(expression: str) -> frozenset[str]:
    """The free names an expression loads that must come from the task data."""
    tree = _parsed(expression, "eval")
    if tree is None:
        return frozenset()
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return frozenset(loaded - bound - provided_names())


@dataclass(frozen=True)
class KeyedRead:
    """`answers["x"]` (field None), `answers["x"]["f"]` or `completed["x"]` with constant keys."""

    variable: str
    element: str
    field: str | None = None


def keyed_reads(expression: str) -> list[KeyedRead]:
    """Every constant-key lookup of `answers` and `completed` in an expression."""
    tree = _parsed(expression, "eval")
    if tree is None:
        return []
    reads = []
    for node in ast.walk(tree):
        inner = _constant_lookup(node)
        if inner is None:
            continue
        variable, element = inner
        parent_key = _outer_key(tree, node)
        reads.append(KeyedRead(variable, element, parent_key if variable == ANSWERS else None))
    return reads


def _constant_lookup(node: ast.AST) -> tuple[str, str] | None:
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return None
    if node.value.id not in (ANSWERS, COMPLETED):
        return None
    key = node.slice
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return node.value.id, key.value
    return None


def _outer_key(tree: ast.AST, inner: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and node.value is inner:
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
    return None


Pin = tuple[str | tuple[str, str], tuple[Any, ...]]


def equalities(condition: str) -> list[Pin]:
    """What a condition pins when it holds: `x == "v"`, `x in ("v", "w")`, `answers["t"]["f"] == "v"`,
    and each side of an `and`. A flat name is given as a str, an answer field as (task, field)."""
    tree = _parsed(condition, "eval")
    return equalities_in(tree.body) if isinstance(tree, ast.Expression) else []


def equalities_in(node: ast.expr) -> list[Pin]:
    """`equalities` of a parsed expression."""
    parts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
    return [pinned for part in parts if (pinned := _pinned(part)) is not None]


def scoped_reads(source: str) -> list[tuple[frozenset[str], tuple[tuple[str, ast.expr], ...]]]:
    """The names an expression reads, each with the `x if test else y` choices that lead to it
    (("then", test) or ("else", test)), so a read can be checked under what the test says."""
    tree = _parsed(source, "eval")
    if not isinstance(tree, ast.Expression):
        return []
    found: list[tuple[frozenset[str], tuple[tuple[str, ast.expr], ...]]] = []
    _collect(tree.body, (), found)
    return found


def _collect(node: ast.AST, scope: tuple[tuple[str, ast.expr], ...], found: list[Any]) -> None:
    if isinstance(node, ast.IfExp):
        _collect(node.test, scope, found)
        _collect(node.body, (*scope, ("then", node.test)), found)
        _collect(node.orelse, (*scope, ("else", node.test)), found)
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in provided_names():
        found.append((frozenset({node.id}), scope))
    for child in ast.iter_child_nodes(node):
        _collect(child, scope, found)


def _pinned(node: ast.expr) -> Pin | None:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, ast.Eq) and isinstance(left, ast.Constant):
        left, right = right, left
    target = _target(left)
    if target is None:
        return None
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant):
        return target, (right.value,)
    listed = isinstance(right, ast.List | ast.Tuple | ast.Set)
    constants = listed and all(isinstance(e, ast.Constant) for e in getattr(right, "elts", ()))
    if isinstance(op, ast.In) and constants:
        return target, tuple(e.value for e in getattr(right, "elts", ()) if isinstance(e, ast.Constant))
    return None


def _target(node: ast.expr) -> str | tuple[str, str] | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        inner = _constant_lookup(node.value)
        if inner is not None and inner[0] == ANSWERS and isinstance(node.slice.value, str):
            return inner[1], node.slice.value
    return None


def assigned_always(script: str) -> frozenset[str]:
    """Names a script assigns on every path through it (a try/except counts when every branch assigns)."""
    tree = _parsed(script, "exec")
    return frozenset(_block_assigns(tree.body)) if isinstance(tree, ast.Module) else frozenset()


def assigned_ever(script: str) -> frozenset[str]:
    """Names a script may assign on some path."""
    tree = _parsed(script, "exec")
    if tree is None:
        return frozenset()
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))


def _block_assigns(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for statement in statements:
        names |= _statement_assigns(statement)
    return names


def _statement_assigns(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(statement, ast.If):
        return _block_assigns(statement.body) & _block_assigns(statement.orelse) if statement.orelse else set()
    if isinstance(statement, ast.Try):
        branches = [_block_assigns(statement.body + statement.orelse)]
        branches += [_block_assigns(handler.body) for handler in statement.handlers]
        return set.intersection(*branches) | _block_assigns(statement.finalbody)
    if isinstance(statement, ast.With):
        return _block_assigns(statement.body)
    return set()


def node_expressions(node: Node) -> Iterator[tuple[str, str]]:
    """(kind, source) of the `due` and timer expressions on a node."""
    if node.props.get("due"):
        yield "due", node.props["due"]
    if node.timer:
        yield "timer", node.timer
