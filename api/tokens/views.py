"""Token endpoints: a user lists and revokes their own API tokens (secrets are never shown again)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from api.tokens.schemas import TokenListSchema, TokenSchema
from engine.tokens import TokenInfo, list_tokens, revoke_token

blp = ApiBlueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="My API tokens")


def _shown(token: TokenInfo) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "expires_at": token.expires_at,
            "revoked_at": token.revoked_at, "state": token.state(context.now())}


@blp.route("")
class Tokens(MethodView):
    @blp.response(200, TokenListSchema)
    def get(self) -> Any:
        """List my API tokens, newest first (without their secrets)"""
        with context.db().reading() as session:
            return {"items": [_shown(t) for t in list_tokens(session, current_actor().username)]}


@blp.route("/<uuid:token_id>/revoke")
class RevokeToken(MethodView):
    @blp.response(200, TokenSchema)
    @blp.alt_response(404, description="No such token of mine")
    def post(self, token_id: Any) -> Any:
        """Revoke one of my API tokens; it answers 401 from then on"""
        actor = current_actor().username
        return _shown(revoke_token(context.db(), str(token_id), context.now(), actor, owner=actor))
