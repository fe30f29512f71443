"""Definition endpoints: process owners deploy BPMN; everyone signed in may read it."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.definitions.schemas import BPMN_XML, CheckedSchema, DefinitionSchema, DeployedSchema, UploadSchema
from api.openapi import ApiBlueprint
from engine import runtime
from engine.errors import DiagramInvalid
from engine.queries.definitions import get_definition_version, list_definitions

blp = ApiBlueprint("definitions", __name__, url_prefix="/api/v1/definitions", description="BPMN process definitions")


@blp.route("")
class Definitions(MethodView):
    @blp.response(200, DefinitionSchema(many=True))
    def get(self) -> Any:
        """List every deployed version of every process"""
        with context.db().reading() as session:
            return list_definitions(session)

    @blp.arguments(UploadSchema, location="multipart")
    @blp.response(201, DeployedSchema)
    @blp.alt_response(200, schema=DeployedSchema, description="Identical to the latest version; nothing deployed")
    @blp.alt_response(403, description="Only process owners deploy")
    @blp.alt_response(422, description="The diagram failed a check: element id and reason")
    def post(self, body: dict[str, Any]) -> Any:
        """Deploy a BPMN file as the next version of its process"""
        upload = body["file"]
        definition, created = runtime.deploy_definition(
            context.db(), upload.read(), upload.filename or "upload.bpmn", current_actor(), context.now(),
            key=body.get("key"),
        )
        body = {name: getattr(definition, name) for name in DefinitionSchema().fields}
        return {**body, "created": created}, 201 if created else 200


@blp.route("/check")
class CheckDefinition(MethodView):
    @blp.arguments(UploadSchema, location="multipart")
    @blp.response(200, CheckedSchema)
    @blp.alt_response(403, description="Only process owners check diagrams")
    @blp.alt_response(422, description="The diagram failed a check: element id and reason for each problem")
    def post(self, body: dict[str, Any]) -> Any:
        """Run every deploy check on a BPMN file without storing it (what the modeler's "Check" runs)"""
        upload = body["file"]
        checked, problems = runtime.check_definition(
            context.db(), upload.read(), upload.filename or "upload.bpmn", current_actor(), key=body.get("key"))
        if checked is None:
            raise DiagramInvalid(problems)
        return {"key": checked.key, "name": checked.name, "sha256": checked.sha256, "start_form": checked.start_form,
                "start_lane": checked.start_lane, "validation_report": checked.report}


@blp.route("/<string:key>/versions/<int32:version>/bpmn")
class DefinitionBpmn(MethodView):
    @blp.response(200, BPMN_XML, content_type="application/xml")
    @blp.alt_response(404, description="No such version")
    def get(self, key: str, version: int) -> Any:
        """Download one version's BPMN XML"""
        with context.db().reading() as session:
            definition = get_definition_version(session, key, version)
        return Response(definition.bpmn_xml, mimetype="application/xml")
