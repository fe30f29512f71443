"""Role × record: who reads a case record and its history, for a MASH case, a LADO case and a restricted case.

A referrer and a partner agency never read the case record (they have their referral and their tasks);
allegation and restricted cases open only to the LADO service or the named team, the people who worked
them and auditors: membership of a group that holds one of their tasks is not enough.
"""

from __future__ import annotations

import pytest

from engine.db import Database
from tests.api.access_scenes import Scene, build_scene, do, task_of
from tests.api.conftest import ApiClient
from tests.conftest import Clock

OK, HIDDEN = 200, 404

# user (role): MASH case, LADO case, restricted MASH case (restricted by maya, named team social_worker)
MATRIX: dict[str, tuple[str, int, int, int]] = {
    "rita": ("referrer who made both MASH referrals", HIDDEN, HIDDEN, HIDDEN),
    "pc_police": ("police partner who did the MASH police checks", HIDDEN, HIDDEN, HIDDEN),
    "hv_health": ("health partner", HIDDEN, HIDDEN, HIDDEN),
    "sam": ("screener who screened both MASH cases", OK, HIDDEN, OK),
    "pat": ("screener who worked neither", OK, HIDDEN, HIDDEN),
    "bea": ("MASH business support", HIDDEN, HIDDEN, HIDDEN),
    "maya": ("MASH manager who restricted the case", OK, HIDDEN, OK),
    "mo": ("another MASH manager", OK, HIDDEN, HIDDEN),
    "sue": ("social worker (the restricted case's named team)", HIDDEN, HIDDEN, OK),
    "tom": ("team manager", HIDDEN, HIDDEN, HIDDEN),
    "lena": ("LADO", HIDDEN, OK, HIDDEN),
    "lou": ("LADO manager", HIDDEN, OK, HIDDEN),
    "harry": ("hr adviser whose group holds the disciplinary strand", HIDDEN, HIDDEN, HIDDEN),
    "head_a": ("employer case manager who raised the allegation", HIDDEN, OK, HIDDEN),
    "audrey": ("auditor", OK, OK, OK),
    "owen": ("process owner", HIDDEN, HIDDEN, HIDDEN),
}


@pytest.fixture
def scene(api: ApiClient, db: Database, clock: Clock) -> Scene:
    return build_scene(api, db, clock)


def test_role_by_record_matrix_for_the_case_record_and_its_history(api: ApiClient, scene: Scene) -> None:
    cases = {"mash": scene.mash, "lado": scene.lado, "restricted": scene.restricted}
    wrong = []
    for user, (role, *expected) in MATRIX.items():
        for (name, case_id), status in zip(cases.items(), expected, strict=True):
            for path in ("", "/history", "/scales", "/family-network"):
                response = api.client.get(f"/api/v1/cases/{case_id}{path}",
                                          headers={"Authorization": f"Bearer {api.tokens[user]}"})
                got = response.status_code
                if path == "/family-network" and got == HIDDEN and status == OK:
                    got = OK if "family network" in response.get_json()["message"] else got
                if got != status:
                    wrong.append(f"{user} ({role}) GET {name}{path}: {got}, expected {status}")
    assert wrong == []


def test_a_referrer_no_longer_reads_the_history_of_the_case_they_referred(api: ApiClient, scene: Scene) -> None:
    body = api.get(f"/api/v1/cases/{scene.mash}/history", "rita", 404)
    assert body == {"error": "not_found", "message": "case not found", "details": None}
    assert api.get(f"/api/v1/referrals/{scene.mash}", "rita")["reference"] == "MASH-2026-000001"


def test_hr_and_police_members_do_not_read_an_allegation_their_groups_hold_tasks_of(
    api: ApiClient, scene: Scene
) -> None:
    assert task_of(api, "harry", "disciplinary_strand", scene.lado)["candidate_group"] == "hr"
    assert task_of(api, "pc_police", "police_strand", scene.lado)["candidate_group"] == "mash_partner_police"
    for user in ("harry", "pc_police"):
        api.get(f"/api/v1/cases/{scene.lado}", user, 404)
        api.get(f"/api/v1/cases/{scene.lado}/history", user, 404)


def test_the_hr_adviser_who_takes_the_disciplinary_strand_reads_the_allegation_and_no_other(
    api: ApiClient, scene: Scene
) -> None:
    strand = task_of(api, "hattie", "disciplinary_strand", scene.lado)
    api.get(f"/api/v1/cases/{scene.lado}", "hattie", 404)
    api.post(f"/api/v1/tasks/{strand['id']}/claim", "hattie")
    assert api.get(f"/api/v1/cases/{scene.lado}", "hattie")["reference"].startswith("LADO-")
    api.get(f"/api/v1/cases/{scene.lado}", "harry", 404)


def test_a_partner_agency_sees_the_task_it_was_asked_to_do_and_what_it_sent_but_not_the_case(
    api: ApiClient, scene: Scene
) -> None:
    (done,) = [t for t in api.get("/api/v1/tasks", "pc_police", query_string={"status": "completed"})["items"]
               if t["case_id"] == scene.mash]
    detail = api.get(f"/api/v1/tasks/{done['id']}", "pc_police")
    assert detail["task"]["element_id"] == "partner_check_police"
    assert detail["submitted"]["author"] == "pc_police"
    assert detail["submitted"]["agency"] == "police"
    api.get(f"/api/v1/cases/{scene.mash}", "pc_police", 404)
    api.get(f"/api/v1/cases/{scene.mash}/history", "pc_police", 404)


def test_the_police_officer_who_works_the_police_strand_still_does_not_read_the_allegation(
    api: ApiClient, scene: Scene
) -> None:
    do(api, "pc_police", "police_strand", scene.lado, outcome="nfa")
    api.get(f"/api/v1/cases/{scene.lado}", "pc_police", 404)
