"""No dead ends at deploy: every `starts_process` names a process that is deployed, or deployed in the same run.

A single diagram can only hand off to processes already there; `deploy_definitions` (what `sosflow deploy`
runs over bpmn/) stores a whole set in one transaction, targets first, and accepts processes that hand off
to each other in a cycle only when they arrive together; a refused set stores nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import cli
from engine import runtime
from engine.db import Database
from engine.errors import DiagramInvalid
from engine.models import ProcessDefinition
from tests.conftest import Clock
from tests.factories import BPMN_DIR, PROCESS_OWNER

ALL = sorted(path.name for path in BPMN_DIR.glob("*.bpmn"))


def upload(name: str) -> runtime.DiagramFile:
    return runtime.DiagramFile((BPMN_DIR / name).read_bytes(), name)


def stored_keys(db: Database) -> list[str]:
    with db.reading() as session:
        return sorted(session.scalars(select(ProcessDefinition.key)))


def test_a_diagram_alone_is_refused_while_a_process_it_hands_off_to_is_not_deployed(db: Database, clock: Clock) -> None:
    with pytest.raises(DiagramInvalid) as refused:
        runtime.deploy_definition(db, (BPMN_DIR / "cin_plan.bpmn").read_bytes(), "cin_plan.bpmn", PROCESS_OWNER,
                                  clock())

    (problem,) = refused.value.problems
    assert (problem.element_id, problem.tag, problem.file_name) == ("end_plan_step_up", "endEvent", "cin_plan.bpmn")
    assert "'strategy_discussion', which is not deployed" in problem.message
    assert stored_keys(db) == []


def test_processes_that_hand_off_to_each_other_deploy_together_targets_first(db: Database, clock: Clock) -> None:
    deployed = runtime.deploy_definitions(db, [upload(name) for name in ALL], PROCESS_OWNER, clock())

    order = [definition.key for definition, _ in deployed]
    assert sorted(order) == sorted(Path(name).stem for name in ALL)
    # lado_allegation hands off and nothing hands off to it; the cycle (MASH, early help, strategy discussion,
    # assessment, plans, conference) is stored in one transaction, so no stored diagram ever points nowhere.
    assert order.index("strategy_discussion") < order.index("lado_allegation")
    assert all(created for _, created in deployed)


def test_a_set_with_one_missing_target_stores_nothing(db: Database, clock: Clock) -> None:
    with pytest.raises(DiagramInvalid) as refused:
        runtime.deploy_definitions(db, [upload("mash_screening.bpmn"), upload("early_help.bpmn")], PROCESS_OWNER,
                                   clock())

    assert {(p.file_name, p.element_id) for p in refused.value.problems} == {
        ("mash_screening.bpmn", "end_cin_assessment"), ("mash_screening.bpmn", "end_immediate_protection"),
        ("mash_screening.bpmn", "end_strategy_discussion"), ("mash_screening.bpmn", "end_manager_immediate_protection"),
        ("mash_screening.bpmn", "end_danger_protection")}
    assert stored_keys(db) == []


def test_sosflow_deploy_deploys_every_diagram_in_bpmn_in_one_run(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()

    first = runner.invoke(cli, ["deploy"])
    again = runner.invoke(cli, ["deploy"])

    assert first.exit_code == 0, first.output
    assert sorted(first.output.splitlines()) == sorted(f"{Path(n).stem} v1 deployed" for n in ALL)
    assert sorted(again.output.splitlines()) == sorted(f"{Path(n).stem} v1 unchanged" for n in ALL)
    alone = runner.invoke(cli, ["deploy", str(BPMN_DIR / "cin_plan.bpmn")])
    assert alone.exit_code == 0 and alone.output == "cin_plan v1 unchanged\n"
