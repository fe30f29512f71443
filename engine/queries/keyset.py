"""Opaque cursors for keyset pagination on a (time, id) key: a page costs O(page) at any depth."""

from __future__ import annotations

import base64
from datetime import datetime

import orjson

from engine.errors import InvalidInput


def encode_cursor(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([at.isoformat(), row_id])).decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor carries; a cursor this API did not issue is 422."""
    try:
        at, row_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        return datetime.fromisoformat(at), str(row_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("the cursor is not one this API issued", details=[{"pointer": "/cursor"}]) from exc
