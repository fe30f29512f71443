"""Parsed specs of stored definition versions, parsed once per process (versions are immutable)."""

from __future__ import annotations

from typing import Any

from engine.definitions.spiff import load_specs, parse_with_spiff
from engine.definitions.xml_safety import safe_parse
from engine.models import ProcessDefinition

_SPECS: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def parsed_specs(definition: ProcessDefinition) -> tuple[Any, dict[str, Any]]:
    """The parsed spec of one stored (immutable) definition version, parsed once per process."""
    cache_key = (definition.id, definition.sha256)
    if cache_key not in _SPECS:
        file_name = f"{definition.key}.bpmn"
        root = safe_parse(definition.bpmn_xml.encode("utf-8"), file_name)
        _SPECS[cache_key] = load_specs(parse_with_spiff(root, file_name), root, definition.key, file_name)
    return _SPECS[cache_key]
