"""The fields a process routes on: every field its gateway conditions read, by name or through `answers`.

Prefill leaves these blank, so a decision is always given afresh. What an expression reads is worked
out once, in `engine.definitions.graph`, for this and for the deploy verification.
"""

from __future__ import annotations

import ast
from typing import Any

from engine.definitions.graph import keyed_reads, names_read


def gateway_conditions(process_spec: Any) -> list[tuple[Any, str, str]]:
    """(gateway spec, condition, target spec name) for every conditional flow of a parsed process."""
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
        by_answer = {read.field for cond in conditions for read in keyed_reads(cond) if read.field}
        cached = by_name | by_answer | {name for cond in conditions for name in _answer_gets(cond)}
        process_spec._sosflow_decision_fields = cached
    return cached


def _answer_gets(condition: str) -> set[str]:
    """Fields read with a default, `answers["element"].get("field", ...)` (keyed_reads covers `[...]`)."""
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {
        str(node.args[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
        and node.args and isinstance(node.args[0], ast.Constant)
        and isinstance(node.func.value, ast.Subscript) and isinstance(node.func.value.value, ast.Name)
        and node.func.value.value.id == "answers"
    }
