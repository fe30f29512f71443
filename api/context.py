"""The app-wide handles views need: the database and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app

from engine.db import Database


def db() -> Database:
    database: Database = current_app.extensions["sosflow_db"]
    return database


def now() -> datetime:
    clock: Callable[[], datetime] = current_app.config["SOSFLOW_CLOCK"]
    return clock()
