"""The script engine: BPMN expressions and scripts run under RestrictedPython, never bare eval.

Diagrams are untrusted input. Expressions see the task data, a whitelist of builtins and the
safeguarding helpers below (calendar arithmetic, RAG deadlines); they cannot import, reach
dunder attributes or touch the file system, and each evaluation has a time, step and size limit
(engine/sandbox.py). Compiled code is cached by source text.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.calendar import LONDON, WorkingCalendar, default_calendar
from engine.sandbox import BOUNDED_BUILTINS, GUARDS, REMOVED_BUILTINS, Budget, SandboxPolicy, ScriptLimitExceeded

__all__ = ["ScriptLimitExceeded", "UnsafeScript", "compile_expression", "compile_script", "script_engine"]


class UnsafeScript(ValueError):
    """RestrictedPython refused to compile an expression or script."""


_EXTRA_BUILTINS: dict[str, Any] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("any", "all", "sum", "min", "max", "sorted", "list", "dict", "set", "enumerate", "map", "filter")
}

_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "|=": operator.ior,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise UnsafeScript(f"operator {op} is not allowed in scripts")
    if op in ("+=", "*="):
        return GUARDS["_binop_"](op[0], x, y)  # sized like `+` and `*`: `s += s` doubles too
    return _INPLACE[op](x, y)


def _builtins() -> dict[str, Any]:
    allowed = {**safe_builtins, **_EXTRA_BUILTINS, **BOUNDED_BUILTINS}
    return {name: value for name, value in allowed.items() if name not in REMOVED_BUILTINS}


def builtin_names() -> frozenset[str]:
    """Every builtin an expression may use (the deploy verification does not count them as data)."""
    return frozenset(_builtins())


def _guards() -> dict[str, Any]:
    return {
        "__builtins__": _builtins(),
        **GUARDS,
        "_getitem_": default_guarded_getitem,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
    }


@lru_cache(maxsize=2048)
def compile_expression(source: str) -> CodeType:
    """Compile one expression in restricted mode; UnsafeScript names what was refused."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=SandboxPolicy)
    if result.errors or result.code is None:
        raise UnsafeScript("; ".join(result.errors) or "the expression does not compile")
    return result.code


@lru_cache(maxsize=512)
def compile_script(source: str) -> CodeType:
    """Compile a script task's body in restricted mode."""
    result = compile_restricted_exec(source, "<script>", policy=SandboxPolicy)
    if result.errors or result.code is None:
        raise UnsafeScript("; ".join(result.errors) or "the script does not compile")
    return result.code


def _as_datetime(value: str | datetime) -> datetime:
    """An aware datetime; a bare date (form `date` fields) counts as midday London on that day."""
    if isinstance(value, str) and len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(12, 0), LONDON)
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no timezone; dates in task data must carry an offset")
    return moment


def latest(*moments: str | None) -> str:
    """The last of several moments, those not reached (None) left out: e.g. the decision to convene a conference."""
    return max(_as_datetime(m) for m in moments if m).isoformat()


def agency_requested(checks: Iterable[Mapping[str, Any]], *agencies: str) -> bool:
    """Whether the screening asked any of `agencies` for a partner check."""
    return any(check.get("agency") in agencies for check in checks or ())


def safeguarding_helpers(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    """The functions diagrams may call; each takes and returns ISO strings, as timers need."""

    def add_working_days(start: str, n: int) -> str:
        return calendar.add_working_days(_as_datetime(start), int(n)).isoformat()

    def add_calendar_months(start: str, n: int) -> str:
        return calendar.add_calendar_months(_as_datetime(start), int(n)).isoformat()

    def end_of_day(start: str) -> str:
        return calendar.add_working_days(_as_datetime(start), 0).isoformat()

    def add_hours(start: str, n: float) -> str:
        return (_as_datetime(start) + timedelta(hours=float(n))).astimezone(UTC).isoformat()

    def due_for_rag(rag: str, start: str) -> str:
        # Local policy defaults (domain §3 step 4, VERIFY with the process owner).
        return add_hours(start, 4) if rag == "red" else add_working_days(start, 1)

    def earliest(*moments: str) -> str:
        return min(_as_datetime(m) for m in moments if m).isoformat()

    def working_days_between(start: str, end: str) -> int:
        return calendar.working_days_between(_as_datetime(start), _as_datetime(end))

    def clock_start(received: str) -> str:
        # A new referral inside a case (an early help step-up) starts the MASH clock as a contact would.
        return calendar.clock_start(_as_datetime(received)).isoformat()

    def in_office_hours(moment: str) -> bool:
        return calendar.in_office_hours(_as_datetime(moment))

    return {
        "add_working_days": add_working_days,
        "add_calendar_months": add_calendar_months,
        "end_of_day": end_of_day,
        "add_hours": add_hours,
        "due_for_rag": due_for_rag,
        "agency_requested": agency_requested,
        "clock_start": clock_start,
        "in_office_hours": in_office_hours,
        "earliest": earliest,
        "latest": latest,
        "working_days_between": working_days_between,
    }


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with RestrictedPython over the task data plus the helpers."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__(dict(helpers))
        self._base = {**_guards(), **self.globals}
        self._guards = _guards()

    def _scope_guards(self) -> dict[str, Any]:
        """Laid over the task data last: a field named like a guard must not replace it."""
        return {**self._guards, **Budget().guards()}

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        scope = {**self._base, **(external_context or {}), **context, **self._scope_guards()}
        return eval(compile_expression(expression), scope)  # noqa: S307 - restricted bytecode

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        clash = set(self.globals).intersection(context)
        if clash:
            raise ValueError(f"task data overwrites helper function(s): {sorted(clash)}")
        scope = {**self._base, **(external_context or {}), **context, **self._scope_guards()}
        exec(compile_script(script), scope)  # noqa: S102 - restricted bytecode
        for key, value in scope.items():
            if key not in self._base and not key.startswith("_") and not callable(value):
                context[key] = value
        for key in [k for k in context if k not in scope]:
            context.pop(key)
        return True


class ClockedScriptEngine(PythonScriptEngine):
    """A script engine that also carries the engine's clock, which our timers compare against."""

    def __init__(self, environment: RestrictedEnvironment, now: datetime) -> None:
        super().__init__(environment=environment)
        self.now = now


_ENVIRONMENTS: dict[int, RestrictedEnvironment] = {}


def script_engine(now: datetime, calendar: WorkingCalendar | None = None) -> ClockedScriptEngine:
    """A script engine for one step at `now` (environments are shared: they hold no state)."""
    cal = calendar or default_calendar()
    key = hash(cal)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = RestrictedEnvironment(safeguarding_helpers(cal))
    return ClockedScriptEngine(_ENVIRONMENTS[key], now)
