"""Health, readiness and statistics."""
from __future__ import annotations

from flask.views import MethodView

from ..extensions import current_engine
from ..schemas import HealthSchema, ReadinessSchema, StatsSchema
from ..store import StoreUnavailable
from . import json_blueprint

blp = json_blueprint("system", __name__, description="Health checks and statistics")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict:
        """The process is alive."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ReadinessSchema,
                      description="Not ready: the store is unreachable, or the index is not consistent with it")
    def get(self) -> tuple[dict, int]:
        """The model is loaded, the store answers and the index is consistent with it."""
        try:
            readiness = {**current_engine().readiness(), "store_available": True}
        except StoreUnavailable as error:
            return {"ready": False, "model_loaded": True, "store_available": False, "reason": error.message}, 503
        return readiness, 200 if readiness["ready"] else 503


@blp.route("/v1/stats")
class Stats(MethodView):
    @blp.response(200, StatsSchema)
    def get(self) -> dict:
        """Counts of articles, claims and speakers; index type, size and generation; models in use."""
        return current_engine().stats()
