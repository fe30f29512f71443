"""Diagrams: parse untrusted BPMN safely, check and verify it before a deploy, cache parsed specs.

One module per job: `xml_safety` (no DTDs, entities or network), `spiff` (SpiffWorkflow's parser and
its errors), `timers` (timers on the engine's clock), `checks` (our deploy rules), `verify` (what
schema-valid data can do to the diagram), `cache` (parsed specs per stored version).
"""

from engine.definitions.cache import parsed_specs
from engine.definitions.checks import CheckedDiagram, check_diagram, properties_of
from engine.definitions.timers import ClockedDuration, ClockedTimeDate, SosBpmnParser
from engine.definitions.xml_safety import BPMN_NS, MAX_UPLOAD_BYTES, NS, SPIFF_NS, XXE_PROBLEM, safe_parse

__all__ = [
    "BPMN_NS", "MAX_UPLOAD_BYTES", "NS", "SPIFF_NS", "XXE_PROBLEM", "CheckedDiagram", "ClockedDuration",
    "ClockedTimeDate", "SosBpmnParser", "check_diagram", "parsed_specs", "properties_of", "safe_parse",
]
