"""Signs of Safety record reads: a case's family network and its scale ratings over time."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.errors import NotFound
from engine.models import Case, FamilyNetwork, ScaleRecord


def get_family_network(session: Session, actor: Actor, case_id: str) -> dict[str, Any]:
    """The case's latest family network graph; 404 when none has been recorded."""
    access.require_case_visible(session, actor, session.get(Case, case_id))
    row = session.get(FamilyNetwork, case_id)
    if row is None:
        raise NotFound("no family network has been recorded for this case")
    return {"people": row.people, "relationships": row.relationships, "households": row.households,
            "ecomap_links": row.ecomap_links}


def list_scales(session: Session, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """Every rating per danger statement (None = overall), oldest first, with the spread on each date."""
    access.require_case_visible(session, actor, session.get(Case, case_id))
    rows = session.scalars(
        select(ScaleRecord).where(ScaleRecord.case_id == case_id).order_by(ScaleRecord.rated_on, ScaleRecord.id)
    )
    series: dict[str | None, list[ScaleRecord]] = defaultdict(list)
    for row in rows:
        series[row.danger_statement_id].append(row)
    return [_series(statement_id, ratings) for statement_id, ratings in series.items()]


def _series(statement_id: str | None, ratings: list[ScaleRecord]) -> dict[str, Any]:
    by_date: dict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        by_date[rating.rated_on].append(rating.value)
    statement = next((r.danger_statement for r in reversed(ratings) if r.danger_statement), None)
    return {
        "danger_statement_id": statement_id,
        "danger_statement": statement,
        "ratings": ratings,
        "by_date": [{"rated_on": day, "count": len(values), "min": min(values), "max": max(values),
                     "mean": round(mean(values), 2)} for day, values in sorted(by_date.items())],
    }
