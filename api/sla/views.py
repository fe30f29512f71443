"""SLA endpoints for managers: live breaches and at-risk work across the lanes they manage, and reports
over a date range (per-step summary, the statutory indicators, how late timers fired)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from api.sla.schemas import (
    DateRangeQuerySchema,
    IndicatorsSchema,
    SlaListQuerySchema,
    SlaPageSchema,
    SummarySchema,
    TimerLatenessSchema,
)
from engine.calendar import LONDON
from engine.queries.indicators import compute_indicators, sla_summary, timer_lateness
from engine.queries.sla import SlaFilter, list_at_risk, list_breaches

blp = ApiBlueprint("sla", __name__, url_prefix="/api/v1/sla",
                   description="Deadlines across the teams a manager manages, and the statutory indicators")


def _filter(args: dict[str, Any]) -> SlaFilter:
    return SlaFilter(process=args.get("process"), step=args.get("step"), group=args.get("group"),
                     assignee=args.get("assignee"), level=args.get("level"))


def _range(args: dict[str, Any], default_days: int) -> tuple[datetime, datetime]:
    """[start of `from`, start of the day after `to`) in UK time; default: the last `default_days` days."""
    last: date = args.get("to") or context.now().astimezone(LONDON).date()
    first: date = args.get("from_") or last - timedelta(days=default_days - 1)
    return (datetime.combine(first, time(), tzinfo=LONDON),
            datetime.combine(last + timedelta(days=1), time(), tzinfo=LONDON))


@blp.route("/breaches")
class Breaches(MethodView):
    @blp.arguments(SlaListQuerySchema, location="query")
    @blp.response(200, SlaPageSchema)
    @blp.alt_response(403, description="Not a manager, or not the manager of the group asked for")
    def get(self, args: dict[str, Any]) -> Any:
        """List ready tasks past their deadline, the most overdue first (cursor-paginated)"""
        with context.db().reading() as session:
            return list_breaches(session, current_actor(), _filter(args), context.now(), args["limit"],
                                 args.get("cursor"))


@blp.route("/at-risk")
class AtRisk(MethodView):
    @blp.arguments(SlaListQuerySchema, location="query")
    @blp.response(200, SlaPageSchema)
    @blp.alt_response(403, description="Not a manager, or not the manager of the group asked for")
    def get(self, args: dict[str, Any]) -> Any:
        """List ready tasks past their warning time and not yet due, the nearest deadline first"""
        with context.db().reading() as session:
            return list_at_risk(session, current_actor(), _filter(args), context.now(), args["limit"],
                                args.get("cursor"))


@blp.route("/summary")
class Summary(MethodView):
    @blp.arguments(DateRangeQuerySchema, location="query")
    @blp.response(200, SummarySchema)
    @blp.alt_response(403, description="Not a manager")
    def get(self, args: dict[str, Any]) -> Any:
        """Per process and step: open, on time, breached; median and 90th percentile working days taken"""
        start, end = _range(args, 365)
        with context.db().reading() as session:
            return {"steps": sla_summary(session, current_actor(), start, end, context.now())}


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.arguments(DateRangeQuerySchema, location="query")
    @blp.response(200, IndicatorsSchema)
    @blp.alt_response(403, description="Not a manager")
    def get(self, args: dict[str, Any]) -> Any:
        """The statutory indicators (domain §10) with numerator, denominator and the cases behind them"""
        start, end = _range(args, 365)
        with context.db().reading() as session:
            return {"indicators": compute_indicators(session, current_actor(), start, end)}


@blp.route("/timers")
class Timers(MethodView):
    @blp.arguments(DateRangeQuerySchema, location="query")
    @blp.response(200, TimerLatenessSchema)
    @blp.alt_response(403, description="Not a manager")
    def get(self, args: dict[str, Any]) -> Any:
        """How late timers fired (p50, p99, max seconds after they were due) over a window (default: today)"""
        start, end = _range(args, 1)
        with context.db().reading() as session:
            return timer_lateness(session, current_actor(), start, end)
