"""Pages anyone may read without signing in: the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

help_pages = Blueprint("help_pages", __name__)


@help_pages.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    return render_template("pages/help/accessibility.html")
