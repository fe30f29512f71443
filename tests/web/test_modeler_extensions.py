"""The modeler's `spiffworkflow` moddle descriptor: every diagram's properties are read as the properties panel
shows them, and a diagram written back by the modeler keeps every property and passes the deploy checks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.access import Role
from engine.definitions import NS, check_diagram, safe_parse

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("moddle_roundtrip.mjs")
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))


def round_trip(path: Path) -> dict[str, Any]:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "bpmn-moddle").is_dir():
        pytest.skip("needs node and `npm ci` (make test runs it)")
    result = subprocess.run(["node", str(SCRIPT), str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60,
                            check=True)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def spiff_properties(xml: bytes) -> dict[str, dict[str, str]]:
    """Element id → its spiffworkflow properties, read the way the engine reads them (safe_parse)."""
    root = safe_parse(xml, "diagram.bpmn")
    found: dict[str, dict[str, str]] = {}
    for prop in root.iterfind(".//spiffworkflow:property", NS):
        owner = prop.getparent().getparent().getparent()
        found.setdefault(owner.get("id"), {})[prop.get("name")] = prop.get("value")
    return found


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda p: p.stem)
def test_the_modeler_reads_every_property_of_the_diagram_and_writes_each_back(diagram: Path) -> None:
    answer = round_trip(diagram)
    original = spiff_properties(diagram.read_bytes())
    assert answer["warnings"] == []
    assert answer["properties"] == original and original
    assert spiff_properties(answer["xml"].encode("utf-8")) == original


def test_a_diagram_saved_by_the_modeler_passes_the_deploy_checks() -> None:
    answer = round_trip(ROOT / "bpmn" / "mash_screening.bpmn")
    groups = [role.value for role in Role] + ["edt"]  # the emergency duty team: a group (migration 0001), not a role
    checked = check_diagram(answer["xml"].encode("utf-8"), "mash_screening.bpmn", groups)
    user_tasks = (ROOT / "bpmn" / "mash_screening.bpmn").read_text().count("<bpmn:userTask ")
    assert checked.key == "mash_screening" and checked.report["user_tasks"] == user_tasks
