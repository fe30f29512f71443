"""The evaluation limits themselves, on the script engine the runtime uses (no diagram needed)."""

from __future__ import annotations

import pytest

from engine.sandbox import ScriptLimitExceeded
from engine.scripting import UnsafeScript, script_engine
from tests.conftest import FIXED_NOW


@pytest.fixture
def environment():  # type: ignore[no-untyped-def]
    return script_engine(FIXED_NOW).environment


@pytest.mark.parametrize("expression", [
    '"a" * 10**9', "[0] * 10**8", "2 ** 10**8", "pow(10, 10**9)", "1 << 10**9", "len(range(10**9))",
    '"x".ljust(10**9)', 'str.center("x", 10**9)', '"".join(["a" * 1000] * 10**4)', '"%1000000000d" % 1',
    '"{:>1000000000}".format(1)', "sum([[1]] * 10, [])", '"ab".replace("", "x" * 10**6)',
])
def test_a_result_over_the_size_limit_is_refused_before_it_is_built(environment, expression: str) -> None:
    with pytest.raises(ScriptLimitExceeded):
        environment.evaluate(expression, {})


@pytest.mark.parametrize("script", [
    "n = 0\nwhile n >= 0:\n    n += 1",
    "n = 0\nwhile n >= 0:\n    try:\n        n += 1\n    except Exception:\n        pass",
    "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nr = f(60)",
    "r = [x for x in range(10**6) for y in range(10**6)]",
])
def test_work_without_end_is_stopped_by_the_step_or_time_budget(environment, monkeypatch, script: str) -> None:
    monkeypatch.setenv("SOSFLOW_SCRIPT_TIME_LIMIT", "0.2")
    with pytest.raises(ScriptLimitExceeded):
        environment.execute(script, {})


@pytest.mark.parametrize("source", ["getattr(x, '__class__')", "open('/etc/passwd')", "type(x)", "vars()",
                                    "f'{x:>{n}}'", "SystemExit"])
def test_names_and_formats_that_reopen_the_sandbox_are_refused(environment, source: str) -> None:
    with pytest.raises((UnsafeScript, NameError)):
        environment.evaluate(source, {"x": 1, "n": 5})


def test_task_data_named_like_a_guard_does_not_replace_it(environment) -> None:
    with pytest.raises(ScriptLimitExceeded):
        environment.evaluate('"a" * 10**9', {"_binop_": lambda *args: "", "_tick_": lambda: None})


def test_ordinary_work_is_unaffected(environment) -> None:
    context: dict = {"checks": [{"agency": "police"}]}
    environment.execute("total = 0\nfor i in range(100):\n    total += i\nlabel = 'n=%d' % total", context)
    assert (context["total"], context["label"]) == (4950, "n=4950")
    assert environment.evaluate("'-'.join(c['agency'] for c in checks) * 2", context) == "policepolice"
