"""Alerts for auditors and administrators: raised by the engine (a broken audit chain), listed by the API.

An alert is a row plus an audit event, written in the caller's unit of work; the same alert (same
kind and key) is not raised twice while it stands, so a nightly check that keeps finding one break
does not bury the list.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import Actor, Role
from engine.errors import Forbidden
from engine.models import Alert
from engine.unit_of_work import UnitOfWork

ALERT_READERS = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})
LOG = logging.getLogger(__name__)


def raise_alert(uow: UnitOfWork, kind: str, message: str, details: dict[str, Any], *, actor: str = "system") -> bool:
    """Store an alert (and audit it) unless one of this kind with the same details already stands."""
    recent = select(Alert).where(Alert.kind == kind).order_by(Alert.id.desc()).limit(20)
    if any(alert.details == details for alert in uow.session.scalars(recent)):
        return False
    uow.session.add(Alert(kind=kind, message=message, details=details, raised_at=uow.now))
    uow.record("alert_raised", actor=actor, payload={"kind": kind, "message": message, **details})
    LOG.error("alert %s: %s %s", kind, message, details)
    return True


def require_alert_reader(actor: Actor) -> None:
    if not actor.groups & ALERT_READERS:
        raise Forbidden("alerts are for auditors and administrators")


def list_alerts(session: Session, actor: Actor, limit: int = 100) -> list[Alert]:
    """The newest alerts first."""
    require_alert_reader(actor)
    return list(session.scalars(select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)))
