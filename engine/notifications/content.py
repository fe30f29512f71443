"""What a notification says: the case reference, the step and the deadline in UK time, and nothing else.

Never a child's, parent's or accused person's name, nor any case detail: an e-mail leaves the system's
protection, so it carries only what lets a professional find the work once signed in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from engine.calendar import LONDON


class NotificationKind(StrEnum):
    REMINDER = "reminder"        # level 0: `warn_at` has passed
    BREACH = "breach"            # a deadline's timer fired
    ESCALATION = "escalation"    # a task the breach created in a manager's lane


TITLES = {
    NotificationKind.REMINDER: "Deadline approaching",
    NotificationKind.BREACH: "Deadline missed",
    NotificationKind.ESCALATION: "Escalated to your team",
}


def uk_time(at: datetime | None) -> str:
    """`Wednesday 27 May 2026, 17:00` in Europe/London (what the recipient's office clock says)."""
    if at is None:
        return "no deadline"
    local = at.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def compose(kind: NotificationKind, reference: str, step: str, due_at: datetime | None) -> tuple[str, str]:
    """The subject and plain-text body of a notification."""
    title = TITLES[kind]
    deadline = uk_time(due_at)
    subject = f"{title}: {reference}, {step}, due {deadline}"
    body = "\n".join([
        f"{title}.",
        "",
        f"Case reference: {reference}",
        f"Step: {step}",
        f"Deadline: {deadline} (UK time)",
        "",
        "Sign in to sosflow to see the task. This message carries no names or case details.",
    ])
    return subject, body
