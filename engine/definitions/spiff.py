"""SpiffWorkflow's parser on a safely parsed tree: its errors turned into located diagram problems."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.definitions.timers import SosBpmnParser
from engine.definitions.xml_safety import BPMN_NS
from engine.errors import DiagramInvalid, DiagramProblem

_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")
MAX_MESSAGE_CHARS = 300


def sentence(text: str) -> str:
    """One line of plain words: SpiffWorkflow and RestrictedPython messages can carry
    namespaces, object reprs, newlines and whole expressions."""
    text = _ELEMENT_REPR.sub(r"\1", text).replace(f"{{{BPMN_NS}}}", "bpmn:")
    text = " ".join(text.split()).rstrip(". ")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"
    return text


def properties_of(task_spec: Any) -> dict[str, str]:
    """The `spiffworkflow:property` values on an element (empty when there are none)."""
    return dict(getattr(task_spec, "extensions", {}).get("properties", {}) or {})


def _element_id_at(root: Any, line: int | None) -> str | None:
    if not line:
        return None
    return next((el.get("id") for el in root.iter(etree.Element) if el.sourceline == line and el.get("id")), None)


def _spiff_problem(exc: ValidationException, file_name: str, root: Any) -> DiagramProblem:
    line = getattr(exc, "line_number", None) or None
    message = str(exc.args[0]) if exc.args else ""
    cause = exc.__context__
    if cause is not None and message == repr(cause):  # SpiffWorkflow wraps its own crashes as repr(exception)
        message = f"SpiffWorkflow cannot read this element ({type(cause).__name__}: {cause})"
    return DiagramProblem(
        message=sentence(message) or "SpiffWorkflow refused the diagram",
        element_id=getattr(exc, "id", None) or _element_id_at(root, line),
        tag=getattr(exc, "tag", None) or None,
        line=line,
        file_name=file_name,
    )


def _unexpected_problem(what: str, exc: Exception, file_name: str) -> DiagramProblem:
    detail = sentence(str(exc))
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return DiagramProblem(sentence(f"{what} ({reason})"), file_name=file_name)


def parse_with_spiff(root: Any, file_name: str) -> SosBpmnParser:
    parser = SosBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, file_name)
    except ValidationException as exc:
        raise DiagramInvalid([_spiff_problem(exc, file_name, root)]) from exc
    except Exception as exc:  # SpiffWorkflow raises bare errors on constructs it does not support
        raise DiagramInvalid([_unexpected_problem("SpiffWorkflow cannot read this diagram", exc, file_name)]) from exc
    return parser


def choose_process(parser: SosBpmnParser, key: str | None, file_name: str) -> str:
    executable = parser.get_process_ids()
    if not executable:
        problem = "no executable process: set isExecutable=\"true\" on the process to deploy"
        raise DiagramInvalid([DiagramProblem(problem, file_name=file_name)])
    if key is not None:
        if key not in executable:
            raise DiagramInvalid([DiagramProblem(f"no executable process with id '{key}'", file_name=file_name)])
        return key
    if len(executable) > 1:
        problem = f"several executable processes ({', '.join(sorted(executable))}); name one as `key`"
        raise DiagramInvalid([DiagramProblem(problem, file_name=file_name)])
    return str(executable[0])


def load_specs(parser: SosBpmnParser, root: Any, key: str, file_name: str) -> tuple[Any, dict[str, Any]]:
    try:
        spec = parser.get_spec(key)
        _wire_event_subprocesses(spec)
        return spec, parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DiagramInvalid([_spiff_problem(exc, file_name, root)]) from exc
    except Exception as exc:
        problem = _unexpected_problem(f"SpiffWorkflow cannot build process '{key}'", exc, file_name)
        raise DiagramInvalid([problem]) from exc




def _wire_event_subprocesses(spec: Any) -> None:
    """Give each event sub-process the links SpiffWorkflow adds when it is first triggered (from the start, on to
    the end) but not the start's link to it: SpiffWorkflow would otherwise rewire the shared spec at the first
    trigger, making every later instance wait on the sub-process, and a fresh process could not finish one."""
    for name in spec.start.trigger_specs:
        sub = spec.task_specs[name]
        if not sub.inputs:
            sub.inputs = [spec.start]
            sub.connect(spec.end)
