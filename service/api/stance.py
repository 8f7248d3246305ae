"""POST /v1/stance: the stance of a whole article toward a statement (FNC-1 labels)."""
from __future__ import annotations

from flask.views import MethodView

from ..extensions import current_engine
from ..schemas import ArticleStanceSchema, StanceRequestSchema
from . import json_blueprint

blp = json_blueprint("stance", __name__, url_prefix="/v1/stance", description="Article-level stance")


@blp.route("")
class ArticleStance(MethodView):
    @blp.arguments(StanceRequestSchema)
    @blp.response(200, ArticleStanceSchema)
    def post(self, body: dict) -> dict:
        """agree / disagree / discuss / unrelated, with the sentences that drove the decision."""
        return current_engine().article_stance(body["statement"].strip(), body["text"])
