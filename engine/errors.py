"""The engine's exceptions; `api/errors.py` maps each one to an HTTP status exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class EngineError(Exception):
    """Base class: a message for people plus optional structured details."""

    code = "engine_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(EngineError):
    """The thing does not exist, or the actor may not know that it exists."""

    code = "not_found"


class Forbidden(EngineError):
    """The actor may see the thing but not do this to it."""

    code = "forbidden"


class Unauthenticated(EngineError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class StaleState(EngineError):
    """Someone else changed the state first (optimistic lock lost, task already taken)."""

    code = "conflict"


class InstanceChanged(StaleState):
    """The instance's revision moved on under us (e.g. a sibling task of the same case finished first)."""


class InvalidInput(EngineError):
    """The request is well-formed but its content breaks a rule."""

    code = "invalid"


class StepFailed(InvalidInput):
    """The workflow itself failed during a user's request (an expression, a gateway with no way out).

    `details` names the element and, for an undefined name, the variable; nothing was written.
    """

    code = "step_failed"

    def __init__(self, message: str, details: dict[str, Any], *, case_id: str, instance_id: str) -> None:
        super().__init__(message, details)
        self.case_id = case_id
        self.instance_id = instance_id


class RetryFailed(InvalidInput):
    """Retrying an incident failed again; `details` name the element and the reason, and the incident stays open."""

    code = "retry_failed"


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a JSON pointer and a reason."""

    pointer: str
    message: str
    validator: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message, "validator": self.validator}


class FormInvalid(InvalidInput):
    """Form data broke its JSON Schema; `problems` names each field."""

    code = "form_invalid"

    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        super().__init__(message, details=[p.as_dict() for p in problems])
        self.problems = problems


@dataclass(frozen=True)
class DiagramProblem:
    """One reason a diagram cannot be deployed, pinned to its element where possible."""

    message: str
    element_id: str | None = None
    tag: str | None = None
    line: int | None = None
    file_name: str | None = None
    counterexample: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "element_id": self.element_id,
            "tag": self.tag,
            "line": self.line,
            "file": self.file_name,
            "message": self.message,
            "counterexample": self.counterexample,
        }


class DiagramInvalid(InvalidInput):
    """A BPMN upload failed parsing or our deployment rules."""

    code = "diagram_invalid"

    def __init__(self, problems: list[DiagramProblem]) -> None:
        first = problems[0].message if problems else "invalid diagram"
        super().__init__(f"The diagram cannot be deployed: {first}", [p.as_dict() for p in problems])
        self.problems = problems
