"""Behaviour of the Signs of Safety form schemas (domain.md §8 F2–F9) and of validation against them.

Required fields and enums are found by walking each schema itself (following `$ref`s into the embedded
forms), so a rule whose object no example contains is reported as a gap rather than silently untested.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from forms import FieldError, load_form, validate_form
from tests.forms.test_forms import (
    DELETE,
    SYSTEM_FIELDS,
    changed,
    example,
    fields_in_examples,
    file_registry,
    found,
    pointer,
)

SOS_FORMS = [
    "sos_map",
    "danger_statement",
    "safety_goal",
    "scale_rating",
    "safety_plan",
    "family_network",
    "three_houses",
    "words_and_pictures",
    "cp_conference_record",
]
ITEM = "*"
Pattern = tuple[str, ...]
Changes = list[tuple[list[str | int], object]]


# Walking the schemas and the examples --------------------------------------------------------------


def schema_rules(key: str) -> Iterator[tuple[str, Pattern, list[object]]]:
    """("required", pattern, []) and ("enum", pattern, options) for every field the form declares,
    following `$ref`s; a pattern is the field's path with "*" for any array position."""
    schema = load_form(key)
    yield from _rules(schema, (), file_registry().resolver(base_uri=schema["$id"]))


def _rules(node: Any, path: Pattern, resolver: Any) -> Iterator[tuple[str, Pattern, list[object]]]:
    while "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    for name in node.get("required", []):
        yield "required", (*path, name), []
    if "enum" in node:
        yield "enum", path, node["enum"]
    for name, child in node.get("properties", {}).items():
        yield from _rules(child, (*path, name), resolver)
    if isinstance(node.get("items"), dict):
        yield from _rules(node["items"], (*path, ITEM), resolver)


def schema_properties(key: str) -> Iterator[tuple[Pattern, dict[str, Any]]]:
    """(pattern, schema as written) for every property of the form, following `$ref`s."""
    schema = load_form(key)
    yield from _properties(schema, (), file_registry().resolver(base_uri=schema["$id"]))


def _properties(node: Any, path: Pattern, resolver: Any) -> Iterator[tuple[Pattern, dict[str, Any]]]:
    while "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    for name, child in node.get("properties", {}).items():
        yield (*path, name), child
        yield from _properties(child, (*path, name), resolver)
    if isinstance(node.get("items"), dict):
        yield from _properties(node["items"], (*path, ITEM), resolver)


def as_pattern(path: list[str | int]) -> Pattern:
    return tuple(ITEM if isinstance(part, int) else part for part in path)


EXAMPLE_FIELDS = [field for field in fields_in_examples() if field[0] in SOS_FORMS]


def first_occurrences(key: str) -> dict[Pattern, tuple[int, list[str | int]]]:
    """For each field pattern present in the form's examples: the first (example index, concrete path)."""
    seen: dict[Pattern, tuple[int, list[str | int]]] = {}
    for form, index, path, _, _ in EXAMPLE_FIELDS:
        if form == key:
            seen.setdefault(as_pattern(path), (index, path))
    return seen


def rule_cases(kind: str) -> list[Any]:
    cases = []
    for key in SOS_FORMS:
        occurrences = first_occurrences(key)
        for rule, pattern, options in schema_rules(key):
            if rule == kind and pattern in occurrences:
                index, path = occurrences[pattern]
                cases.append(pytest.param(key, index, path, options, id=f"{key}/{'/'.join(pattern)}"))
    return cases


def apply(data: dict[str, Any], changes: Changes) -> dict[str, Any]:
    for path, value in changes:
        data = changed(data, path, value)
    return data


# The files: examples, exact fields, references ------------------------------------------------------

SOS_EXAMPLES = [(key, index) for key in SOS_FORMS for index in range(len(load_form(key)["examples"]))]


@pytest.mark.parametrize(("key", "index"), SOS_EXAMPLES)
def test_every_signs_of_safety_example_is_valid(key: str, index: int) -> None:
    assert validate_form(key, example(key, index)) == []


# (required, optional) top-level fields, as domain.md §8 lists them (system fields apart).
TOP_LEVEL_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "sos_map": (
        {"purpose", "danger_statements", "needs", "scales"},
        {"worries", "working_well", "grey_areas"},
    ),
    "danger_statement": (
        {"who_is_worried", "adult_behaviour", "impact_on_child"},
        {"id", "honouring_existing_safety", "family_view", "plain_language_confirmed"},
    ),
    "safety_goal": (
        {"danger_statement_id", "adult_actions", "child_experience", "professional_evidence"},
        {"id", "best_hopes", "sustain_for"},
    ),
    "scale_rating": (
        {"question", "ratings", "rated_on"},
        {"id", "anchor_0", "anchor_10", "danger_statement_id"},
    ),
    "safety_plan": (
        {"rules", "network_members", "review_due"},
        {"bottom_lines", "childs_explanation_id", "agreed_by", "status"},
    ),
    "family_network": ({"people"}, {"relationships", "ecomap_links", "households"}),
    "three_houses": (
        {"child_id", "worker", "date", "method", "house_of_worries", "house_of_good_things", "house_of_dreams",
         "child_agrees_to_share_with"},
        {"variant", "safe_adults"},
    ),
    "words_and_pictures": (
        {"for_child", "authors", "panels", "covers", "parents_agreed"},
        {"shared_with_child_on"},
    ),
    "cp_conference_record": (
        {"type", "date", "chair", "attendees", "quorate", "parents_participation", "child_participation",
         "purpose", "worries", "working_well", "danger_statements", "scales"},
        {"exclusion_reason", "family_network", "decision", "child_decisions", "review_decision", "end_plan_reason",
         "post_plan",
         "category", "dissent", "safety_goals", "next_steps", "core_group", "lead_social_worker",
         "first_core_group_by", "next_review_by", "contingency_plan", "decision_sent_at"},
    ),
}  # fmt: skip

# (required, optional) fields of nested objects and array items.
NESTED_FIELDS: dict[tuple[str, Pattern], tuple[set[str], set[str]]] = {
    ("sos_map", ("worries",)): (set(), {"harm", "complicating_factors"}),
    ("sos_map", ("worries", "harm", ITEM)): (
        {"description", "evidence"}, {"when", "who_was_harmed", "source"},
    ),
    ("sos_map", ("working_well",)): (set(), {"existing_strengths", "existing_safety"}),
    ("sos_map", ("needs",)): ({"safety_goals", "next_steps"}, set()),
    ("sos_map", ("needs", "next_steps", ITEM)): ({"action", "owner", "due"}, {"status"}),
    ("safety_goal", ("sustain_for",)): ({"value", "unit"}, set()),
    ("scale_rating", ("ratings", ITEM)): (
        {"rater_name", "rater_role", "value"}, {"agency", "reason", "what_would_move_up_one"},
    ),
    ("safety_plan", ("rules", ITEM)): (
        {"rule", "who_makes_sure", "how_checked", "if_broken"}, {"red_flags"},
    ),
    ("safety_plan", ("agreed_by", ITEM)): ({"person", "agreed_at"}, set()),
    ("family_network", ("people", ITEM)): (
        {"id", "name", "role", "in_safety_network"},
        {"sex", "dob", "deceased", "household_id", "knows_the_worries", "contact"},
    ),
    ("family_network", ("relationships", ITEM)): ({"from_id", "to_id", "type"}, {"quality"}),
    ("family_network", ("ecomap_links", ITEM)): ({"person_id", "service"}, {"strength"}),
    ("family_network", ("households", ITEM)): ({"id"}, {"address"}),
    ("three_houses", ("house_of_worries", ITEM)): ({"words"}, {"picture_attachment_id"}),
    ("words_and_pictures", ("panels", ITEM)): ({"text"}, {"picture_attachment_id"}),
    ("words_and_pictures", ("covers",)): (
        {"who_is_worried", "what_happened", "what_is_being_done", "safety_plan_summary"}, set(),
    ),
    ("cp_conference_record", ("attendees", ITEM)): (
        {"present"}, {"name", "role", "agency", "report_submitted", "report_shared_with_parents_at"},
    ),
    ("cp_conference_record", ("dissent", ITEM)): (set(), {"person", "agency", "reason"}),
    ("cp_conference_record", ("child_decisions", ITEM)): ({"child_id", "decision"}, {"category"}),
}  # fmt: skip


def resolved_at(key: str, pattern: Pattern) -> dict[str, Any]:
    """The schema of the object at `pattern`, `$ref`s followed."""
    schema = load_form(key)
    resolver = file_registry().resolver(base_uri=schema["$id"])
    node: Any = schema
    for part in pattern:
        while "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            node, resolver = resolved.contents, resolved.resolver
        node = node["items"] if part == ITEM else node["properties"][part]
    while "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        node, resolver = resolved.contents, resolved.resolver
    return node


@pytest.mark.parametrize("key", SOS_FORMS)
def test_each_signs_of_safety_form_has_exactly_the_domain_fields_and_requirements(key: str) -> None:
    schema = load_form(key)
    required, optional = TOP_LEVEL_FIELDS[key]

    assert set(schema["required"]) == required
    assert set(schema["properties"]) == required | optional | SYSTEM_FIELDS


@pytest.mark.parametrize(("key", "pattern"), list(NESTED_FIELDS), ids=lambda each: "/".join(each))
def test_each_nested_object_has_exactly_the_domain_fields_and_requirements(key: str, pattern: Pattern) -> None:
    node = resolved_at(key, pattern)
    required, optional = NESTED_FIELDS[(key, pattern)]

    assert set(node.get("required", [])) == required
    assert set(node["properties"]) == required | optional
    assert node["additionalProperties"] is False


@pytest.mark.parametrize(
    ("key", "pattern", "target"),
    [
        ("sos_map", ("danger_statements",), "danger_statement.json"),
        ("sos_map", ("needs", "safety_goals"), "safety_goal.json"),
        ("sos_map", ("scales",), "scale_rating.json"),
        ("cp_conference_record", ("danger_statements",), "danger_statement.json"),
        ("cp_conference_record", ("scales",), "scale_rating.json"),
        ("cp_conference_record", ("safety_goals",), "safety_goal.json"),
    ],
    ids=lambda each: "/".join(each) if isinstance(each, tuple) else each,
)
def test_embedded_forms_are_reused_by_ref_as_array_items(key: str, pattern: Pattern, target: str) -> None:
    field = load_form(key)
    for part in pattern:
        field = field["properties"][part]

    assert field["type"] == "array"
    assert field["items"]["$ref"] == target
    assert set(field["items"]) <= {"$ref", "title"}


@pytest.mark.parametrize(
    ("field", "target"),
    [
        ("family_network", "family_network.json"),
        ("worries", "sos_map.json#/$defs/worries"),
        ("working_well", "sos_map.json#/$defs/working_well"),
        ("next_steps", "sos_map.json#/$defs/next_steps"),
    ],
)
def test_the_conference_record_reuses_the_family_network_and_map_sections_by_ref(field: str, target: str) -> None:
    assert load_form("cp_conference_record")["properties"][field]["$ref"] == target


@pytest.mark.parametrize(
    ("section", "target"), [("worries", "#/$defs/worries"), ("working_well", "#/$defs/working_well")]
)
def test_the_map_columns_are_defined_once_for_the_map_and_the_conference(section: str, target: str) -> None:
    assert load_form("sos_map")["properties"][section] == {"$ref": target}


@pytest.mark.parametrize("key", ["danger_statement", "safety_goal", "scale_rating", "family_network"])
def test_an_embeddable_form_accepts_the_system_fields_inside_a_conference_record(key: str) -> None:
    embedded = {
        "danger_statement": ["danger_statements", 0],
        "safety_goal": ["safety_goals", 0],
        "scale_rating": ["scales", 0],
        "family_network": ["family_network"],
    }[key]
    data = changed(example("cp_conference_record"), embedded, example(key))

    assert validate_form("cp_conference_record", data) == []


@pytest.mark.parametrize("key", SOS_FORMS)
def test_every_field_has_a_title_so_error_messages_read_well(key: str) -> None:
    untitled = [
        "/".join(pattern) for pattern, field in schema_properties(key) if "title" not in field and "$ref" not in field
    ]

    assert untitled == []


# Required fields and enums, found by walking the schemas -------------------------------------------


@pytest.mark.parametrize("key", SOS_FORMS)
def test_every_required_field_and_enum_appears_in_some_example_so_it_is_tested(key: str) -> None:
    occurrences = first_occurrences(key)

    untested = ["/".join(pattern) for _, pattern, _ in schema_rules(key) if pattern not in occurrences]

    assert untested == []


@pytest.mark.parametrize(("key", "index", "path", "options"), rule_cases("required"))
def test_a_missing_required_field_is_refused_at_its_pointer(
    key: str, index: int, path: list[str | int], options: list[object]
) -> None:
    errors = validate_form(key, changed(example(key, index), path, DELETE))

    assert found(errors) == [(pointer(path), "required")]
    assert errors[0].message.startswith(("Enter the ", "Select "))


@pytest.mark.parametrize(("key", "index", "path", "options"), rule_cases("enum"))
def test_a_value_outside_a_closed_list_is_refused_at_its_pointer(
    key: str, index: int, path: list[str | int], options: list[object]
) -> None:
    errors = validate_form(key, changed(example(key, index), path, "not_an_option"))

    assert errors == [FieldError(pointer(path), "Select one of: " + ", ".join(map(str, options)), "enum")]


# Conditional rules -----------------------------------------------------------------------------------

INITIAL, REVIEW = 0, 1
CONDITIONAL_CASES = [
    # sos_map: a map for an s47 enquiry or a conference needs a danger statement.
    ("sos_map", 0, [(["danger_statements"], [])], "/danger_statements", "minItems"),
    ("sos_map", 1, [(["purpose"], "s47")], "/danger_statements", "minItems"),
    ("sos_map", 1, [(["purpose"], "conference")], "/danger_statements", "minItems"),
    # words_and_pictures: everything covered before it is shared with the child.
    ("words_and_pictures", 0, [(["covers", "who_is_worried"], False)], "/covers/who_is_worried", "const"),
    ("words_and_pictures", 0, [(["covers", "what_happened"], False)], "/covers/what_happened", "const"),
    ("words_and_pictures", 0, [(["covers", "what_is_being_done"], False)], "/covers/what_is_being_done", "const"),
    ("words_and_pictures", 0, [(["covers", "safety_plan_summary"], False)], "/covers/safety_plan_summary", "const"),
    # cp_conference_record: which decision each type of conference makes.
    ("cp_conference_record", INITIAL, [(["decision"], DELETE)], "/decision", "required"),
    ("cp_conference_record", INITIAL, [(["type"], "pre_birth"), (["decision"], DELETE)], "/decision", "required"),
    ("cp_conference_record", INITIAL, [(["type"], "transfer_in"), (["decision"], DELETE)], "/decision", "required"),
    ("cp_conference_record", REVIEW, [(["review_decision"], DELETE)], "/review_decision", "required"),
    ("cp_conference_record", INITIAL, [(["type"], "review"), (["decision"], DELETE)], "/review_decision", "required"),
    ("cp_conference_record", REVIEW, [(["decision"], "nfa")], "/decision", "not"),
    ("cp_conference_record", REVIEW, [(["child_decisions"], [{"child_id": "p-1", "decision": "nfa"}])],
     "/child_decisions", "not"),
    ("cp_conference_record", 2, [(["child_decisions", 0, "category"], DELETE)], "/child_decisions/0/category",
     "required"),
    ("cp_conference_record", REVIEW, [(["type"], "initial")], "/decision", "required"),
    # ... why a plan ends and what follows it.
    ("cp_conference_record", REVIEW, [(["end_plan_reason"], DELETE)], "/end_plan_reason", "required"),
    ("cp_conference_record", REVIEW, [(["post_plan"], DELETE)], "/post_plan", "required"),
    # ... the category, core group and lead social worker of a plan.
    ("cp_conference_record", INITIAL, [(["category"], DELETE)], "/category", "required"),
    ("cp_conference_record", REVIEW, [(["review_decision"], "continue_plan")], "/category", "required"),
    ("cp_conference_record", INITIAL, [(["core_group"], DELETE)], "/core_group", "required"),
    ("cp_conference_record", INITIAL, [(["lead_social_worker"], DELETE)], "/lead_social_worker", "required"),
    # ... and why the parents were excluded.
    ("cp_conference_record", INITIAL, [(["parents_participation"], "excluded")], "/exclusion_reason", "required"),
]
QUIET_CONDITIONAL_CASES = [
    ("sos_map", 1, [(["purpose"], "assessment")]),
    ("sos_map", 1, [(["purpose"], "core_group")]),
    ("sos_map", 1, [(["purpose"], "review")]),
    ("words_and_pictures", 1, []),
    ("cp_conference_record", REVIEW, [(["post_plan"], DELETE), (["end_plan_reason"], DELETE),
                                      (["review_decision"], "continue_plan"), (["category"], "neglect")]),
    ("cp_conference_record", INITIAL, [(["decision"], "cin_plan"), (["category"], DELETE),
                                       (["core_group"], DELETE), (["lead_social_worker"], DELETE)]),
    ("cp_conference_record", INITIAL, [(["decision"], "nfa"), (["category"], DELETE),
                                       (["core_group"], DELETE), (["lead_social_worker"], DELETE)]),
    ("cp_conference_record", INITIAL, [(["parents_participation"], "absent")]),
    ("cp_conference_record", INITIAL, [(["parents_participation"], "excluded"),
                                       (["exclusion_reason"], "Dean was arrested for threatening the social worker.")]),
]  # fmt: skip


@pytest.mark.parametrize(("key", "index", "changes", "expected", "keyword"), CONDITIONAL_CASES)
def test_a_conditional_rule_is_enforced_at_its_own_pointer(
    key: str, index: int, changes: Changes, expected: str, keyword: str
) -> None:
    errors = validate_form(key, apply(example(key, index), changes))

    assert found(errors) == [(expected, keyword)]


@pytest.mark.parametrize(("key", "index", "changes"), QUIET_CONDITIONAL_CASES)
def test_a_conditional_rule_is_quiet_when_its_condition_is_false(key: str, index: int, changes: Changes) -> None:
    assert validate_form(key, apply(example(key, index), changes)) == []


# The conference record ---------------------------------------------------------------------------------


def test_a_conference_record_with_an_invalid_embedded_danger_statement_is_refused_inside_it() -> None:
    data = changed(example("cp_conference_record"), ["danger_statements", 0, "adult_behaviour"], DELETE)

    assert validate_form("cp_conference_record", data) == [
        FieldError(
            "/danger_statements/0/adult_behaviour",
            "Enter the description of what the adults did or might do",
            "required",
        )
    ]


def test_an_empty_embedded_danger_statement_is_refused_at_its_own_field() -> None:
    data = changed(example("cp_conference_record"), ["danger_statements", 0, "impact_on_child"], "")

    assert found(validate_form("cp_conference_record", data)) == [("/danger_statements/0/impact_on_child", "minLength")]


def test_a_missing_category_on_a_cp_plan_decision_asks_for_the_category() -> None:
    data = changed(example("cp_conference_record", INITIAL), ["category"], DELETE)

    assert validate_form("cp_conference_record", data) == [
        FieldError("/category", "Select a category of abuse", "required")
    ]


def test_a_conference_needs_at_least_one_danger_statement_scale_and_core_group_member() -> None:
    data = example("cp_conference_record", INITIAL)

    for field in ["danger_statements", "scales", "core_group", "attendees"]:
        assert found(validate_form("cp_conference_record", changed(data, [field], []))) == [(f"/{field}", "minItems")]


def test_the_conference_date_is_a_date_and_time_and_the_computed_dates_are_dates() -> None:
    data = example("cp_conference_record", INITIAL)
    data = changed(data, ["date"], "2026-03-23")
    data = changed(data, ["first_core_group_by"], "2026-04-08T00:00:00Z")

    assert found(validate_form("cp_conference_record", data)) == [
        ("/date", "format"),
        ("/first_core_group_by", "format"),
    ]


def test_the_computed_review_dates_are_optional() -> None:
    data = example("cp_conference_record", INITIAL)
    data = changed(changed(data, ["first_core_group_by"], DELETE), ["next_review_by"], DELETE)

    assert validate_form("cp_conference_record", data) == []


def test_a_review_is_valid_without_a_decision_and_an_initial_conference_without_a_review_decision() -> None:
    initial, review = example("cp_conference_record", INITIAL), example("cp_conference_record", REVIEW)

    assert "decision" not in review and validate_form("cp_conference_record", review) == []
    assert "review_decision" not in initial and validate_form("cp_conference_record", initial) == []


def test_the_examples_show_an_initial_cp_plan_and_a_review_ending_the_plan_with_no_further_action() -> None:
    initial, review = example("cp_conference_record", INITIAL), example("cp_conference_record", REVIEW)

    assert (initial["type"], initial["decision"]) == ("initial", "cp_plan")
    assert (review["type"], review["review_decision"], review["post_plan"]) == ("review", "end_plan", "nfa")


# Scales --------------------------------------------------------------------------------------------------


def test_a_scale_rating_of_11_in_a_conference_is_refused_at_its_value() -> None:
    data = changed(example("cp_conference_record"), ["scales", 0, "ratings", 0, "value"], 11)

    assert validate_form("cp_conference_record", data) == [
        FieldError("/scales/0/ratings/0/value", "Rating must be 10 or less", "maximum")
    ]


@pytest.mark.parametrize(
    ("value", "keyword"), [(-1, "minimum"), (11, "maximum"), (5.5, "type"), ("7", "type"), (None, "type")]
)
def test_a_scale_value_must_be_a_whole_number_from_0_to_10(value: object, keyword: str) -> None:
    data = changed(example("scale_rating"), ["ratings", 0, "value"], value)

    assert found(validate_form("scale_rating", data)) == [("/ratings/0/value", keyword)]


@pytest.mark.parametrize("value", [0, 10])
def test_the_ends_of_the_scale_are_accepted(value: int) -> None:
    assert validate_form("scale_rating", changed(example("scale_rating"), ["ratings", 0, "value"], value)) == []


def test_a_scale_needs_at_least_one_rating() -> None:
    errors = validate_form("scale_rating", changed(example("scale_rating"), ["ratings"], []))

    assert errors == [FieldError("/ratings", "Add at least one rating", "minItems")]


@pytest.mark.parametrize("value", [None, "ds-1"])
def test_a_scale_is_overall_when_its_danger_statement_is_null_and_specific_when_it_names_one(value: object) -> None:
    assert validate_form("scale_rating", changed(example("scale_rating"), ["danger_statement_id"], value)) == []


def test_a_scale_names_its_danger_statement_by_a_string_id() -> None:
    data = changed(example("scale_rating"), ["danger_statement_id"], 1)

    assert found(validate_form("scale_rating", data)) == [("/danger_statement_id", "type")]


def test_a_map_needs_at_least_one_scale() -> None:
    assert found(validate_form("sos_map", changed(example("sos_map"), ["scales"], []))) == [("/scales", "minItems")]


def test_the_scale_question_and_anchors_default_to_the_safety_scale_wording() -> None:
    properties = load_form("scale_rating")["properties"]

    assert properties["question"]["default"].startswith("On 0–10, where 10 = everyone knows the children are safe")
    assert properties["anchor_0"]["default"] and properties["anchor_10"]["default"]


# Danger statements and safety goals pair by id ------------------------------------------------------------


@pytest.mark.parametrize("index", [INITIAL, REVIEW])
def test_in_the_conference_examples_every_goal_and_scale_points_at_a_danger_statement_in_the_record(
    index: int,
) -> None:
    data = example("cp_conference_record", index)
    statements = {each["id"] for each in data["danger_statements"]}

    pointed_at = [each["danger_statement_id"] for each in data.get("safety_goals", [])]
    pointed_at += [each["danger_statement_id"] for each in data["scales"] if each.get("danger_statement_id")]

    assert pointed_at and set(pointed_at) <= statements
    assert any(each.get("danger_statement_id") is None for each in data["scales"])


def test_in_the_map_example_every_goal_and_scale_points_at_one_of_its_danger_statements() -> None:
    data = example("sos_map")
    statements = {each["id"] for each in data["danger_statements"]}

    goals = {each["danger_statement_id"] for each in data["needs"]["safety_goals"]}
    scaled = {each["danger_statement_id"] for each in data["scales"]} - {None}

    assert goals == statements == scaled


def test_a_safety_goal_must_last_a_positive_number_of_weeks_or_months() -> None:
    data = changed(example("safety_goal"), ["sustain_for", "value"], 0)

    assert found(validate_form("safety_goal", data)) == [("/sustain_for/value", "minimum")]


# Family network ------------------------------------------------------------------------------------------


def test_the_family_network_example_is_a_genogram_of_five_to_seven_people_in_two_households() -> None:
    data = example("family_network")
    people = {person["id"]: person for person in data["people"]}
    households = {household["id"] for household in data["households"]}

    assert 5 <= len(people) <= 7
    assert len(households) == 2
    assert {person["household_id"] for person in people.values() if "household_id" in person} == households
    assert len({relationship["type"] for relationship in data["relationships"]}) >= 4
    assert all(
        {relationship["from_id"], relationship["to_id"]} <= set(people) for relationship in data["relationships"]
    )
    assert all(link["person_id"] in people for link in data["ecomap_links"])


def test_the_family_network_names_every_case_child_and_the_safety_network_in_the_plan() -> None:
    network = example("family_network")
    in_network = {person["id"] for person in network["people"] if person["in_safety_network"]}

    assert set(network["child_ids"]) <= {person["id"] for person in network["people"] if person["role"] == "child"}
    assert set(example("safety_plan")["network_members"]) <= in_network


def test_a_family_network_needs_at_least_one_person() -> None:
    errors = validate_form("family_network", changed(example("family_network"), ["people"], []))

    assert errors == [FieldError("/people", "Add at least one person", "minItems")]


def test_a_date_of_birth_in_the_family_network_must_be_a_date() -> None:
    data = changed(example("family_network"), ["people", 0, "dob"], "14/11/2018")

    assert found(validate_form("family_network", data)) == [("/people/0/dob", "format")]


# Safety plan, three houses, words and pictures -----------------------------------------------------------


@pytest.mark.parametrize("field", ["rules", "network_members"])
def test_a_safety_plan_needs_at_least_one_rule_and_one_network_member(field: str) -> None:
    errors = validate_form("safety_plan", changed(example("safety_plan"), [field], []))

    assert found(errors) == [(f"/{field}", "minItems")]


def test_someone_must_make_sure_each_safety_rule_is_kept() -> None:
    errors = validate_form("safety_plan", changed(example("safety_plan"), ["rules", 0, "who_makes_sure"], []))

    assert found(errors) == [("/rules/0/who_makes_sure", "minItems")]


def test_three_houses_defaults_to_the_three_houses_variant_and_allows_fairy_and_wizard() -> None:
    variant = load_form("three_houses")["properties"]["variant"]

    assert variant["enum"] == ["three_houses", "fairy_wizard"]
    assert variant["default"] == "three_houses"
    assert validate_form("three_houses", changed(example("three_houses"), ["variant"], DELETE)) == []


def test_the_fairy_and_wizard_variant_has_the_same_shape_as_three_houses() -> None:
    data = changed(example("three_houses"), ["variant"], "fairy_wizard")

    assert validate_form("three_houses", data) == []


def test_a_house_may_be_empty_but_an_entry_needs_the_childs_words() -> None:
    data = changed(example("three_houses"), ["house_of_dreams"], [{"picture_attachment_id": "att-1"}])

    assert found(validate_form("three_houses", data)) == [("/house_of_dreams/0/words", "required")]


def test_words_and_pictures_not_yet_covering_everything_can_be_saved_until_it_is_shared() -> None:
    data = example("words_and_pictures", 1)

    assert "shared_with_child_on" not in data
    assert validate_form("words_and_pictures", data) == []
    shared = changed(data, ["shared_with_child_on"], "2026-04-10")
    assert [error.pointer for error in validate_form("words_and_pictures", shared)] == [
        "/covers/safety_plan_summary",
        "/covers/what_happened",
        "/covers/what_is_being_done",
        "/covers/who_is_worried",
    ]


def test_words_and_pictures_needs_at_least_one_page_and_one_author() -> None:
    data = example("words_and_pictures")

    assert found(validate_form("words_and_pictures", changed(data, ["panels"], []))) == [("/panels", "minItems")]
    assert found(validate_form("words_and_pictures", changed(data, ["authors"], []))) == [("/authors", "minItems")]
