"""The signed-in landing page: who you are and your groups (the GOV.UK pages replace it later)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from api.auth import current_account

home_blp = Blueprint("home", __name__)


@home_blp.route("/")
def index() -> ResponseReturnValue:
    account = current_account()
    return render_template("pages/home/index.html", account=account, groups=sorted(account.actor.groups))
