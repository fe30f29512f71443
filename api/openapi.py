"""The published API document tells the truth: the error envelope, 401s, multipart uploads, bounded ids.

flask-smorest documents its own error body (`{code, status, message, errors}`); ours is the envelope
`{"error", "message", "details"}` (api/errors.py), so the `Api` and every blueprint here document that
instead: an alternative response of status 400 or more carries the envelope unless a view says
otherwise, every authenticated operation lists 401 (and 400 where it takes input), and a body of form
fields and files is one `multipart/form-data` schema (a view declares it with `location="multipart"`).
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from werkzeug.routing import BaseConverter

from api.entry import INT32_MAX, BoundedParser, Int32Converter

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class ErrorSchema(Schema):
    """The one error envelope every error answer has."""

    error = fields.String(required=True, metadata={"description": "machine-readable code, e.g. form_invalid"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    details = fields.Raw(required=True, allow_none=True, metadata={
        "description": "structured detail or null: for invalid input a list of {pointer, message}, "
                       "for a refused diagram a list of {element_id, tag, line, file, message}"})


class SosflowApi(Api):
    """flask-smorest's Api documenting our error envelope as its `Error` schema."""

    ERROR_SCHEMA = ErrorSchema


class ApiBlueprint(Blueprint):
    """A blueprint whose arguments are parsed within bounds and whose error responses are the envelope."""

    ARGUMENTS_PARSER = BoundedParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data",
    }

    def alt_response(self, status_code: Any, response: Any = None, *, schema: Any = None,
                     **kwargs: Any) -> Any:
        if response is None and schema is None and int(status_code) >= 400:
            schema = ErrorSchema
        return super().alt_response(status_code, response, schema=schema, **kwargs)


class EntryResponses(BasePlugin):
    """Adds the answers api/entry.py and authentication give before any view runs: 401 (code
    `unauthenticated`) to every operation that requires a token, 400 (`invalid_json`, `invalid_request`)
    to every operation that takes a body, a query or a path value."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method not in HTTP_METHODS:
                continue
            if operation.get("security") != []:
                _document(operation, "401", "UNAUTHORIZED")
            if "requestBody" in operation or operation.get("parameters") or "{" in (path or ""):
                _document(operation, "400", "BAD_REQUEST")


def _document(operation: dict[str, Any], status: str, response: str) -> None:
    responses = operation.setdefault("responses", {})
    if not any(str(code) == status for code in responses):
        responses[status] = response


def int32_parameter(converter: BaseConverter) -> dict[str, Any]:
    return {"type": "integer", "format": "int32", "minimum": 0, "maximum": INT32_MAX}


def create_api(app: Any) -> SosflowApi:
    """The Api on `app`, with the documentation helpers above registered before any blueprint."""
    api = SosflowApi(app, spec_kwargs={"extra_plugins": [EntryResponses()]})
    api.register_converter(Int32Converter, int32_parameter)
    return api
