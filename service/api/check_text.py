"""POST /v1/check/text: a whole draft or transcript -> its check-worthy claims, each with its matches."""
from __future__ import annotations

from flask.views import MethodView

from ..extensions import current_engine
from ..schemas import TextCheckRequestSchema, TextCheckResponseSchema
from ..text_check import check_text
from . import json_blueprint

blp = json_blueprint("check_text", __name__, url_prefix="/v1/check/text",
                     description="Check a whole text: its check-worthy sentences and what was said before")


@blp.route("")
class CheckText(MethodView):
    @blp.arguments(TextCheckRequestSchema)
    @blp.response(200, TextCheckResponseSchema)
    def post(self, body: dict) -> dict:
        """The text's check-worthy claims in text order: span, speaker, check-worthiness, matches, summary."""
        return check_text(current_engine(), body["text"], k=body.get("k"),
                          min_check_worthiness=body.get("min_check_worthiness"))
