"""POST /v1/stance: the claim-level stance of each of several claims, or the stance of a whole article."""
from __future__ import annotations

from flask.views import MethodView

from ..extensions import current_engine
from ..schemas import StanceRequestSchema, StanceResponseSchema
from . import json_blueprint

blp = json_blueprint("stance", __name__, url_prefix="/v1/stance", description="Claim- and article-level stance")


@blp.route("")
class Stance(MethodView):
    @blp.arguments(StanceRequestSchema)
    @blp.response(200, StanceResponseSchema)
    def post(self, body: dict) -> dict:
        """With 'claims': supports / refutes / neutral for each claim. With 'text': agree / disagree / discuss /
        unrelated for the article, with the sentences that drove the decision."""
        statement = body["statement"].strip()
        if "claims" in body:
            return current_engine().claim_stances(statement, body["claims"])
        return current_engine().article_stance(statement, body["text"])
