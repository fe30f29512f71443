"""Notification endpoints: my notifications, newest first, and marking one read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.notifications.schemas import NotificationPageSchema, NotificationQuerySchema, NotificationSchema
from api.openapi import ApiBlueprint
from engine.notifications import list_notifications, mark_notification_read

blp = ApiBlueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                   description="My deadline reminders, breaches and escalations")


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List my notifications, newest first (cursor-paginated; `unread=true` for unread only)"""
        with context.db().reading() as session:
            return list_notifications(session, current_actor(), args["unread"], args["limit"], args.get("cursor"))


@blp.route("/<uuid:notification_id>/read")
class ReadNotification(MethodView):
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, description="No such notification of mine")
    def post(self, notification_id: Any) -> Any:
        """Mark one of my notifications read"""
        return mark_notification_read(context.db(), current_actor(), str(notification_id), context.now())
