"""Deploying a diagram: checked and verified first, then stored as the next version of its process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.db import Database
from engine.definitions import check_diagram
from engine.models import Group, ProcessDefinition
from engine.unit_of_work import unit_of_work


def deploy_definition(
    db: Database, data: bytes, file_name: str, actor: Actor, now: datetime, key: str | None = None
) -> tuple[ProcessDefinition, bool]:
    """Check and store a diagram as the next version of its process; unchanged XML is not redeployed."""
    access.require_role(actor, access.Role.PROCESS_OWNER)
    with unit_of_work(db, now) as uow:
        session = uow.session
        groups = session.scalars(select(Group.name)).all()
        checked = check_diagram(data, file_name, groups, key)
        latest = latest_definition(session, checked.key)
        if latest is not None and latest.sha256 == checked.sha256:
            return latest, False
        definition = ProcessDefinition(
            key=checked.key, version=(latest.version + 1) if latest else 1, name=checked.name,
            sha256=checked.sha256, bpmn_xml=checked.xml, start_form=checked.start_form,
            start_lane=checked.start_lane, deployed_by=actor.username, deployed_at=now,
            validation_report=checked.report,
        )
        session.add(definition)
        session.flush()
        uow.record("definition_deployed", actor=actor.username,
                   payload={"key": definition.key, "version": definition.version, "sha256": definition.sha256})
        return definition, True


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The newest deployed version of a process, which new instances use."""
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    return session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()
