"""Statutory returns for managers: the CIN census for a year and the Annex A lists for a period, as CSV,
each row naming the case (id and reference) it comes from."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from api import context
from api.openapi import ApiBlueprint
from api.returns.schemas import AnnexAQuerySchema, CinCensusQuerySchema
from engine.queries.annex_a import annex_a_csv
from engine.queries.cin_census import cin_census_csv

blp = ApiBlueprint("returns", __name__, url_prefix="/api/v1/returns",
                   description="The DfE children in need census and Ofsted Annex A lists (CSV)")

RETURN_CSV = {"type": "string", "description": "the return's published columns in order, then Case ID and reference"}


def _csv(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/cin-census")
class CinCensus(MethodView):
    @blp.arguments(CinCensusQuerySchema, location="query")
    @blp.response(200, RETURN_CSV, content_type="text/csv")
    @blp.alt_response(403, description="Only children's services managers")
    def get(self, args: dict[str, Any]) -> Any:
        """The CIN census for a year: one row per child per episode open in it"""
        with context.db().reading() as session:
            return _csv(cin_census_csv(session, args["year"]), f"cin-census-{args['year']}.csv")


@blp.route("/annex-a")
class AnnexA(MethodView):
    @blp.arguments(AnnexAQuerySchema, location="query")
    @blp.response(200, RETURN_CSV, content_type="text/csv")
    @blp.alt_response(403, description="Only children's services managers")
    def get(self, args: dict[str, Any]) -> Any:
        """One Annex A list (1–7) for a period"""
        first, last, number = args["from_"], args["to"], args["list_"]
        with context.db().reading() as session:
            body = annex_a_csv(session, number, first, last)
        return _csv(body, f"annex-a-list-{number}-{first.isoformat()}-{last.isoformat()}.csv")
