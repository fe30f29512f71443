"""Task endpoints: the MASH team's queue, claim/unclaim, complete with Signs of Safety form data, and raise
immediate danger from a task (domain §3 step 3)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from api.tasks.schemas import (
    CompleteTaskSchema,
    TaskChangeSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
)
from engine import runtime
from engine.queries.tasks import TaskFilter, get_task_detail, list_tasks_for_actor

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Task queues and task completion")


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    @blp.alt_response(403, description="Not a member of the requested group")
    def get(self, args: dict[str, Any]) -> Any:
        """List tasks of my groups, soonest deadline first (cursor-paginated)"""
        wanted = TaskFilter(group=args.get("group"), assigned_to_me=args.get("assignee") == "me",
                            process=args.get("process"), overdue=args["overdue"], status=args["status"])
        with context.db().reading() as session:
            return list_tasks_for_actor(session, current_actor(), wanted, context.now(), args["limit"],
                                        args.get("cursor"))


@blp.route("/<uuid:task_id>")
class TaskById(MethodView):
    @blp.response(200, TaskDetailSchema)
    @blp.alt_response(404, description="No such task in my groups")
    def get(self, task_id: Any) -> Any:
        """Read a task with its form's JSON Schema and current data (or what was submitted); the read is audited"""
        runtime.record_task_read(context.db(), str(task_id), current_actor(), context.now())
        with context.db().reading() as session:
            return get_task_detail(session, current_actor(), str(task_id), context.now())


@blp.route("/<uuid:task_id>/claim")
class ClaimTask(MethodView):
    @blp.response(200, TaskChangeSchema)
    @blp.alt_response(404, description="No such task in my groups")
    @blp.alt_response(409, description="Claimed by someone else or already completed")
    def post(self, task_id: Any) -> Any:
        """Claim a task from my group's queue"""
        return runtime.claim_task(context.db(), str(task_id), current_actor(), context.now())


@blp.route("/<uuid:task_id>/unclaim")
class UnclaimTask(MethodView):
    @blp.response(200, TaskChangeSchema)
    @blp.alt_response(404, description="No such task in my groups")
    @blp.alt_response(409, description="Not claimed by me, or already completed")
    def post(self, task_id: Any) -> Any:
        """Give a claimed task back to the group queue"""
        return runtime.unclaim_task(context.db(), str(task_id), current_actor(), context.now())


@blp.route("/<uuid:task_id>/complete")
class CompleteTask(MethodView):
    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, TaskChangeSchema)
    @blp.alt_response(404, description="No such task in my groups")
    @blp.alt_response(409, description="Completed or claimed by someone else meanwhile")
    @blp.alt_response(422, description="Form data invalid: each field's JSON pointer and reason")
    def post(self, body: dict[str, Any], task_id: Any) -> Any:
        """Complete a task with its form data"""
        return runtime.complete_task(context.db(), str(task_id), body["data"], current_actor(), context.now())


@blp.route("/<uuid:task_id>/immediate-danger")
class RaiseImmediateDanger(MethodView):
    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, TaskChangeSchema)
    @blp.alt_response(404, description="No such task in my groups")
    @blp.alt_response(409, description="Done or claimed by someone else, or this process has no immediate-danger route")
    @blp.alt_response(422, description="Form data invalid (immediate_danger_raised): each field's pointer and reason")
    def post(self, body: dict[str, Any], task_id: Any) -> Any:
        """Raise immediate danger from a task: emergency response and head of service at once; the rest stops"""
        return runtime.raise_immediate_danger(context.db(), str(task_id), body["data"], current_actor(), context.now())
