"""Speakers: search by name or alias; one speaker's claims in date order with the stance between them."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from ..extensions import current_engine
from ..schemas import SpeakerClaimsResponseSchema, SpeakerSearchArgsSchema, SpeakerSearchResponseSchema
from ..speakers import search_speakers, speaker_timeline
from . import ROW_ID, json_blueprint

blp = json_blueprint("speakers", __name__, url_prefix="/v1/speakers", description="Speakers as entities")


@blp.route("")
class Speakers(MethodView):
    @blp.arguments(SpeakerSearchArgsSchema, location="query")
    @blp.response(200, SpeakerSearchResponseSchema)
    def get(self, args: dict) -> dict:
        """Speakers whose name or alias matches ``q`` (spelling variants ignored), best match first."""
        return {"speakers": search_speakers(current_engine(), args["q"], args.get("limit", 20))}


@blp.route(f"/<{ROW_ID}:speaker_id>/claims")
class SpeakerClaims(MethodView):
    @blp.response(200, SpeakerClaimsResponseSchema)
    def get(self, speaker_id: int) -> dict:
        """The speaker's claims across outlets, oldest first, each with its stance toward the one before."""
        timeline = speaker_timeline(current_engine(), speaker_id)
        if timeline is None:
            abort(404, message=f"no speaker {speaker_id}")
        return timeline
