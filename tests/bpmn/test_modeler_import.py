"""Every diagram imports into bpmn-moddle (the reader behind bpmn-js and Camunda Modeler) without a warning."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("moddle_check.mjs")
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))


def _import_reports(paths: list[Path]) -> dict[str, dict]:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "bpmn-moddle").is_dir():
        pytest.skip("needs node and `npm ci` (make test runs it)")
    result = subprocess.run(["node", str(SCRIPT), *map(str, paths)], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda p: p.stem)
def test_the_diagram_opens_in_the_modeler_without_warnings(diagram: Path) -> None:
    report = _import_reports([diagram])[str(diagram)]
    assert report == {"warnings": [], "unresolved": [], "diagrams": 1}


def test_a_broken_reference_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    text = (ROOT / "bpmn" / "mash_screening.bpmn").read_text()
    broken.write_text(text.replace('targetRef="end_nfa"', 'targetRef="end_nowhere"'))
    report = _import_reports([broken])[str(broken)]
    assert any("end_nowhere" in warning for warning in report["warnings"])
