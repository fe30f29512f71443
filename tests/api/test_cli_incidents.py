"""`sosflow incidents list` and `sosflow incidents retry ID` on the real database."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import cli
from engine.calendar import LONDON
from engine.db import Database
from engine.models import Incident
from tests.api.helpers import complete, open_referral, screen
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import deploy


@pytest.fixture
def runner(db: Database, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return CliRunner()


def test_the_cli_lists_an_open_incident_and_retries_it_once_the_target_is_deployed(
    api: ApiClient, db: Database, clock: Clock, runner: CliRunner
) -> None:
    case = open_referral(api)
    screen(api, agencies=[], immediate_danger=True)
    complete(api, "maya", "emergency_response")  # strategy_discussion is not deployed: the hand-off is an incident
    with db.reading() as session:
        incident_id = session.scalars(select(Incident.id)).one()

    listed = runner.invoke(cli, ["incidents", "list"])
    assert listed.exit_code == 0, listed.output
    assert incident_id in listed.output and case["reference"] in listed.output
    assert "end_immediate_protection" in listed.output and "1 open incident(s)" in listed.output

    refused = runner.invoke(cli, ["incidents", "retry", incident_id])
    assert refused.exit_code == 1 and "no process 'strategy_discussion' is deployed" in refused.output

    deploy(db, name="strategy_discussion.bpmn", now=datetime(2026, 5, 22, 12, 0, tzinfo=LONDON))
    retried = runner.invoke(cli, ["incidents", "retry", incident_id])
    assert retried.exit_code == 0, retried.output
    assert f"incident {incident_id} resolved after 3 tries" in retried.output
    assert "0 open incident(s)" in runner.invoke(cli, ["incidents", "list"]).output
    assert "1 resolved incident(s)" in runner.invoke(cli, ["incidents", "list", "--status", "resolved"]).output
