"""Every sequence flow of every diagram in bpmn/ is taken by at least one path test.

Runs last (see tests/conftest.py), after every `*_paths` and `*_journey` module,
and reads the flows those tests took from tests/path_coverage.TAKEN.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.path_coverage import TAKEN, diagram_flows

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.mark.parametrize("diagram", sorted(BPMN_DIR.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_flow_of_the_diagram_is_taken_by_a_path_test(diagram: Path, request: pytest.FixtureRequest) -> None:
    ran = [item for item in request.session.items if any(m in item.module.__name__ for m in ("_paths", "_journey"))]
    if not ran:
        pytest.skip("no path tests ran in this session; run the whole suite to check path coverage")
    key = diagram.stem
    uncovered = sorted(flow_id for flow_id, pair in diagram_flows(diagram).items() if pair not in TAKEN[key])
    assert not uncovered, f"{key}: no test takes the flow(s) {', '.join(uncovered)}"
