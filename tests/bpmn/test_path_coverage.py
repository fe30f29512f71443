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
    if request.config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        pytest.skip("path coverage is checked only when the whole suite runs (`make test`)")
    key = diagram.stem
    uncovered = sorted(flow_id for flow_id, pair in diagram_flows(diagram).items() if pair not in TAKEN[key])
    assert not uncovered, f"{key}: no test takes the flow(s) {', '.join(uncovered)}"
