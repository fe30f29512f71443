"""A new process for the modeler: the rules for its id and name, and the blank diagram it starts from (the
process, one start event and its shape), so a process owner draws a new process instead of uploading one."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

KEY = re.compile(r"[a-z][a-z0-9_]{0,62}")
NAME_LIMIT = 120


def problems(key: str, name: str, taken: set[str]) -> list[dict[str, str]]:
    """The error summary's entries for a chosen id and name ([] when both will do)."""
    found = []
    if not key:
        found.append({"href": "#key", "text": "Enter a process ID"})
    elif not KEY.fullmatch(key):
        found.append({"href": "#key", "text": "Process ID must start with a lower-case letter and use only lower-case "
                                              "letters, numbers and underscores (at most 63 characters)"})
    elif key in taken:
        found.append({"href": "#key", "text": "A process with this ID is already deployed: edit its latest version "
                                              "instead, or choose another ID"})
    if not name:
        found.append({"href": "#name", "text": "Enter a process name"})
    elif len(name) > NAME_LIMIT:
        found.append({"href": "#name", "text": f"Process name must be {NAME_LIMIT} characters or fewer"})
    return found


def blank(key: str, name: str) -> str:
    """BPMN 2.0 XML of process `key` called `name` with only its start event (id `start`), drawn."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id={quoteattr(key)} name={quoteattr(name)} isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{key}">
    <bpmndi:BPMNPlane id="BPMNPlane_{key}" bpmnElement={quoteattr(key)}>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
