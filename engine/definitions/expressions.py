"""What an expression reads: the free names of a condition, script or `due`, less helpers and builtins.

Used by the deploy verification (which variables must be defined where) and by prefill (a field a
gateway routes on is never prefilled, so a decision is always given afresh).
"""

from __future__ import annotations

import ast
import builtins
from functools import cache
from typing import Any

from engine.calendar import default_calendar
from engine.scripting import safeguarding_helpers

HELPERS = frozenset(safeguarding_helpers(default_calendar()))
BUILTINS = frozenset(dir(builtins))


@cache
def names_read(source: str) -> frozenset[str]:
    """Free names an expression or script loads, excluding helper functions and builtins."""
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return frozenset()
    loaded = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return frozenset(loaded - HELPERS - BUILTINS)


@cache
def answers_read(source: str) -> frozenset[tuple[str, str]]:
    """(element id, field) pairs read as `answers["element"]["field"]` or `answers["element"].get("field")`."""
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return frozenset()
    found = set()
    for node in ast.walk(tree):
        element = _answers_element(node.value) if isinstance(node, (ast.Subscript, ast.Attribute)) else None
        if element is None:
            continue
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            found.add((element, str(node.slice.value)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and node.args and isinstance(node.args[0], ast.Constant)):
            element = _answers_element(node.func.value)
            if element is not None:
                found.add((element, str(node.args[0].value)))
    return frozenset(found)


def _answers_element(node: ast.expr) -> str | None:
    """The element id when `node` is `answers["element"]`."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "answers"
            and isinstance(node.slice, ast.Constant)):
        return str(node.slice.value)
    return None


def gateway_conditions(process_spec: Any) -> list[tuple[Any, str, str]]:
    """(gateway spec, condition, target spec name) for every conditional flow of a process."""
    return [
        (spec, condition.args[0], target)
        for spec in process_spec.task_specs.values()
        for condition, target in getattr(spec, "cond_task_specs", ())
        if condition is not None and isinstance(getattr(condition, "args", [None])[0], str)
    ]


def decision_fields(process_spec: Any) -> frozenset[str]:
    """Every field a gateway condition of the process reads, by name or through `answers`."""
    cached: frozenset[str] | None = getattr(process_spec, "_sosflow_decision_fields", None)
    if cached is None:
        conditions = [cond for _, cond, _ in gateway_conditions(process_spec)]
        by_name = frozenset().union(*(names_read(cond) for cond in conditions))
        by_answer = {name for cond in conditions for _, name in answers_read(cond)}
        cached = by_name | by_answer
        process_spec._sosflow_decision_fields = cached
    return cached
