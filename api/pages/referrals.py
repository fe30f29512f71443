"""Make a referral (the MASH service request form on one page, check your answers, a confirmation with the
case reference) and "my referrals" with each one's status and the feedback sent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

import forms
from api import context
from api.auth import current_actor
from api.pages.forms import parse_form, render_form
from api.pages.forms.answers import answer_rows
from api.pages.forms.dates import date_problems, merged
from api.pages.wording import problems_of, when
from engine import drafts, runtime
from engine.calendar import LONDON
from engine.errors import FieldProblem, FormInvalid
from engine.queries.referrals import get_referral, list_referrals_made_by

referral_pages = Blueprint("referral_pages", __name__)
FORM = "mash_service_request"
PROCESS = "mash_screening"
SUBJECT_FIELDS = ("name", "dob", "expected_dob", "sex", "nhs_number")


@referral_pages.route("/referrals/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """The service request form; "Continue" checks it and keeps it as the referrer's draft."""
    actor = current_actor()
    if request.method == "GET":
        draft = drafts.get_draft(context.db(), actor, drafts.REFERRAL)
        return _form(draft.data if draft else {}, [])
    data, round_trip = parse_form(FORM, request.form)
    if round_trip:
        return _form(data, [])
    problems = merged(date_problems(FORM, data, context.now().astimezone(LONDON).date()),
                      [FieldProblem(e.pointer, e.message, e.validator) for e in forms.validate_form(FORM, data)])
    drafts.save_draft(context.db(), actor, drafts.REFERRAL, FORM, data, context.now())
    if problems:
        return _form(data, problems, status=422)
    return redirect(url_for("referral_pages.check"), 303)


def _form(data: Any, problems: list[FieldProblem], status: int = 200) -> ResponseReturnValue:
    form = render_form(FORM, data, problems)
    return render_template("pages/referrals/new.html", form=form, errors=form.errors), status


@referral_pages.route("/referrals/check", methods=["GET", "POST"])
def check() -> ResponseReturnValue:
    """Check your answers, then send: the case opens and its process starts."""
    actor, db = current_actor(), context.db()
    draft = drafts.get_draft(db, actor, drafts.REFERRAL)
    if draft is None:
        return redirect(url_for("referral_pages.new"), 303)
    if request.method == "GET":
        return render_template("pages/referrals/check.html", rows=answer_rows(FORM, draft.data))
    try:
        case_id = runtime.open_case(db, process=PROCESS, subject=_subject(draft.data), data=draft.data, actor=actor,
                                    now=context.now())
    except FormInvalid as invalid:
        return _form(draft.data, problems_of(invalid), status=422)
    drafts.discard_draft(db, actor, drafts.REFERRAL, context.now())
    return redirect(url_for("referral_pages.sent", case_id=case_id), 303)


def _subject(data: dict[str, Any]) -> dict[str, Any]:
    """The case is about the first child named."""
    child = (data.get("children") or [{}])[0]
    return {name: child[name] for name in SUBJECT_FIELDS if name in child}


@referral_pages.route("/referrals/<uuid:case_id>/sent")
def sent(case_id: UUID) -> ResponseReturnValue:
    with context.db().reading() as session:
        referral = get_referral(session, current_actor(), str(case_id))
    return render_template("pages/referrals/sent.html", referral=referral)


@referral_pages.route("/referrals")
def mine() -> ResponseReturnValue:
    """My referrals, newest first, with their status and the feedback sent to me."""
    actor = current_actor()
    with context.db().reading() as session:
        page = list_referrals_made_by(session, actor, 25, request.args.get("cursor") or None)
        feedback = {item["case_id"]: get_referral(session, actor, item["case_id"])["feedback"] for item in page.items}
    next_url = url_for("referral_pages.mine", cursor=page.next_cursor) if page.next_cursor else None
    return render_template("pages/referrals/mine.html", referrals=page.items, feedback=feedback, when=when,
                           next_url=next_url)
