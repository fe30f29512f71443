"""Behaviour of the form schemas (forms/*.json) and of validation through `forms.validate_form`."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from forms import (
    FORMAT_CHECKER,
    FORMS_DIR,
    FieldError,
    UnknownForm,
    form_exists,
    form_keys,
    load_form,
    validate_form,
)

EXPECTED_FORMS = {
    "emergency_response",
    "mash_decision",
    "mash_screening",
    "mash_service_request",
    "overdue_review",
    "partner_check",
    "referrer_feedback",
}
SYSTEM_FIELDS = {"case_id", "author", "completed_at", "version", "child_ids"}
DELETE = object()


# Helpers -----------------------------------------------------------------------------------------


def example(key: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(load_form(key)["examples"][index])


def changed(data: dict[str, Any], path: list[str | int], value: object) -> dict[str, Any]:
    """A copy of `data` with the value at `path` replaced, or removed when `value` is DELETE."""
    result = copy.deepcopy(data)
    parent: Any = result
    for part in path[:-1]:
        parent = parent[part]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


def pointer(path: list[str | int]) -> str:
    return "".join(f"/{part}" for part in path)


def found(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(error.pointer, error.validator) for error in errors]


def file_registry() -> Registry[Any]:
    """Built here from the files, independently of forms/__init__.py, to check the references."""
    resources = []
    for path in FORMS_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources).crawl()


def refs_in(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "$ref":
                yield value
            elif name != "examples":
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def fields_in_examples() -> Iterator[tuple[str, int, list[str | int], dict[str, Any], object]]:
    """(form, example index, path, schema with $refs followed, value) for each value in each example."""
    registry = file_registry()
    for key in form_keys():
        schema = load_form(key)
        for index, data in enumerate(schema["examples"]):
            yield from _walk(key, index, schema, data, [], registry.resolver(base_uri=schema["$id"]))


def _walk(key: str, index: int, schema: Any, value: object, path: list[str | int], resolver: Any) -> Iterator:
    while "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    yield key, index, path, schema, value
    if isinstance(value, dict):
        for name, child in value.items():
            yield from _walk(key, index, schema["properties"][name], child, [*path, name], resolver)
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield from _walk(key, index, schema["items"], child, [*path, position], resolver)


def case_id(key: str, index: int, path: list[str | int]) -> str:
    return f"{key}[{index}]{pointer(path) or '/'}"


ALL_EXAMPLES = [(key, index) for key in form_keys() for index in range(len(load_form(key)["examples"]))]
REQUIRED_CASES = [
    pytest.param(key, index, [*path, name], id=case_id(key, index, [*path, name]))
    for key, index, path, schema, value in fields_in_examples()
    if isinstance(value, dict)
    for name in schema.get("required", [])
]
ENUM_CASES = [
    pytest.param(key, index, path, schema["enum"], id=case_id(key, index, path))
    for key, index, path, schema, _ in fields_in_examples()
    if "enum" in schema
]
REQUIRED_TEXT_CASES = [
    pytest.param(key, index, path, id=case_id(key, index, path))
    for key, index, path, schema, value in fields_in_examples()
    if isinstance(value, str) and schema.get("minLength") == 1
]


# The form files ----------------------------------------------------------------------------------


def test_form_keys_lists_every_form_file_in_sorted_order() -> None:
    keys = form_keys()

    assert keys == sorted(keys)
    assert set(keys) >= EXPECTED_FORMS
    assert set(keys) == {path.stem for path in FORMS_DIR.glob("*.json")}


@pytest.mark.parametrize("key", form_keys())
def test_every_form_is_a_valid_draft_2020_12_schema(key: str) -> None:
    Draft202012Validator.check_schema(load_form(key))


@pytest.mark.parametrize("key", form_keys())
def test_every_form_declares_its_id_title_and_a_closed_top_level_object(key: str) -> None:
    schema = load_form(key)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://sosflow.example/forms/{key}.json"
    assert schema["title"] and schema["description"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["examples"] and all(isinstance(each, dict) for each in schema["examples"])


@pytest.mark.parametrize("key", form_keys())
def test_every_form_accepts_the_system_stamped_fields_without_requiring_them(key: str) -> None:
    schema = load_form(key)

    assert set(schema["properties"]) >= SYSTEM_FIELDS
    assert not SYSTEM_FIELDS & set(schema["required"])


@pytest.mark.parametrize("key", form_keys())
def test_every_ref_in_a_form_resolves(key: str) -> None:
    schema = load_form(key)
    resolver = file_registry().resolver(base_uri=schema["$id"])

    for ref in refs_in(schema):
        assert resolver.lookup(ref).contents is not None, ref


@pytest.mark.parametrize(("key", "index"), ALL_EXAMPLES)
def test_every_example_in_a_form_is_valid(key: str, index: int) -> None:
    assert validate_form(key, example(key, index)) == []


def test_mash_screening_has_exactly_the_f1_fields_and_requirements() -> None:
    schema = load_form("mash_screening")
    f1_required = {
        "referral_summary", "referrer_worries", "what_is_working_well", "what_needs_to_happen",
        "family_network_at_first_contact", "level_of_need", "rag", "rag_rationale", "immediate_danger",
        "consent", "decision", "decision_rationale", "decided_by",
    }  # fmt: skip
    f1_optional = {
        "draft_danger_statement", "complicating_factors", "consent_override_reason", "partner_checks",
        "child_voice", "referrer_informed_at",
        "consent_override_basis",  # the closed lawful basis of an override (§3 step 5, §9.3), beside F1's text
    }  # fmt: skip

    assert set(schema["required"]) == f1_required
    assert set(schema["properties"]) == f1_required | f1_optional | SYSTEM_FIELDS


def test_other_forms_take_the_screening_decision_from_mash_screening() -> None:
    assert load_form("mash_decision")["properties"]["decision"] == {
        "$ref": "mash_screening.json#/$defs/decision"
    }


# Required, enum and empty-text rules, found programmatically from the schemas and their examples ----


@pytest.mark.parametrize(("key", "index", "path"), REQUIRED_CASES)
def test_removing_a_required_field_gives_one_required_error_at_that_field(
    key: str, index: int, path: list[str | int]
) -> None:
    errors = validate_form(key, changed(example(key, index), path, DELETE))

    assert found(errors) == [(pointer(path), "required")]
    assert errors[0].message.startswith(("Enter the ", "Select "))


@pytest.mark.parametrize(("key", "index", "path", "options"), ENUM_CASES)
def test_a_value_outside_an_enum_is_refused_at_its_pointer(
    key: str, index: int, path: list[str | int], options: list[object]
) -> None:
    outside = 99 if all(isinstance(option, int) for option in options) else "not_an_option"

    errors = validate_form(key, changed(example(key, index), path, outside))

    assert found(errors) == [(pointer(path), "enum")]
    assert errors[0].message == "Select one of: " + ", ".join(str(option) for option in options)


@pytest.mark.parametrize(("key", "index", "path"), REQUIRED_TEXT_CASES)
def test_an_empty_string_is_refused_where_text_is_required(
    key: str, index: int, path: list[str | int]
) -> None:
    errors = validate_form(key, changed(example(key, index), path, ""))

    assert found(errors) == [(pointer(path), "minLength")]
    assert errors[0].message.startswith("Enter the ")


def test_the_required_list_cases_cover_the_four_main_mash_forms() -> None:
    keys = {case.values[0] for case in REQUIRED_CASES}

    assert {"mash_screening", "mash_service_request", "mash_decision", "partner_check"} <= keys


# Conditional requirements ------------------------------------------------------------------------

CONDITIONAL_CASES = [
    ("mash_screening", 0, [(["draft_danger_statement"], DELETE)], "/draft_danger_statement"),
    ("mash_screening", 1, [(["decision"], "strategy_discussion_s47")], "/draft_danger_statement"),
    ("mash_screening", 1,
     [(["consent"], "refused_overridden"), (["consent_override_basis"], "significant_harm_suspected")],
     "/consent_override_reason"),
    ("mash_screening", 1, [(["consent"], "refused_overridden"), (["consent_override_reason"], "why")],
     "/consent_override_basis"),
    ("mash_screening", 1, [(["consent"], "not_sought_risk_to_child"), (["consent_override_reason"], "why")],
     "/consent_override_basis"),
    ("consent_record", 0, [(["consent"], "refused_overridden"), (["consent_override_reason"], "why")],
     "/consent_override_basis"),
    ("mash_screening", 1, [(["consent"], "not_sought_significant_harm"),
                           (["consent_override_basis"], "significant_harm_suspected")], "/consent_override_reason"),
    ("mash_screening", 0, [(["consent_override_reason"], DELETE)], "/consent_override_reason"),
    ("mash_service_request", 0, [(["consent", "not_sought_reason"], DELETE)], "/consent/not_sought_reason"),
    ("mash_decision", 0, [(["draft_danger_statement"], DELETE)], "/draft_danger_statement"),
    ("mash_decision", 1, [(["early_help_provider"], DELETE)], "/early_help_provider"),
    ("mash_decision", 2, [(["assessment_team"], DELETE)], "/assessment_team"),
    ("mash_decision", 1, [(["decision"], "cin_assessment_s17")], "/assessment_team"),
    ("partner_check", 0, [(["summary"], DELETE)], "/summary"),
    ("partner_check", 0, [(["justification"], DELETE)], "/justification"),
    ("partner_check", 1, [(["information_held"], True)], "/summary"),
    ("partner_check", 1, [(["shared_without_consent"], True)], "/justification"),
    ("referrer_feedback", 1, [(["parents_informed"], False)], "/parents_not_informed_reason"),
    ("emergency_response", 1, [(["actions"], ["police_protection"])], "/police_protection_started_at"),
]
QUIET_CONDITIONAL_CASES = [
    ("mash_screening", 1, [(["consent"], "not_required")]),
    ("mash_screening", 1, [(["consent"], "refused")]),  # a plain refusal is recorded: nothing is shared
    ("consent_record", 1, [(["consent"], "given"), (["consent_override_basis"], DELETE),
                           (["consent_override_reason"], DELETE)]),
    ("mash_screening", 1, [(["decision"], "nfa")]),
    ("mash_decision", 1, [(["decision"], "nfa"), (["early_help_provider"], DELETE)]),
    (
        "mash_service_request",
        0,
        [(["consent", "consent"], "refused"), (["consent", "not_sought_reason"], DELETE)],
    ),
    ("partner_check", 0, [(["shared_without_consent"], False), (["justification"], DELETE)]),
    ("referrer_feedback", 0, [(["parents_informed"], True), (["parents_not_informed_reason"], DELETE)]),
    ("emergency_response", 0, [(["actions"], ["police_999"]), (["police_protection_started_at"], DELETE)]),
]


def apply(data: dict[str, Any], changes: list[tuple[list[str | int], object]]) -> dict[str, Any]:
    for path, value in changes:
        data = changed(data, path, value)
    return data


@pytest.mark.parametrize(("key", "index", "changes", "expected"), CONDITIONAL_CASES)
def test_a_conditionally_required_field_is_demanded_at_its_own_pointer(
    key: str, index: int, changes: list[tuple[list[str | int], object]], expected: str
) -> None:
    errors = validate_form(key, apply(example(key, index), changes))

    assert found(errors) == [(expected, "required")]


@pytest.mark.parametrize(("key", "index", "changes"), QUIET_CONDITIONAL_CASES)
def test_a_conditional_field_is_not_demanded_when_its_condition_is_false(
    key: str, index: int, changes: list[tuple[list[str | int], object]]
) -> None:
    assert validate_form(key, apply(example(key, index), changes)) == []


def test_a_child_with_neither_date_of_birth_nor_expected_date_of_birth_is_refused_at_dob() -> None:
    data = changed(example("mash_service_request"), ["children", 1, "expected_dob"], DELETE)

    errors = validate_form("mash_service_request", data)

    assert errors == [
        FieldError("/children/1/dob", "Enter the date of birth or the expected date of birth", "anyOf")
    ]


def test_a_service_request_needs_at_least_one_child() -> None:
    errors = validate_form("mash_service_request", changed(example("mash_service_request"), ["children"], []))

    assert errors == [FieldError("/children", "Add at least one child", "minItems")]


def test_an_emergency_response_needs_at_least_one_action_and_no_repeats() -> None:
    data = example("emergency_response", 1)

    assert found(validate_form("emergency_response", changed(data, ["actions"], []))) == [
        ("/actions", "minItems")
    ]
    repeated = changed(data, ["actions"], ["police_999", "police_999"])
    assert found(validate_form("emergency_response", repeated)) == [("/actions", "uniqueItems")]


# Formats -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_date", ["2018-02-30", "14/11/2018", "2018-11-14T00:00:00Z", "2018-1-4", ""])
def test_an_invalid_date_is_refused_with_format(bad_date: str) -> None:
    data = changed(example("mash_service_request"), ["children", 0, "dob"], bad_date)

    errors = validate_form("mash_service_request", data)

    assert errors == [FieldError("/children/0/dob", "Enter a date in the format YYYY-MM-DD", "format")]


@pytest.mark.parametrize(
    "bad_number", ["9434765918", "943 476 5919", "943476591", "94347659190", "1000000010"]
)
def test_an_invalid_nhs_number_is_refused_with_format(bad_number: str) -> None:
    data = changed(example("mash_service_request"), ["children", 0, "nhs_number"], bad_number)

    assert found(validate_form("mash_service_request", data)) == [("/children/0/nhs_number", "format")]


@pytest.mark.parametrize(
    "bad_time",
    ["2026-03-02T10:00:00", "2026-03-02 10:00:00+00:00", "2026-03-02T24:00:00Z", "2026-03-02T10:00Z"],
)
def test_a_date_time_without_a_valid_offset_is_refused_with_format(bad_time: str) -> None:
    data = changed(example("referrer_feedback", 1), ["referrer_informed_at"], bad_time)

    assert found(validate_form("referrer_feedback", data)) == [("/referrer_informed_at", "format")]


@pytest.mark.parametrize(
    "good_time",
    ["2026-03-02T10:00:00Z", "2026-03-02T10:00:00.250+01:00", "1900-01-01T00:00:00+01:00", "2200-12-31T23:59:59Z"],
)
def test_a_date_time_with_an_offset_is_accepted(good_time: str) -> None:
    data = changed(example("referrer_feedback", 1), ["referrer_informed_at"], good_time)

    assert validate_form("referrer_feedback", data) == []


@pytest.mark.parametrize("bad_time", ["2026-03-02t10:00:00Z", "2026-03-02T10:00:00z"])
def test_a_date_time_with_lower_case_t_or_z_is_refused_because_python_cannot_read_it(bad_time: str) -> None:
    data = changed(example("referrer_feedback", 1), ["referrer_informed_at"], bad_time)

    assert found(validate_form("referrer_feedback", data)) == [("/referrer_informed_at", "format")]


def test_a_leap_second_is_refused_because_python_cannot_hold_it() -> None:
    data = changed(example("referrer_feedback", 1), ["referrer_informed_at"], "2016-12-31T23:59:60Z")

    assert validate_form("referrer_feedback", data) == [FieldError(
        "/referrer_informed_at", "Enter the date and time the referrer was informed with seconds from 00 to 59",
        "format")]


@pytest.mark.parametrize("far", ["9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1899-12-31T23:59:59+00:00",
                                 "2201-01-01T00:00:00Z"])
def test_a_date_time_outside_1900_to_2200_is_refused_as_out_of_range(far: str) -> None:
    data = changed(example("referrer_feedback", 1), ["referrer_informed_at"], far)

    assert validate_form("referrer_feedback", data) == [FieldError(
        "/referrer_informed_at", "Date and time the referrer was informed must be between 1900 and 2200", "format")]


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
def test_a_date_outside_1900_to_2200_is_refused_as_out_of_range(far: str) -> None:
    data = changed(example("mash_service_request"), ["children", 0, "dob"], far)

    assert validate_form("mash_service_request", data) == [
        FieldError("/children/0/dob", "Date of birth must be between 1900 and 2200", "format")]


def test_an_email_without_a_domain_is_refused_with_format() -> None:
    data = changed(example("mash_service_request"), ["referrer", "email"], "grace.thompson")

    assert found(validate_form("mash_service_request", data)) == [("/referrer/email", "format")]


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "1234567881"])
def test_the_nhs_number_format_accepts_a_correct_check_digit(number: str) -> None:
    assert FORMAT_CHECKER.conforms(number, "nhs-number")


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "sw1a1aa", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"]
)
def test_the_uk_postcode_format_accepts_real_shapes(postcode: str) -> None:
    assert FORMAT_CHECKER.conforms(postcode, "uk-postcode")


@pytest.mark.parametrize("postcode", ["SW1A 1A", "Q1 1AA", "12345", "SW1A  1AA", " SW1A 1AA", ""])
def test_the_uk_postcode_format_refuses_other_strings(postcode: str) -> None:
    assert not FORMAT_CHECKER.conforms(postcode, "uk-postcode")


# Unknown fields, unknown forms, messages and ordering ----------------------------------------------


@pytest.mark.parametrize("key", form_keys())
def test_an_unknown_top_level_field_is_refused(key: str) -> None:
    errors = validate_form(key, changed(example(key), ["surprise"], "x"))

    assert found(errors) == [("/surprise", "additionalProperties")]


def test_an_unknown_nested_field_is_refused_at_its_own_pointer_with_rfc_6901_escaping() -> None:
    data = changed(example("mash_screening"), ["partner_checks", 0, "a/b~c"], "x")

    assert found(validate_form("mash_screening", data)) == [
        ("/partner_checks/0/a~1b~0c", "additionalProperties")
    ]


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "mash_screening.json", "MASH_SCREENING", "", "mash_screening/../partner_check", "nope"],
)
def test_an_unknown_or_malformed_form_key_raises_unknown_form(key: str) -> None:
    assert not form_exists(key)
    with pytest.raises(UnknownForm):
        load_form(key)
    with pytest.raises(UnknownForm):
        validate_form(key, {})


def test_unknown_form_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load_form("../etc/passwd")


def test_form_exists_for_every_listed_form() -> None:
    assert all(form_exists(key) for key in form_keys())


def test_changing_a_loaded_form_does_not_change_validation() -> None:
    schema = load_form("mash_screening")
    schema["required"].clear()
    schema["properties"].clear()

    assert load_form("mash_screening")["required"]
    assert found(validate_form("mash_screening", {}))[0] == ("/consent", "required")


def test_validation_reports_every_error_in_pointer_order_with_caseworker_wording() -> None:
    data = example("mash_screening")
    data = changed(data, ["rag"], DELETE)
    data = changed(data, ["decision_rationale"], DELETE)
    data = changed(data, ["level_of_need"], 5)
    data = changed(data, ["partner_checks", 1, "requested_at"], "yesterday")

    errors = validate_form("mash_screening", data)

    assert errors == [
        FieldError("/decision_rationale", "Enter the decision rationale", "required"),
        FieldError("/level_of_need", "Select one of: 1, 2, 3, 4", "enum"),
        FieldError(
            "/partner_checks/1/requested_at",
            "Enter a date and time in the format YYYY-MM-DDThh:mm:ss+hh:mm (or Z for UTC)",
            "format",
        ),
        FieldError("/rag", "Select a RAG rating", "required"),
    ]


def test_an_empty_submission_lists_every_required_field() -> None:
    errors = validate_form("mash_screening", {})

    assert found(errors) == [
        (f"/{name}", "required") for name in sorted(load_form("mash_screening")["required"])
    ]


def test_a_submission_that_is_not_an_object_is_refused_at_the_root() -> None:
    assert found(validate_form("partner_check", ["police"])) == [("", "type")]


def test_a_yes_no_question_answered_with_text_asks_for_yes_or_no() -> None:
    errors = validate_form("partner_check", changed(example("partner_check"), ["information_held"], "yes"))

    assert errors == [FieldError("/information_held", "Select yes or no for information held", "type")]
