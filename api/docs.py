"""The API's interactive documentation (Swagger UI from our own static files, started by a script file)."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue


def api_docs() -> ResponseReturnValue:
    """Public, like the OpenAPI document it shows."""
    return render_template("api_docs.html", openapi_url=url_for("api-docs.openapi_json"))
