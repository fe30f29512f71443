"""Cases in real engine states for the access tests: a MASH case, a LADO case and a restricted case,
each worked through the API by the people the matrices then ask about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral, screen
from tests.conftest import Clock
from tests.factories import create_user, deploy, form_data, subject

# Beside the MASH users of tests/api_client.py: who else the record rules are about.
ACCESS_USERS = {
    "mo": ["mash_manager"],             # a second MASH manager, who has not worked the restricted case
    "sue": ["social_worker"],
    "tom": ["team_manager"],
    "lena": ["lado"],
    "lou": ["lado_manager"],
    "harry": ["hr"],                    # an hr adviser with no part in the allegation
    "hattie": ["hr"],                   # the hr adviser who takes the disciplinary strand
    "head_a": ["employer_case_manager"],
}


def add_users(api: ApiClient, db: Database, clock: Clock, users: dict[str, list[str]]) -> None:
    for name, groups in users.items():
        api.tokens[name] = create_user(db, username=name, groups=groups, now=clock())


@dataclass(frozen=True)
class Scene:
    """The three cases, by id."""

    mash: str
    lado: str
    restricted: str


def mash_case_at_decision(api: ApiClient) -> str:
    """Referred by rita, screened by sam, police check done by pc_police; the decision waits for a manager."""
    case = open_referral(api)
    screen(api, ["police"])
    complete(api, "pc_police", "partner_check")
    return str(case["id"])


def task_of(api: ApiClient, user: str, element_id: str, case_id: str) -> dict[str, Any]:
    (task,) = [t for t in api.get("/api/v1/tasks", user)["items"]
               if t["element_id"] == element_id and t["case_id"] == case_id]
    return task


def do(api: ApiClient, user: str, element_id: str, case_id: str, **overrides: Any) -> None:
    task = task_of(api, user, element_id, case_id)
    api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": form_data(task["form"], **overrides)})


def lado_case_at_strands(api: ApiClient, db: Database, clock: Clock) -> str:
    """An allegation raised by head_a; after the AMM the police and disciplinary strands wait in their groups."""
    deploy(db, name="lado_allegation.bpmn", now=clock())
    body = {"process": "lado_allegation", "subject": subject(name="Mark Ellis"), "data": form_data("lado_referral")}
    case_id = str(api.post("/api/v1/cases", "head_a", 201, json=body)["id"])
    do(api, "lena", "initial_consideration", case_id, route="allegation_management_meeting")
    do(api, "head_a", "suspension_decision", case_id)
    do(api, "lena", "allegation_management_meeting", case_id, strands=["police", "disciplinary"])
    return case_id


def restrict(api: ApiClient, case_id: str, user: str = "maya", **body: Any) -> Any:
    return api.post(f"/api/v1/cases/{case_id}/restriction", user,
                    json={"reason": "The child's parent works in the MASH", **body})


def build_scene(api: ApiClient, db: Database, clock: Clock) -> Scene:
    add_users(api, db, clock, ACCESS_USERS)
    mash = mash_case_at_decision(api)
    restricted = mash_case_at_decision(api)
    restrict(api, restricted, team="social_worker")
    lado = lado_case_at_strands(api, db, clock)
    return Scene(mash=mash, lado=lado, restricted=restricted)
