"""Form endpoints: the JSON Schema a client renders and validates against."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

import forms
from engine.errors import NotFound

blp = Blueprint("forms", __name__, url_prefix="/api/v1/forms", description="Signs of Safety form schemas")


@blp.route("")
class Forms(MethodView):
    @blp.response(200)
    def get(self) -> Any:
        """List the form keys"""
        return {"forms": forms.form_keys()}


@blp.route("/<string:key>")
class FormByKey(MethodView):
    @blp.response(200)
    @blp.alt_response(404, description="No such form")
    def get(self, key: str) -> Any:
        """Read a form's JSON Schema (2020-12)"""
        if not forms.form_exists(key):
            raise NotFound(f"no form {key}")
        return forms.load_form(key)
