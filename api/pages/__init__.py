"""Server-rendered web pages on the GOV.UK Design System, one module per area (`api/pages/<area>.py` ↔
`api/templates/pages/<area>/`): the Jinja set-up, the layout's context and the pages' error handlers."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template
from flask.typing import ResponseReturnValue
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException

from api import context
from api.pages.forms.dates import time_label
from engine.access import ROLE_TITLES, Permission, Role, allowed
from engine.errors import EngineError
from engine.notifications import count_unread_notifications
from engine.queries.tasks import count_open_tasks_for_actor

SERVICE_NAME = "sosflow"
CREDIT = "Signs of Safety® is a registered trademark of Elia, used by authorities under their own licence"


def init_jinja(app: Flask) -> None:
    """Our templates first, then the GOV.UK macros under `govuk_frontend_jinja/` (notifications-admin's idiom)."""
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader([
        app.jinja_loader,
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(_layout_context)
    app.jinja_env.filters["time_label"] = time_label


def _layout_context() -> dict[str, Any]:
    account = g.get("account")
    if account is None:
        return {"service_name": SERVICE_NAME, "credit": CREDIT, "identity": None}
    with context.db().reading() as session:
        open_tasks = count_open_tasks_for_actor(session, account.actor, context.now())
        unread = count_unread_notifications(session, account.actor)
    actor = account.actor
    return {"service_name": SERVICE_NAME, "credit": CREDIT,
            "identity": {"name": account.display_name, "role": role_title(actor.groups),
                         "open_tasks": open_tasks, "groups": actor.groups, "unread": unread,
                         "manages": allowed(actor, Permission.READ_SLA),
                         "audits": allowed(actor, Permission.REVIEW_ACCESS),
                         "reports": allowed(actor, Permission.READ_RETURNS),
                         "deploys": allowed(actor, Permission.DEPLOY),
                         "handles_incidents": allowed(actor, Permission.HANDLE_INCIDENTS)}}


def role_title(groups: frozenset[str]) -> str:
    """The first of the person's roles in the order the service lists them, as people call it."""
    titles = [title for role, title in ROLE_TITLES.items() if str(role) in groups]
    return titles[0] if titles else ", ".join(sorted(groups))


def has_role(groups: frozenset[str], role: Role) -> bool:
    return str(role) in groups


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
