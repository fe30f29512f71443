"""Limits on what one evaluation of a diagram's expression or script may cost: time, steps and size.

RestrictedPython stops a script reaching what it must not (imports, dunders, files); this module
stops it spending what it must not. `SandboxPolicy` rewrites the code at compile time:
- `*`, `**`, `<<`, `+` and `%` become calls to guards that check the size of the result *before*
  computing it (`"a" * 10**9` is refused without allocating anything);
- every `while` body, function body, lambda, `except` and `finally` block first calls `_tick_()`, which counts
  steps against a budget and checks a wall-clock deadline; once the budget is spent every later
  tick fails too, so a script cannot swallow the error in a loop of its own (`for` loops and
  comprehensions tick through `_getiter_`);
- names that would reopen the sandbox (`getattr`, `open`, `exec`, ...) and a `while True` with no
  `break` are refused outright, at deploy.
At run time `Budget` holds one evaluation's counters; `range`, `pow`, `sum` and the padding, joining
and formatting methods of strings are swapped for bounded versions. No signals or threads: the checks
run inside the evaluation, so they are safe in any web or worker thread.
"""

from __future__ import annotations

import ast
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, cast

from RestrictedPython.Eval import default_guarded_getiter
from RestrictedPython.Guards import safer_getattr
from RestrictedPython.transformer import RestrictingNodeTransformer

MAX_SIZE = 1_000_000  # characters of a string, items of a list, length of a range
MAX_INT_BITS = 1_000_000
MAX_STEPS = 1_000_000  # loop iterations and function calls per evaluation
MAX_FORMAT_WIDTH = 10_000
REFUSED_NAMES = frozenset({
    "getattr", "setattr", "delattr", "hasattr", "open", "exec", "eval", "compile", "globals", "locals", "vars",
    "dir", "type", "input", "breakpoint", "memoryview", "object", "super", "help", "exit", "quit",
})
_GUARDED_BINOPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}


def time_limit() -> float:
    """Seconds one evaluation may run: `SOSFLOW_SCRIPT_TIME_LIMIT`, default 2."""
    return float(os.environ.get("SOSFLOW_SCRIPT_TIME_LIMIT", "2"))


class ScriptLimitExceeded(ValueError):
    """An evaluation went over its time, step or size limit; nothing it did is kept."""


# --- compile time ---------------------------------------------------------------------------------

def _located(new: Any, old: ast.AST) -> Any:
    """Give every node we built the position of the node it stands for (compile() needs one)."""
    for node in ast.walk(new):
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            ast.copy_location(node, old)
    return new


def _tick() -> ast.Expr:
    return ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))


def _never_breaks(loop: ast.While) -> bool:
    if not (isinstance(loop.test, ast.Constant) and loop.test.value):
        return False
    return not any(isinstance(node, (ast.Break, ast.Return, ast.Raise)) for node in ast.walk(loop))


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size guards on operators and a step counter in every loop."""

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in REFUSED_NAMES:
            self.error(node, f'"{node.id}" is not available in expressions and scripts.')
        return super().visit_Name(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(symbol), node.left, node.right],
                        keywords=[])
        return _located(call, node)

    def visit_While(self, node: ast.While) -> Any:
        if _never_breaks(node):
            self.error(node, "This loop never ends (a while on a constant true with no break).")
        return self._ticking(super().visit_While(node))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        return self._ticking(super().visit_FunctionDef(node))

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = cast(ast.Lambda, super().visit_Lambda(node))
        node.body = _located(ast.BoolOp(op=ast.Or(), values=[_tick().value, node.body]), node.body)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        return self._ticking(super().visit_ExceptHandler(node))

    def visit_Try(self, node: ast.Try) -> Any:
        node = cast(ast.Try, super().visit_Try(node))
        if node.finalbody:
            node.finalbody.insert(0, _located(_tick(), node.finalbody[0]))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        spec = node.format_spec
        if spec is not None and any(isinstance(part, ast.FormattedValue) for part in ast.walk(spec)
                                    if part is not spec):
            self.error(node, "A format width or precision must be a number written in the f-string.")
        elif spec is not None and _widest(ast.unparse(spec)) > MAX_FORMAT_WIDTH:
            self.error(node, f"A format width over {MAX_FORMAT_WIDTH} is not allowed.")
        return super().visit_FormattedValue(node)

    def _ticking(self, node: Any) -> Any:
        node.body.insert(0, _located(_tick(), node.body[0] if node.body else node))
        return node


def _widest(text: str) -> int:
    return max((int(number) for number in re.findall(r"\d+", text)), default=0)


# --- run time -------------------------------------------------------------------------------------

def _refuse(what: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"{what} (limit per evaluation: {MAX_SIZE:,} items, {MAX_STEPS:,} steps, "
                               f"{time_limit():g} s)")


def _check_size(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise _refuse(f"{what} would hold {size:,} items")


def _sized(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


def _mult(a: Any, b: Any) -> Any:
    for sequence, count in ((a, b), (b, a)):
        if _sized(sequence) and isinstance(count, int):
            _check_size(len(sequence) * count, "a repeated sequence")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise _refuse("a product that large")
    return a * b


def _pow(a: Any, b: Any, modulo: Any = None) -> Any:
    growing = modulo is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1
    if growing and a.bit_length() * b > MAX_INT_BITS:
        raise _refuse("a power that large")
    return pow(a, b, modulo)


def _lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b > MAX_INT_BITS:
        raise _refuse("a shift that large")
    return a << b


def _add(a: Any, b: Any) -> Any:
    if _sized(a) and _sized(b):
        _check_size(len(a) + len(b), "a joined sequence")
    return a + b


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        _check_format(a, "%")
    return a % b


def _check_format(template: str, marker: str) -> None:
    if marker == "{":
        template = template.replace("{{", "").replace("}}", "")
    specs = re.findall(r"%[^a-zA-Z%]*" if marker == "%" else r"\{[^{}]*\}", template)
    if any("*" in spec for spec in specs) or re.search(r"\{[^{}]*\{", template):
        raise _refuse("a format width given at run time")
    widths = sum(_widest(spec) for spec in specs)
    if any(_widest(spec) > MAX_FORMAT_WIDTH for spec in specs):
        raise _refuse(f"a format width over {MAX_FORMAT_WIDTH}")
    _check_size(len(template) + widths, "a formatted string")


BINOPS: dict[str, Callable[[Any, Any], Any]] = {"*": _mult, "**": _pow, "<<": _lshift, "+": _add, "%": _mod}


def binop(symbol: str, a: Any, b: Any) -> Any:
    return BINOPS[symbol](a, b)


def bounded_range(*args: int) -> range:
    result = range(*args)
    _check_size(len(result), "a range")
    return result


def numeric_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if not isinstance(start, (int, float)):
        raise ScriptLimitExceeded("sum() adds numbers only")
    return sum(iterable, start)


def _padded(method: str, text: Any, width: int, *rest: Any) -> Any:
    _check_size(int(width), f"a string padded by {method}")
    return getattr(text, method)(width, *rest)


def _expanded(text: Any, tabsize: int = 8) -> Any:
    _check_size(len(text) * max(int(tabsize), 1), "a string with tabs expanded")
    return text.expandtabs(tabsize)


def _joined(separator: Any, items: Iterable[Any]) -> Any:
    parts = list(items)
    _check_size(sum(len(part) for part in parts if _sized(part)) + len(separator) * len(parts), "a joined string")
    return separator.join(parts)


def _replaced(text: Any, old: Any, new: Any, count: int = -1) -> Any:
    hits = (len(text) + 1) if not old else text.count(old)
    hits = hits if count < 0 else min(hits, count)
    _check_size(len(text) + hits * len(new), "a string with replacements")
    return text.replace(old, new, count)


def _formatted(method: str, template: Any, *args: Any, **kwargs: Any) -> Any:
    _check_format(template, "{")
    return getattr(template, method)(*args, **kwargs)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    **{name: partial(_padded, name) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": _expanded, "join": _joined, "replace": _replaced,
    "format": partial(_formatted, "format"), "format_map": partial(_formatted, "format_map"),
}


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's getattr, with the string methods that can allocate without bound swapped out."""
    guard = _STRING_METHODS.get(name)
    is_type = obj is str or obj is bytes
    if guard is not None and (is_type or isinstance(obj, (str, bytes))):
        return guard if is_type else partial(guard, obj)
    return safer_getattr(obj, name, *default)


class Budget:
    """One evaluation's steps and deadline; `tick` fails for good once either is spent."""

    def __init__(self, seconds: float | None = None, steps: int = MAX_STEPS) -> None:
        self.deadline = time.monotonic() + (time_limit() if seconds is None else seconds)
        self.steps_left = steps
        self.spent: str | None = None

    def tick(self) -> None:
        self.steps_left -= 1
        if self.spent is None and self.steps_left < 0:
            self.spent = f"more than {MAX_STEPS:,} loop steps or calls"
        if self.spent is None and time.monotonic() > self.deadline:
            self.spent = f"longer than {time_limit():g} s"
        if self.spent is not None:
            raise ScriptLimitExceeded(f"the evaluation ran {self.spent} and was stopped")

    def getiter(self, iterable: Any) -> Iterator[Any]:
        for item in default_guarded_getiter(iterable):
            self.tick()
            yield item

    def guards(self) -> dict[str, Any]:
        return {"_tick_": self.tick, "_getiter_": self.getiter}


GUARDS: dict[str, Any] = {"_binop_": binop, "_getattr_": guarded_getattr}
BOUNDED_BUILTINS: dict[str, Any] = {"range": bounded_range, "pow": _pow, "sum": numeric_sum}
REMOVED_BUILTINS = frozenset({"setattr", "delattr", "SystemExit", "KeyboardInterrupt", "GeneratorExit"})
