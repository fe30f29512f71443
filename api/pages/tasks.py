"""Task pages: the queue (mine and my groups', filtered, soonest deadline first, keyset-paged), claim and
give back, and a task's form drawn from its JSON Schema with the case beside it, saved as a draft or completed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

import forms
from api import context
from api.auth import current_actor
from api.pages.forms import parse_form, render_form
from api.pages.forms.dates import date_problems, merged
from api.pages.wording import due_badge, end_of_day, problems_of, when
from engine import drafts, runtime
from engine.calendar import LONDON
from engine.errors import FieldProblem, FormInvalid
from engine.queries.tasks import TaskFilter, get_task_detail, list_tasks_for_actor

task_pages = Blueprint("task_pages", __name__)
PAGE_SIZE = 25
DUE_FILTERS = {"overdue": "Overdue", "today": "Due today", "week": "Due this week"}


@task_pages.route("/tasks")
def queue() -> ResponseReturnValue:
    """My tasks and my groups' tasks, soonest deadline first."""
    args = request.args
    now = context.now()
    wanted = TaskFilter(process=args.get("process") or None, step=args.get("step") or None,
                        assigned_to_me=args.get("mine") == "yes", overdue=args.get("due") == "overdue",
                        due_before={"today": end_of_day(now), "week": end_of_day(now, 6)}.get(args.get("due", "")))
    with context.db().reading() as session:
        page = list_tasks_for_actor(session, current_actor(), wanted, now, PAGE_SIZE, args.get("cursor") or None)
    rows = [{"task": task, "badge": due_badge(task.due_at, now), "due": when(task.due_at)} for task in page.items]
    kept: dict[str, Any] = {name: value for name, value in args.items() if name != "cursor" and value}
    next_url = url_for("task_pages.queue", **{**kept, "cursor": page.next_cursor}) if page.next_cursor else None
    return render_template("pages/tasks/queue.html", rows=rows, next_cursor=page.next_cursor, args=args,
                           next_url=next_url,
                           due_filters=DUE_FILTERS, me=current_actor().username,
                           completed=args.get("completed"))


@task_pages.route("/tasks/<uuid:task_id>/claim", methods=["POST"])
def claim(task_id: UUID) -> ResponseReturnValue:
    runtime.claim_task(context.db(), str(task_id), current_actor(), context.now())
    return redirect(url_for("task_pages.task", task_id=task_id), 303)


@task_pages.route("/tasks/<uuid:task_id>/give-back", methods=["POST"])
def give_back(task_id: UUID) -> ResponseReturnValue:
    runtime.unclaim_task(context.db(), str(task_id), current_actor(), context.now())
    return redirect(url_for("task_pages.queue"), 303)


@task_pages.route("/tasks/<uuid:task_id>", methods=["GET", "POST"])
def task(task_id: UUID) -> ResponseReturnValue:
    """The task's form (its draft if one is saved, else its prefill) and the case summary."""
    actor, db = current_actor(), context.db()
    runtime.record_task_read(db, str(task_id), actor, context.now())
    with db.reading() as session:
        detail = get_task_detail(session, actor, str(task_id), context.now())
    if request.method == "POST":
        return _post(detail)
    draft = drafts.get_draft(db, actor, drafts.task_draft_key(str(task_id)))
    data = draft.data if draft else (detail["submitted"] or detail["data"])
    return _show(detail, data, [], saved=draft.saved_at if draft and request.args.get("saved") else None)


def _post(detail: dict[str, Any]) -> ResponseReturnValue:
    task = detail["task"]
    data, round_trip = parse_form(task.form_key, request.form)
    if round_trip:
        return _show(detail, data, [])
    actor, now = current_actor(), context.now()
    if request.form.get("_action") == "save":
        drafts.save_draft(context.db(), actor, drafts.task_draft_key(task.id), task.form_key, data, now,
                          case_id=task.case_id, task_id=task.id)
        return redirect(url_for("task_pages.task", task_id=task.id, saved="yes"), 303)
    typed = _date_problems(task.form_key, data, now)
    if typed:
        return _show(detail, data, typed, status=422)
    try:
        runtime.complete_task(context.db(), task.id, data, actor, now)
    except FormInvalid as invalid:
        return _show(detail, data, problems_of(invalid), status=422)
    drafts.discard_draft(context.db(), actor, drafts.task_draft_key(task.id), now)
    return redirect(url_for("task_pages.queue", completed=task.name), 303)


def _date_problems(form_key: str, data: Any, now: datetime) -> list[FieldProblem]:
    """Dates whose boxes do not make a date it may be, with whatever else the form's schema finds; [] if none."""
    typed = date_problems(form_key, data, now.astimezone(LONDON).date())
    if not typed:
        return []
    return merged(typed, [FieldProblem(e.pointer, e.message, e.validator) for e in forms.validate_form(form_key, data)])


def _show(detail: dict[str, Any], data: Any, problems: list[FieldProblem], *, status: int = 200,
          saved: Any = None) -> ResponseReturnValue:
    task = detail["task"]
    form = render_form(task.form_key, data, problems)
    return render_template("pages/tasks/task.html", task=task, detail=detail, form=form, errors=form.errors,
                           due=when(task.due_at), badge=due_badge(task.due_at, context.now()),
                           saved=when(saved) if saved else None, me=current_actor().username), status
