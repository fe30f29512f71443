"""Notifications: who is told about a deadline, what they are told, and the outbox that e-mails it.

A notification is written in the transaction of the event that causes it (`events`: a breach, an
escalation task; `reminders`: the level-0 reminder at `warn_at`), as one row per person and one audit
event each. `outbox` then e-mails each pending row at most once; `reads` is each person's in-app list.
"""

from engine.notifications.events import notify_timers_fired
from engine.notifications.outbox import deliver_notifications, release_stale_claims, send_pending_notifications
from engine.notifications.reads import (
    NotificationPage,
    count_unread_notifications,
    list_notifications,
    mark_notification_read,
)
from engine.notifications.reminders import send_reminders

__all__ = [
    "NotificationPage", "count_unread_notifications", "deliver_notifications",
    "list_notifications", "mark_notification_read", "notify_timers_fired",
    "release_stale_claims", "send_pending_notifications", "send_reminders",
]
