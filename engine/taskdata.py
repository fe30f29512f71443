"""Each user task owns its answers: how a submission enters the workflow's data, and how a task narrows its form.

Completing a task first clears every field of its form from the data it passes on, then writes the
submission, and keeps a copy under the task's element id (`answers[element_id]`) and the time under
`completed[element_id]`. So a later gateway never routes on a value an earlier task or an earlier
loop cycle left behind, and parallel strands that share field names keep both answers.

A task may narrow its form in the diagram with the property `constraints`, a JSON object naming
fields and the values they may take here, e.g. `{"type": ["review"]}`; a narrowed field is required.
The runtime (every completion) and the deploy verification (every dry run) use these same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

import forms
from forms import FieldError

ANSWERS = "answers"
COMPLETED = "completed"
STAMPED_FIELDS = ("author", "completed_at", "case_id")
Constraints = dict[str, tuple[Any, ...]]


class ConstraintsInvalid(ValueError):
    """The `constraints` property of a task is not a JSON object of field → allowed value(s)."""


def parse_constraints(raw: str | None, form_key: str | None = None) -> Constraints:
    """The task's narrowing as {field: allowed values}; ConstraintsInvalid says what is wrong with it."""
    if raw is None or not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ConstraintsInvalid(f"constraints are not JSON ({exc})") from exc
    if not isinstance(parsed, dict) or not parsed:
        raise ConstraintsInvalid('constraints must be a JSON object such as {"type": ["review"]}')
    fields = set(form_fields(form_key)) if form_key and forms.form_exists(form_key) else None
    narrowed: Constraints = {}
    for name, allowed in parsed.items():
        values = tuple(allowed) if isinstance(allowed, list) else (allowed,)
        if not values or any(isinstance(v, (dict, list)) for v in values):
            raise ConstraintsInvalid(f"constraint on '{name}' must be a value or a non-empty list of values")
        if fields is not None and name not in fields:
            raise ConstraintsInvalid(f"constraint names '{name}', which form '{form_key}' does not have")
        narrowed[name] = values
    return narrowed


def form_fields(form_key: str) -> list[str]:
    """The top-level fields a form owns (what a completion of it clears first)."""
    return list(forms.form_fields(form_key))


def validate_submission(form_key: str, data: object, constraints: Constraints) -> list[FieldError]:
    """The form's own errors, then the task's narrowing, each with its JSON pointer."""
    errors = forms.validate_form(form_key, data)
    if not isinstance(data, Mapping):
        return errors
    seen = {error.pointer for error in errors}
    for name, allowed in constraints.items():
        pointer = "/" + name.replace("~", "~0").replace("/", "~1")
        if pointer in seen:
            continue
        if name not in data:
            errors.append(FieldError(pointer, forms.missing_message(form_key, name), "required"))
        elif data[name] not in allowed or isinstance(data[name], bool) != isinstance(allowed[0], bool):
            errors.append(FieldError(pointer, forms.not_allowed_message(form_key, name, list(allowed)), "enum"))
    return sorted(errors, key=lambda each: (each.pointer, each.validator, each.message))


def stamped(data: Mapping[str, Any], *, author: str, at: str, case_id: str) -> dict[str, Any]:
    """A submission with the fields only the server writes (`STAMPED_FIELDS`), whatever the client sent."""
    return {**data, "author": author, "completed_at": at, "case_id": case_id}


def apply_submission(
    task_data: dict[str, Any], form_key: str, element_id: str, submission: Mapping[str, Any], at: str
) -> None:
    """Write a validated submission into the data the task passes on, replacing its form's old answers."""
    for name in form_fields(form_key):
        task_data.pop(name, None)
    task_data.update(submission)
    task_data[ANSWERS] = {**task_data.get(ANSWERS, {}), element_id: dict(submission)}
    task_data[COMPLETED] = {**task_data.get(COMPLETED, {}), element_id: at}


def prefill(
    task_data: Mapping[str, Any], form_key: str, element_id: str, constraints: Constraints,
    decision_fields: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """What a task form opens with: its own previous answer (a loop), else the values its fields hold now.

    Fields a gateway routes on are left blank, so a decision is always given afresh; a narrowed field
    with one allowed value is filled with it. Stamped fields are the server's, never the client's.
    """
    own = task_data.get(ANSWERS, {}).get(element_id)
    source = own if isinstance(own, Mapping) else task_data
    fields = set(form_fields(form_key)) - set(STAMPED_FIELDS) - decision_fields
    values = {name: source[name] for name in fields if name in source}
    for name, allowed in constraints.items():
        if len(allowed) == 1:
            values[name] = allowed[0]
        elif values.get(name) not in allowed:
            values.pop(name, None)
    return values
