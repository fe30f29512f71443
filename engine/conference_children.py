"""A decision for every child when a conference is about siblings (domain §4 step 5: consider every child).

An initial, pre-birth or transfer-in conference record (`cp_conference_record`) without `child_decisions`
decides the same for every child of the case (its `decision` and `category` apply to each). When the
children's decisions differ it carries `child_decisions`: one per child of the case (`case_person`, role
child, by person id), no child missing, none twice, nobody else; and its overall `decision`, which the
diagram routes on, must be the one those give: `cp_plan` if any child goes on a plan, else `cin_plan` if any
child has a child in need plan, else `nfa`. Checked in the transaction of the submission, so a record that
would lose a child is refused (422) and nothing is kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import FieldProblem, FormInvalid
from engine.models import CasePerson, PersonRole

FORM = "cp_conference_record"
POINTER = "/data/child_decisions"


def case_decision(decisions: list[str]) -> str:
    """The conference's decision for the case, from each child's."""
    for decision in ("cp_plan", "cin_plan"):
        if decision in decisions:
            return decision
    return "nfa"


def check_child_decisions(session: Session, case_id: str, form_key: str, data: dict[str, Any]) -> None:
    """FormInvalid naming the field when a conference record leaves out, repeats or invents a child."""
    if form_key != FORM or data.get("type") == "review":
        return
    children = set(session.scalars(select(CasePerson.person_id).where(
        CasePerson.case_id == case_id, CasePerson.role == PersonRole.CHILD)))
    given = data.get("child_decisions")
    if given is None:
        return
    ids = [item["child_id"] for item in given]
    if len(set(ids)) != len(ids) or set(ids) != children:
        _refuse(POINTER, f"Record exactly one decision for each of the case's {len(children)} children", "children")
    if data.get("decision") != case_decision([item["decision"] for item in given]):
        _refuse("/data/decision", "The conference's decision must be a plan if any child is on one, else a child in "
                "need plan if any child has one, else no further action", "child_decisions")


def _refuse(pointer: str, message: str, validator: str) -> None:
    raise FormInvalid("the conference record does not decide for every child", [FieldProblem(pointer, message,
                                                                                              validator)])
