"""Marshmallow schemas of the people resource."""

from marshmallow import Schema, fields


class PersonFieldsSchema(Schema):
    id = fields.String()
    name = fields.String()
    aliases = fields.List(fields.String())
    dob = fields.String(allow_none=True, metadata={"description": "date of birth, YYYY-MM-DD"})
    expected_dob = fields.String(allow_none=True, metadata={"description": "for an unborn child"})
    death_date = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    ethnicity = fields.String(allow_none=True, metadata={"description": "CIN census ethnicity code"})
    disabilities = fields.List(fields.String(), metadata={"description": "CIN census disability codes"})
    nhs_number = fields.String(allow_none=True)
    upn = fields.String(allow_none=True, metadata={"description": "unique pupil number"})


class PersonCaseSchema(Schema):
    case_id = fields.String()
    reference = fields.String()
    kind = fields.String()
    role = fields.String(metadata={"description": "child, household_member or subject_of_allegation"})
    opened_at = fields.String()


class PersonReferralSchema(Schema):
    case_id = fields.String()
    on = fields.String(metadata={"description": "the referral date"})
    re_referral = fields.Boolean(metadata={"description": "within 12 months of the previous referral"})


class PersonPlanSchema(Schema):
    case_id = fields.String()
    started_on = fields.String()
    number = fields.Integer(metadata={"description": "1 for the first child protection plan, 2 for the second…"})
    category = fields.String(allow_none=True)


class PersonSchema(PersonFieldsSchema):
    cases = fields.List(fields.Nested(PersonCaseSchema), metadata={"description": "only the cases I may see"})
    referrals = fields.List(fields.Nested(PersonReferralSchema))
    re_referrals = fields.Integer()
    cp_plans = fields.List(fields.Nested(PersonPlanSchema))


class CasePersonSchema(PersonFieldsSchema):
    role = fields.String()
    relationship = fields.String(allow_none=True)


class ChildPlansSchema(Schema):
    person_id = fields.String()
    previous_cp_plans = fields.Integer(metadata={"description": "plans the child started before this one"})


class CasePlanFlagsSchema(Schema):
    plan_started_on = fields.String(allow_none=True, metadata={"description": "the running plan's start, if any"})
    plan_over_two_years = fields.Boolean(metadata={"description": "the plan has lasted 24 months or more"})
    second_or_subsequent_plan = fields.Boolean(metadata={"description": "a child of the case had an earlier plan"})
    children = fields.List(fields.Nested(ChildPlansSchema))


class CasePeopleSchema(Schema):
    case_id = fields.String()
    people = fields.List(fields.Nested(CasePersonSchema))
    cp_plan = fields.Nested(CasePlanFlagsSchema, metadata={
        "description": "the child protection plan today and its flags for management review (domain §4)"})
