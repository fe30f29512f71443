"""Marshmallow schemas of the task resource."""

from marshmallow import RAISE, Schema, fields, validate


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.String()
    case_id = fields.String()
    process_key = fields.String(data_key="process")
    element_id = fields.String()
    name = fields.String()
    lane = fields.String()
    candidate_group = fields.String()
    form_key = fields.String(data_key="form")
    status = fields.String()
    assignee = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    claimed_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    warn_at = fields.AwareDateTime(allow_none=True)
    due_rule = fields.String(allow_none=True)


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema)
    case_reference = fields.String()
    form_schema = fields.Dict(metadata={"description": "the form's JSON Schema (2020-12)"})
    data = fields.Dict(metadata={"description": "current values that prefill the form"})
    submitted = fields.Dict(allow_none=True, metadata={"description": "what was submitted, once completed"})


class TaskQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    group = fields.String()
    assignee = fields.String(validate=validate.Equal("me", error="assignee filter only accepts 'me'"))
    process = fields.String()
    overdue = fields.Boolean(load_default=False)
    status = fields.String(load_default="ready", validate=validate.OneOf(["ready", "completed", "cancelled"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String()


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema))
    next_cursor = fields.String(allow_none=True)


class CompleteTaskSchema(Schema):
    class Meta:
        unknown = RAISE

    data = fields.Dict(required=True, metadata={"description": "the form data, validated by its JSON Schema"})


class TaskChangeSchema(Schema):
    task_id = fields.String()
    status = fields.String()
    assignee = fields.String(allow_none=True)
    revision = fields.Integer()
