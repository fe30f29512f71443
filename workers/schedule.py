"""The beat schedule: which named tasks run how often."""

from __future__ import annotations

from typing import Any

FIRE_DUE_TIMERS_EVERY_SECONDS = 30.0

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "fire-due-timers": {"task": "fire-due-timers", "schedule": FIRE_DUE_TIMERS_EVERY_SECONDS},
}
