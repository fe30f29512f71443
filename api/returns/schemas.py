"""Query schemas of the returns resource."""

from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from engine.queries.cin_census import census_year
from forms.formats import EARLIEST_YEAR, LATEST_YEAR

_DATE = validate.Range(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31),
                       error=f"Dates must be between {EARLIEST_YEAR} and {LATEST_YEAR}")


class CinCensusQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    year = fields.String(required=True, metadata={"description": "the census year, e.g. 2026-27 (1 April–31 March)"})

    @validates("year")
    def _year(self, value: str, **_: object) -> None:
        try:
            first, _last = census_year(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if not EARLIEST_YEAR <= first.year < LATEST_YEAR:
            raise ValidationError(f"the year must start between {EARLIEST_YEAR} and {LATEST_YEAR - 1}")


class AnnexAQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.Date(data_key="from", required=True, validate=_DATE,
                        metadata={"description": "first day of the period (UK), inclusive"})
    to = fields.Date(required=True, validate=_DATE, metadata={"description": "last day of the period, inclusive"})
    list_ = fields.Integer(data_key="list", load_default=1, validate=validate.Range(min=1, max=7),
                           metadata={"description": "which Annex A list, 1–7 (list 8, looked after, is out of scope)"})

    @validates_schema
    def _ordered(self, data: dict, **_: object) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("from must not be after to", field_name="from")
