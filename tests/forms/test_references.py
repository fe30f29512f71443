"""A family network must name only its own people and households: JSON Schema cannot say so, the
form's semantic checks do, so the genogram of a completed form can always be drawn."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from engine.genogram import render_genogram
from forms import FieldError, load_form, validate_form


def network() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(load_form("family_network")["examples"][0])
    return data


def conference_record() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(load_form("cp_conference_record")["examples"][0])
    return data


def test_the_examples_name_only_their_own_people_and_are_drawn() -> None:
    assert validate_form("family_network", network()) == []
    assert "<svg" in render_genogram(network())


@pytest.mark.parametrize(
    ("section", "field"),
    [("relationships", "from_id"), ("relationships", "to_id"), ("ecomap_links", "person_id")],
)
def test_a_link_to_a_person_not_in_the_network_is_refused_at_that_id(section: str, field: str) -> None:
    data = network()
    data[section][0][field] = "person-ghost"

    assert validate_form("family_network", data) == [FieldError(
        f"/{section}/0/{field}", "There is no person with ID 'person-ghost' in this family network", "reference")]
    with pytest.raises(ValueError, match="person-ghost"):
        render_genogram(data)  # what the check protects against


def test_a_household_not_in_the_network_is_refused_at_the_persons_household() -> None:
    data = network()
    data["people"][0]["household_id"] = "hh-ghost"

    assert validate_form("family_network", data) == [FieldError(
        "/people/0/household_id", "There is no household with ID 'hh-ghost' in this family network", "reference")]


def test_two_people_with_one_id_are_refused_at_the_second_even_with_spaces_around_it() -> None:
    data = network()
    data["people"][1]["id"] = f" {data['people'][0]['id']} "

    errors = validate_form("family_network", data)

    assert FieldError("/people/1/id", f"Person ID '{data['people'][0]['id']}' is already used by another person",
                      "reference") in errors


def test_a_blank_person_id_and_a_relationship_of_a_person_with_themself_are_refused() -> None:
    data = network()
    data["people"][0]["id"] = "   "
    data["relationships"][0]["to_id"] = data["relationships"][0]["from_id"]

    pointers = {error.pointer for error in validate_form("family_network", data)}

    assert {"/people/0/id", "/relationships/0/to_id"} <= pointers


def test_a_family_network_inside_a_conference_record_is_checked_at_its_own_pointer() -> None:
    data = conference_record()
    data["family_network"]["ecomap_links"][0]["person_id"] = "person-ghost"

    assert validate_form("cp_conference_record", data) == [FieldError(
        "/family_network/ecomap_links/0/person_id", "There is no person with ID 'person-ghost' in this family network",
        "reference")]


def test_references_are_only_checked_once_the_schema_is_satisfied() -> None:
    data = network()
    del data["people"]

    assert [error.validator for error in validate_form("family_network", data)] == ["required"]
