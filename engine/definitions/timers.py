"""Timer event definitions that obey the engine's clock, and the parser that builds them.

SpiffWorkflow compares timers with the wall clock; ours read `now` from the script engine of the
step, and there is no wall-clock fallback: a workflow without the engine's clock cannot fire timers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser


class NoEngineClock(RuntimeError):
    """A timer was evaluated by a workflow that was not checked out with the engine's clock."""


def _engine_now(task: Any) -> datetime:
    now = getattr(task.workflow.script_engine, "now", None)
    if not isinstance(now, datetime):
        raise NoEngineClock("timers compare with the engine's clock: check the workflow out through the unit of work")
    return now


class ClockedTimeDate(TimeDateEventDefinition):
    """A timeDate timer compared with the engine's clock, not SpiffWorkflow's wall clock."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.parse_time_or_duration(value) <= _engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDuration(DurationTimerEventDefinition):
    """A timeDuration timer started from, and compared with, the engine's clock."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            duration = TimerEventDefinition.parse_iso_duration(expression)
            start = _engine_now(my_task)
            value = (start + TimerEventDefinition.get_timedelta_from_start(duration, start)).isoformat()
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.get_datetime(value) <= _engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


CLOCKED_TIMERS: dict[type, type] = {
    TimeDateEventDefinition: ClockedTimeDate,
    DurationTimerEventDefinition: ClockedDuration,
}


class _ClockedTimerMixin:
    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        clocked = CLOCKED_TIMERS.get(type(definition))
        if clocked is None:
            return definition
        return clocked(definition.name, definition.expression, description=definition.description)


class _StartParser(_ClockedTimerMixin, SpiffStartEventParser):
    pass


class _BoundaryParser(_ClockedTimerMixin, SpiffBoundaryEventParser):
    pass


class _CatchParser(_ClockedTimerMixin, SpiffIntermediateCatchEventParser):
    pass


class SosBpmnParser(SpiffBpmnParser):
    """SpiffBpmnParser whose timers obey the engine's clock."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (_StartParser, StartEvent),
        full_tag("boundaryEvent"): (_BoundaryParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (_CatchParser, IntermediateCatchEvent),
    }


