"""Definition reads: every deployed version, and one version's BPMN."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import ProcessDefinition


def list_definitions(session: Session) -> list[ProcessDefinition]:
    query = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    return list(session.scalars(query))


def get_definition_version(session: Session, key: str, version: int) -> ProcessDefinition:
    found = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).first()
    if found is None:
        raise NotFound(f"no version {version} of {key}")
    return found
