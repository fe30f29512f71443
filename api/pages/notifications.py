"""The notifications page: my in-app list (the same read as GET /api/v1/notifications), newest first,
keyset-paged, each linking to its case and task, and marking one read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages.wording import when
from engine.notifications import list_notifications, mark_notification_read
from engine.notifications.content import TITLES
from engine.notifications.reads import open_task_ids

notification_pages = Blueprint("notification_pages", __name__)
PAGE_SIZE = 25
KIND_TITLES = {str(kind): title for kind, title in TITLES.items()}


@notification_pages.route("/notifications")
def notifications() -> ResponseReturnValue:
    """My notifications, newest first; `show=unread` for the unread ones only."""
    unread = request.args.get("show") == "unread"
    with context.db().reading() as session:
        page = list_notifications(session, current_actor(), unread, PAGE_SIZE, request.args.get("cursor") or None)
        open_tasks = open_task_ids(session, page.items)
    rows = [{"note": note, "title": KIND_TITLES.get(note.kind, note.kind), "at": when(note.created_at),
             "iso": note.created_at.isoformat(), "task_open": note.task_id in open_tasks} for note in page.items]
    next_url = url_for("notification_pages.notifications", show="unread" if unread else None,
                       cursor=page.next_cursor) if page.next_cursor else None
    return render_template("pages/notifications/list.html", rows=rows, unread=unread, next_url=next_url,
                           marked=request.args.get("marked"))


@notification_pages.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
def mark_read(notification_id: UUID) -> ResponseReturnValue:
    """Mark one of my notifications read, then back to the list as it was."""
    mark_notification_read(context.db(), current_actor(), str(notification_id), context.now())
    kept: dict[str, Any] = {"show": "unread"} if request.form.get("show") == "unread" else {}
    return redirect(url_for("notification_pages.notifications", marked="yes", **kept), 303)
