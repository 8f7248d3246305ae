"""Claims: bulk import of fact-check records, read one claim."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from ..extensions import current_engine
from ..schemas import ClaimSchema, ClaimsBulkRequestSchema, ClaimsBulkResponseSchema
from . import ROW_ID, json_blueprint

blp = json_blueprint("claims", __name__, url_prefix="/v1/claims", description="Claims and fact-check records")


@blp.route("")
class Claims(MethodView):
    @blp.arguments(ClaimsBulkRequestSchema)
    @blp.response(200, ClaimsBulkResponseSchema)
    def post(self, body: dict) -> dict:
        """Import standalone claims (fact-check records); idempotent on external_id, else on text."""
        records = body["claims"]
        results = current_engine().ingest_claims(records)
        return {
            "created": sum(created for _, created in results),
            "existing": sum(not created for _, created in results),
            "claims": [
                {"claim_id": claim_id, "external_id": record.get("external_id"), "created": created}
                for record, (claim_id, created) in zip(records, results)
            ],
        }


@blp.route(f"/<{ROW_ID}:claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimSchema)
    def get(self, claim_id: int) -> dict:
        """One claim with its speaker and source."""
        claim = current_engine().claim(claim_id)
        if claim is None:
            abort(404, message=f"no claim {claim_id}")
        return claim
