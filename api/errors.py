"""One error envelope, one mapping: `{"error": code, "message": ..., "details": ...}`."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from api.entry import RequestRejected
from engine.errors import (
    DiagramInvalid,
    EngineError,
    Forbidden,
    FormInvalid,
    InvalidInput,
    NotFound,
    StaleState,
    Unauthenticated,
)

STATUS_BY_ERROR: dict[type[EngineError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    StaleState: 409,
    FormInvalid: 422,
    DiagramInvalid: 422,
    InvalidInput: 422,
}


def envelope(status: int, code: str, message: str, details: Any = None) -> ResponseReturnValue:
    response = jsonify({"error": code, "message": message, "details": details})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sosflow"'
    return response, status


def _status_for(error: EngineError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def handle_engine_error(error: EngineError) -> ResponseReturnValue:
    return envelope(_status_for(error), error.code, error.message, error.details)


def _pointers(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten webargs/marshmallow messages into JSON pointers."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out += _pointers(value, f"{prefix}/{key}")
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"pointer": prefix or "/", "message": m} for m in messages]
    return [{"pointer": prefix or "/", "message": str(messages)}]


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        # webargs nests by location ("json", "files", "query"); the pointer names the field.
        details = [d for loc in messages.values() for d in _pointers(loc)]
        return envelope(status, "invalid_request", "The request is invalid", details)
    code = (error.name or "error").lower().replace(" ", "_")
    return envelope(status, code, error.description or error.name or "error")


def handle_rejected_request(error: RequestRejected) -> ResponseReturnValue:
    return envelope(error.status, error.code, error.message, error.details)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(RequestRejected, handle_rejected_request)
    app.register_error_handler(HTTPException, handle_http_error)
