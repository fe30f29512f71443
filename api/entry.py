"""Requests are bounded where they enter, so nothing the API accepts can break the code behind it.

A JSON body is parsed once, here, and refused (400 `invalid_json`, with the JSON pointer of the value)
when it holds what the engine cannot store or serialise: integers beyond 64 bits (orjson, used by the
audit log, cannot write them), NaN and Infinity (PostgreSQL's JSONB refuses them), text with a NUL
character or an unpaired surrogate (PostgreSQL and UTF-8 refuse them), or nesting deeper than 32
levels. Path, query and form values with a NUL character are refused the same way (400
`invalid_request`), and path integers are bounded to a database integer (`<int32:…>`; beyond it, 404).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import IntegerConverter

MAX_DEPTH = 32
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
INT32_MAX = 2**31 - 1
_UNHOLDABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


class RequestRejected(Exception):
    """A request the API refuses before any view runs: answered with the error envelope."""

    def __init__(self, code: str, message: str, details: list[dict[str, str]], status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.details, self.status = code, message, details, status


def strict_json(raw: str | bytes, **options: Any) -> Any:
    """Parse a JSON document, refusing anything the engine cannot hold (see the module docstring);
    `options` go to `json.loads` (Flask's tagged session serializer passes an `object_hook`)."""
    try:
        value = json.loads(raw, **options)
    except RecursionError:
        raise _invalid_json("", f"Nest objects and lists no deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4,300 digits
        raise _invalid_json("", f"The request body is not valid JSON: {error}") from None
    for pointer, problem in _problems(value):
        raise _invalid_json(pointer, problem)
    return value


def _invalid_json(pointer: str, problem: str) -> RequestRejected:
    return RequestRejected("invalid_json", f"The request body cannot be accepted: {problem}",
                           [{"pointer": pointer, "message": problem}])


def _problems(document: Any) -> Iterator[tuple[str, str]]:
    """(pointer, problem) for each unholdable value, walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, pointer, depth = stack.pop()
        problem = _scalar_problem(value)
        if problem:
            yield pointer, problem
        elif isinstance(value, dict | list) and depth >= MAX_DEPTH:
            yield pointer, f"Nest objects and lists no deeper than {MAX_DEPTH} levels"
        elif isinstance(value, dict):
            for key, child in value.items():
                if _UNHOLDABLE_TEXT.search(key):
                    yield pointer, "Remove the NUL character or unpaired surrogate from the property name"
                stack.append((child, f"{pointer}/{_token(key)}", depth + 1))
        elif isinstance(value, list):
            stack.extend((child, f"{pointer}/{index}", depth + 1) for index, child in enumerate(value))


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
        return f"Enter a whole number from {MIN_INT} to {MAX_INT}"
    if isinstance(value, float) and not math.isfinite(value):
        return "Enter a finite number: NaN and Infinity cannot be stored"
    if isinstance(value, str) and _UNHOLDABLE_TEXT.search(value):
        return "Remove the NUL character or unpaired surrogate from the text"
    return None


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class StrictJSONProvider(DefaultJSONProvider):
    """`request.get_json()` parses with the same bounds as the views' arguments."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_json(s, **kwargs)


class BoundedParser(FlaskParser):
    """webargs' Flask parser with the strict JSON above, and one `multipart` location (form fields and files)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        return strict_json(raw) if raw.strip() else core.missing

    def load_multipart(self, req: Request, schema: Schema) -> Any:
        """Form fields and uploaded files together, as one OpenAPI multipart/form-data body describes them."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Int32Converter(IntegerConverter):
    """`<int32:version>`: a non-negative integer that fits an INTEGER column; anything larger is no route (404)."""

    def __init__(self, map: Any) -> None:
        super().__init__(map, max=INT32_MAX)


def reject_unholdable_text() -> None:
    """Before every API view: no path, query or form value (nor name, nor file name) may carry a NUL character."""
    sources = [("path", (request.view_args or {}).items()), ("query", request.args.items(multi=True)),
               ("form", request.form.items(multi=True)),
               ("form", ((name, upload.filename or "") for name, upload in request.files.items(multi=True)))]
    for location, pairs in sources:
        for name in _unholdable(pairs):
            raise RequestRejected("invalid_request", "The request is invalid",
                                  [{"pointer": f"/{location}/{_token(name)}",
                                    "message": "Remove the NUL character from the value"}])


def _unholdable(pairs: Iterable[tuple[str | None, Any]]) -> Iterator[str]:
    for name, value in pairs:
        if _UNHOLDABLE_TEXT.search(name or "") or (isinstance(value, str) and _UNHOLDABLE_TEXT.search(value)):
            yield name or ""


def install(app: Flask) -> None:
    """Parse JSON strictly everywhere and bound path integers; call before any route is registered."""
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int32"] = Int32Converter
