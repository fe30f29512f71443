"""Deploying diagrams: checked and verified first, then stored as the next version of their process.

No dead ends: an end event's `starts_process` must name a process that is deployed already or is
deployed in the same call. Several files deployed together (`deploy_definitions`, what `sosflow
deploy` uses) are checked first and stored in one transaction, hand-off targets before the diagrams
that hand off to them; processes that hand off to each other in a cycle (early help steps up to MASH,
MASH hands off to early help) can only arrive together, so a cycle is allowed only within one call
and never leaves a stored diagram pointing at a process that is not there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.db import Database
from engine.definitions import CheckedDiagram, check_diagram
from engine.errors import DiagramInvalid, DiagramProblem
from engine.models import Group, ProcessDefinition
from engine.unit_of_work import UnitOfWork, unit_of_work


@dataclass(frozen=True)
class DiagramFile:
    """One upload: the BPMN bytes, the file name problems are reported against, and the process to take."""

    data: bytes
    file_name: str
    key: str | None = None


def deploy_definition(
    db: Database, data: bytes, file_name: str, actor: Actor, now: datetime, key: str | None = None
) -> tuple[ProcessDefinition, bool]:
    """Check and store a diagram as the next version of its process; unchanged XML is not redeployed."""
    ((definition, created),) = deploy_definitions(db, [DiagramFile(data, file_name, key)], actor, now)
    return definition, created


def deploy_definitions(
    db: Database, files: Sequence[DiagramFile], actor: Actor, now: datetime
) -> list[tuple[ProcessDefinition, bool]]:
    """Check every file, then store all of them or none, hand-off targets first (see the module docstring)."""
    access.require_role(actor, access.Role.PROCESS_OWNER)
    with unit_of_work(db, now) as uow:
        groups = uow.session.scalars(select(Group.name)).all()
        checked = [(check_diagram(f.data, f.file_name, groups, f.key), f.file_name) for f in files]
        deployed = set(uow.session.scalars(select(ProcessDefinition.key).distinct()))
        problems = dead_ends(checked, deployed | {diagram.key for diagram, _ in checked})
        if problems:
            raise DiagramInvalid(problems)
        return [_store(uow, diagram, actor) for diagram in dependency_order([d for d, _ in checked])]


def check_definition(
    db: Database, data: bytes, file_name: str, actor: Actor, key: str | None = None
) -> tuple[CheckedDiagram | None, list[DiagramProblem]]:
    """Every check `deploy_definition` makes, storing nothing: the diagram if it would deploy, else its problems.

    What the modeler's "Check" runs: the same checks and verification, against the groups and processes
    deployed now, so a diagram that passes here deploys unless someone else deploys in between."""
    access.require_role(actor, access.Role.PROCESS_OWNER)
    with db.reading() as session:
        groups = session.scalars(select(Group.name)).all()
        deployed = set(session.scalars(select(ProcessDefinition.key).distinct()))
    try:
        checked = check_diagram(data, file_name, groups, key)
    except DiagramInvalid as invalid:
        return None, invalid.problems
    problems = dead_ends([(checked, file_name)], deployed | {checked.key})
    return (None, problems) if problems else (checked, [])


def dead_ends(checked: Sequence[tuple[CheckedDiagram, str]], available: set[str]) -> list[DiagramProblem]:
    """Every end event whose `starts_process` names a process neither deployed nor being deployed."""
    return [
        DiagramProblem(f"the end event hands the case on to process '{target}', which is not deployed; deploy "
                       "it first, or in the same run (sosflow deploy)", element_id=element_id, tag="endEvent",
                       file_name=file_name)
        for diagram, file_name in checked for element_id, target in sorted(diagram.handoffs.items())
        if target not in available
    ]


def dependency_order(diagrams: Sequence[CheckedDiagram]) -> list[CheckedDiagram]:
    """Hand-off targets before the diagrams that name them; a cycle is broken at its first file given."""
    remaining, ordered = list(diagrams), []
    placed: set[str] = set()
    batch = {diagram.key for diagram in diagrams}
    while remaining:
        ready = [d for d in remaining if set(d.handoffs.values()) & batch <= placed | {d.key}]
        chosen = ready[0] if ready else remaining[0]
        remaining.remove(chosen)
        placed.add(chosen.key)
        ordered.append(chosen)
    return ordered


def _store(uow: UnitOfWork, checked: CheckedDiagram, actor: Actor) -> tuple[ProcessDefinition, bool]:
    session = uow.session
    latest = latest_definition(session, checked.key)
    if latest is not None and latest.sha256 == checked.sha256:
        return latest, False
    definition = ProcessDefinition(
        key=checked.key, version=(latest.version + 1) if latest else 1, name=checked.name,
        sha256=checked.sha256, bpmn_xml=checked.xml, start_form=checked.start_form,
        start_lane=checked.start_lane, deployed_by=actor.username, deployed_at=uow.now,
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
