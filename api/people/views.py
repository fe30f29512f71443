"""People endpoints: a person with the cases of theirs I may see, and who a case is about."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from api.people.schemas import PersonSchema
from engine import runtime
from engine.queries.people import get_person

blp = ApiBlueprint("people", __name__, url_prefix="/api/v1/people",
                   description="Children and adults across cases (record & match)")


@blp.route("/<uuid:person_id>")
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    @blp.alt_response(403, description="My role does not read people's records")
    @blp.alt_response(404, description="No such person in any case I may see")
    def get(self, person_id: Any) -> Any:
        """Read a person: identifiers, the cases of theirs I may see, referrals (re-referrals) and CP plans"""
        runtime.record_person_read(context.db(), str(person_id), current_actor(), context.now())
        with context.db().reading() as session:
            return get_person(session, current_actor(), str(person_id))
