"""Form endpoints: the JSON Schema a client renders and validates against."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView
from marshmallow import Schema, fields

import forms
from api.openapi import ApiBlueprint
from engine.errors import NotFound

JSON_SCHEMA_DOCUMENT = {"type": "object", "description": "a JSON Schema (2020-12) document",
                        "additionalProperties": True}


class FormListSchema(Schema):
    forms = fields.List(fields.String(), required=True, metadata={"description": "every form key, sorted"})


blp = ApiBlueprint("forms", __name__, url_prefix="/api/v1/forms", description="Signs of Safety form schemas")


@blp.route("")
class Forms(MethodView):
    @blp.response(200, FormListSchema)
    def get(self) -> Any:
        """List the form keys"""
        return {"forms": forms.form_keys()}


@blp.route("/<string:key>")
class FormByKey(MethodView):
    @blp.response(200, JSON_SCHEMA_DOCUMENT)
    @blp.alt_response(404, description="No such form")
    def get(self, key: str) -> Any:
        """Read a form's JSON Schema (2020-12)"""
        if not forms.form_exists(key):
            raise NotFound(f"no form {key}")
        return jsonify(forms.load_form(key))
