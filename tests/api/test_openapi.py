"""The published API document is true: a valid OpenAPI 3 document whose error schema is the envelope the API
sends, with 401 wherever a token is needed, a real multipart upload and a response schema on every endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft4Validator
from openapi_spec_validator import validate

from tests.api.conftest import ApiClient

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def spec(api: ApiClient) -> dict[str, Any]:
    document: dict[str, Any] = api.get("/api/v1/openapi.json", None)
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolved(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def error_schema(spec: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"]["Error"]
    return schema


def test_the_document_is_a_valid_openapi_3_document(spec: dict[str, Any]) -> None:
    validate(spec)  # raises on the first violation of the OpenAPI 3.0 schema and its rules

    assert spec["openapi"].startswith("3.")


def test_the_error_schema_is_the_envelope_the_api_sends(spec: dict[str, Any], api: ApiClient) -> None:
    schema = error_schema(spec)
    assert set(schema["properties"]) == {"error", "message", "details"}
    assert set(schema["required"]) == {"error", "message", "details"}
    assert schema["properties"]["details"]["nullable"] is True

    answers = [
        api.get("/api/v1/tasks", None, 401),
        api.get("/api/v1/forms/no_such_form", "sam", 404),
        api.post("/api/v1/cases", "rita", 422, json={"process": "mash_screening"}),
        api.post("/api/v1/cases", "rita", 400, data="{", content_type="application/json"),
    ]
    for answer in answers:
        Draft4Validator(schema).validate(answer)


def test_every_documented_error_response_is_the_envelope(spec: dict[str, Any]) -> None:
    checked = 0
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            content = resolved(spec, response)["content"]
            assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, (
                path, method, status)
            checked += 1
    assert checked >= 40


def test_every_operation_that_needs_a_token_documents_401_and_every_one_taking_input_400(
    spec: dict[str, Any]
) -> None:
    assert spec["security"] == [{"bearer": []}]
    for path, method, operation in operations(spec):
        assert operation.get("security") != [], (path, method)
        assert resolved(spec, operation["responses"]["401"])["description"] == "Unauthorized", (path, method)
        if "requestBody" in operation or "{" in path or operation.get("parameters"):
            assert resolved(spec, operation["responses"]["400"])["description"] == "Bad Request", (path, method)


def test_the_diagram_upload_is_one_multipart_body_with_the_file_and_an_optional_key(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/api/v1/definitions"]["post"]
    assert "parameters" not in operation
    (content_type,) = operation["requestBody"]["content"]
    schema = resolved(spec, operation["requestBody"]["content"][content_type]["schema"])

    assert content_type == "multipart/form-data"
    assert schema["properties"]["file"] == {"type": "string", "format": "binary", "description": "a BPMN 2.0 XML file"}
    assert schema["properties"]["key"]["type"] == "string"
    assert schema["required"] == ["file"]


def test_every_success_response_has_a_schema_for_its_content_type(spec: dict[str, Any]) -> None:
    media = {}
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 300:
                (content_type, body), = resolved(spec, response)["content"].items()
                assert body["schema"], (path, method, status)
                media[(path, method)] = content_type
    assert media[("/api/v1/cases/{case_id}/genogram.svg", "get")] == "image/svg+xml"
    assert media[("/api/v1/definitions/{key}/versions/{version}/bpmn", "get")] == "application/xml"
    assert media[("/api/v1/forms", "get")] == "application/json"


def test_a_path_version_is_documented_within_a_database_integer(spec: dict[str, Any]) -> None:
    (version,) = [p for p in spec["paths"]["/api/v1/definitions/{key}/versions/{version}/bpmn"]["parameters"]
                  if p["name"] == "version"]

    assert version["schema"] == {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2**31 - 1}
