"""A workflow that fails during a user's own request: the error named by its element and variable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException

from engine.errors import StepFailed
from engine.models import ProcessInstance

# What a diagram's expressions, scripts and gateways raise; database and engine errors pass through.
WORKFLOW_ERRORS = (SpiffWorkflowException, ArithmeticError, LookupError, NameError, TypeError, ValueError,
                   AttributeError)


@contextmanager
def step_failure(instance: ProcessInstance, element_id: str) -> Iterator[None]:
    """Turn a failure of the workflow itself into StepFailed, naming where and why."""
    case_id, instance_id = instance.case_id, instance.id
    try:
        yield
    except WORKFLOW_ERRORS as exc:
        details = describe_failure(exc, element_id)
        raise StepFailed(details["message"], details, case_id=case_id, instance_id=instance_id) from exc


def describe_failure(exc: BaseException, default_element: str) -> dict[str, Any]:
    """Element id, variable (for a NameError), error type and a one-line reason."""
    spec = exc.task_spec if isinstance(exc, WorkflowException) else None
    element_id = getattr(spec, "bpmn_id", None) or default_element
    cause = _root_cause(exc)
    variable = cause.name if isinstance(cause, NameError) else None
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if cause is not exc:
        reason = f"{reason}: {type(cause).__name__}: {cause}"
    message = f"the process could not continue at '{element_id}'"
    if variable:
        message += f": '{variable}' has no value there"
    return {"element_id": element_id, "variable": variable, "error": type(cause).__name__, "reason": reason,
            "message": message}


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen
