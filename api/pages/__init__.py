"""Server-rendered web pages (plain HTML for now; GOV.UK pages replace them later), one module per area."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError


def page_http_error(error: HTTPException) -> ResponseReturnValue:
    """An HTTP error on a page answers as a page, not as the API's JSON envelope."""
    status = error.code or 500
    return render_template("pages/error.html", status=status, title=error.name,
                           message=error.description), status


def page_engine_error(error: EngineError) -> ResponseReturnValue:
    from api.errors import _status_for

    status = _status_for(error)
    return render_template("pages/error.html", status=status, title="There is a problem",
                           message=error.message), status
