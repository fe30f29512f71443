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


def lane_groups(session: Session) -> set[str]:
    """Every group that owns a lane in the latest version of each deployed process."""
    from lxml import etree

    from engine.definitions import BPMN_NS

    names: set[str] = set()
    latest: dict[str, ProcessDefinition] = {}
    for definition in list_definitions(session):
        latest.setdefault(definition.key, definition)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for definition in latest.values():
        root = etree.fromstring(definition.bpmn_xml.encode("utf-8"), parser)
        names.update(lane.get("name") for lane in root.iter(f"{{{BPMN_NS}}}lane") if lane.get("name"))
    return names
