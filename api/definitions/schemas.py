"""Marshmallow schemas of the definition resource."""

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate


class CheckedSchema(Schema):
    """A diagram that passed every deploy check; nothing was stored."""

    key = fields.String()
    name = fields.String()
    sha256 = fields.String()
    start_form = fields.String(allow_none=True)
    start_lane = fields.String(allow_none=True)
    validation_report = fields.Dict()


class DefinitionSchema(CheckedSchema):
    """A deployed version of a process."""

    version = fields.Integer()
    deployed_by = fields.String()
    deployed_at = fields.AwareDateTime()


class DeployedSchema(DefinitionSchema):
    created = fields.Boolean(metadata={"description": "false when the same XML was already the latest version"})


class UploadSchema(Schema):
    """One multipart/form-data body: the file and, optionally, which process in it to deploy."""

    class Meta:
        unknown = RAISE

    file = Upload(required=True, metadata={"description": "a BPMN 2.0 XML file"})
    key = fields.String(validate=validate.Length(min=1, max=200),
                        metadata={"description": "which executable process to deploy, if the file has several"})


BPMN_XML = {"type": "string", "description": "the BPMN 2.0 XML exactly as deployed"}
