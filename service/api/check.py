"""POST /v1/check: the prior claims most similar to a statement, with sources and stance."""
from __future__ import annotations

from flask.views import MethodView

from ..extensions import current_engine
from ..schemas import CheckRequestSchema, CheckResponseSchema
from ..store import SearchFilters
from . import json_blueprint

blp = json_blueprint("check", __name__, url_prefix="/v1/check", description="Check a statement against prior claims")


@blp.route("")
class Check(MethodView):
    @blp.arguments(CheckRequestSchema)
    @blp.response(200, CheckResponseSchema)
    def post(self, body: dict) -> dict:
        """Most similar prior claims, each with speaker, source, similarity and stance."""
        filters = body.get("filters") or {}
        return current_engine().check(
            body["statement"].strip(),
            k=body.get("k"),
            min_similarity=body.get("min_similarity"),
            filters=SearchFilters(
                outlets=tuple(filters.get("outlet") or ()),
                speakers=tuple(filters.get("speaker") or ()),
                published_after=_iso(filters.get("published_after")),
                published_before=_iso(filters.get("published_before")),
                min_check_worthiness=body.get("min_check_worthiness"),
            ),
            include_sources=body["sources"],
        )


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]
