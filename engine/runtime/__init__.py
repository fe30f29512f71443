"""The one write path: every change to workflow state is a function here, one transaction each.

Each function opens one unit of work (`engine.unit_of_work`), checks access, changes the workflow,
rewrites projections, records its audit events and commits once. The clock (`now`) is always a
parameter. One module per job: `deploy`, `cases`, `tasks`, `timers`, `incidents` (retrying a failed
background step), `restrictions` (restriction, break-glass), `reads` (audited reads of task forms and
referrals), `steps` (what every job shares: starting an instance, advancing it, hand-offs) and
`failures` (a failure named by element: a 422 in a user's request, an incident otherwise) and `danger`
(raising immediate danger from a task).
"""

from engine.runtime.cases import open_case, record_case_read
from engine.runtime.danger import raise_immediate_danger
from engine.runtime.deploy import DiagramFile, check_definition, deploy_definition, deploy_definitions
from engine.runtime.incidents import retry_incident
from engine.runtime.reads import record_person_read, record_referral_read, record_task_read
from engine.runtime.restrictions import DEFAULT_BREAK_GLASS, open_break_glass, restrict_case
from engine.runtime.tasks import TaskChange, claim_task, complete_task, unclaim_task
from engine.runtime.timers import (
    due_timer_instances,
    fire_due_timers,
    fire_instance_timers,
    upcoming_timer_instances,
)
from engine.unit_of_work import WORKFLOWS

__all__ = [
    "DEFAULT_BREAK_GLASS", "WORKFLOWS", "DiagramFile", "TaskChange", "check_definition", "claim_task", "complete_task",
    "deploy_definition",
    "deploy_definitions",
    "due_timer_instances", "fire_due_timers", "fire_instance_timers", "open_break_glass", "open_case",
    "raise_immediate_danger",
    "record_case_read", "record_person_read", "record_referral_read", "record_task_read", "restrict_case",
    "retry_incident", "unclaim_task", "upcoming_timer_instances",
]
