"""Claims: import fact-check records (plain or schema.org ClaimReview), list them, read one (JSON or JSON-LD)."""
from __future__ import annotations

import json

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import abort

from ..claimreview import jsonld_of
from ..extensions import current_engine
from ..cursors import CursorError
from ..listings import claim_page, list_claims, listed_claim
from ..schemas import (
    ClaimListingArgsSchema, ClaimListSchema, ClaimRecordViewSchema, ClaimsBulkRequestSchema, ClaimsBulkResponseSchema,
)
from . import ROW_ID, json_blueprint, listing_filters, listing_page

blp = json_blueprint("claims", __name__, url_prefix="/v1/claims", description="Claims and fact-check records")

JSONLD = "application/ld+json"
JSONLD_BODY = {"schema": {"anyOf": [{"type": "object", "required": ["@type", "claimReviewed"]},
                                     {"type": "object", "required": ["@type", "dataFeedElement"]},
                                     {"type": "array", "minItems": 1, "items": {"type": "object",
                                                                              "required": ["@type"]}}],
                          "description": (
    "A schema.org ClaimReview, a list of them, or a DataFeed whose dataFeedElement items hold them (DataFeedItem "
    "items with their item too).")}}
JSONLD_FEED = {"schema": {"type": "object", "description": (
    "A schema.org DataFeed whose dataFeedElement items are ClaimReviews (rated fact-check records) and Claims.")}}
JSONLD_CLAIM = {"schema": {"type": "object", "description": (
    "With Accept: application/ld+json: a schema.org ClaimReview for a rated fact-check record, else a schema.org "
    "Claim with the article it appeared in (appearance).")}}


@blp.route("")
class Claims(MethodView):
    @blp.arguments(ClaimListingArgsSchema, location="query")
    @blp.response(200, ClaimListSchema)
    @blp.doc(responses={"200": {"description": "One page of claims; as a schema.org DataFeed with Accept: "
                                               "application/ld+json (the next page in a Link header, rel=next)",
                                "content": {"application/json": {"schema": ClaimListSchema}, JSONLD: JSONLD_FEED}}})
    def get(self, args: dict) -> dict | Response:
        """Claims (extracted and imported), newest first, one page at a time: pass next_cursor back as cursor for
        the next page (with the same filters); null on the last page. With ``Accept: application/ld+json``, the
        page as a schema.org DataFeed of ClaimReviews (rated records) and Claims, the next page in a Link header."""
        if wants_jsonld():
            return claims_feed(listing_filters(args), args)
        return listing_page(list_claims, listing_filters(args), args)

    @blp.arguments(ClaimsBulkRequestSchema)
    @blp.response(200, ClaimsBulkResponseSchema)
    @blp.doc(requestBody={"content": {JSONLD: JSONLD_BODY}})
    def post(self, body: dict) -> dict:
        """Import standalone claims (fact-check records); idempotent on external_id, else on text.

        The body is either ``{"claims": [...]}`` or a schema.org ClaimReview document (``application/json`` or
        ``application/ld+json``): claimReviewed is the text, itemReviewed.author the claimant (name, jobTitle),
        itemReviewed.datePublished the claim's date, reviewRating.alternateName the rating (with ratingValue on
        worstRating..bestRating), author the source outlet, url the url and the idempotency key, datePublished the
        publication date and headline the title. A review that cannot be mapped is a 422 naming its field, and
        nothing of the document is stored."""
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
    @blp.response(200, ClaimRecordViewSchema)
    @blp.doc(responses={"200": {"description": "The claim; as schema.org JSON-LD with Accept: application/ld+json",
                                "content": {"application/json": {"schema": ClaimRecordViewSchema}, JSONLD: JSONLD_CLAIM}}})
    def get(self, claim_id: int) -> dict | Response:
        """One claim with its speaker and source; as schema.org JSON-LD with ``Accept: application/ld+json``."""
        engine = current_engine()
        row = engine.store.claim_record(claim_id)
        if row is None:
            abort(404, message=f"no claim {claim_id}")
        if wants_jsonld():
            document = jsonld_of(row, url_for("claims.ClaimById", claim_id=claim_id, _external=True))
            return Response(json.dumps(document, ensure_ascii=False), status=200, mimetype=JSONLD)
        view = engine.claim(claim_id)
        if view is None:  # deleted between the two reads
            abort(404, message=f"no claim {claim_id}")
        return listed_claim(row, view)


def wants_jsonld() -> bool:
    """Whether the Accept header names application/ld+json, at no lower quality than application/json
    (``*/*`` alone keeps plain JSON)."""
    quality = {mimetype: q for mimetype, q in request.accept_mimetypes}
    return quality.get(JSONLD, 0) > 0 and quality[JSONLD] >= quality.get("application/json", 0)


def claims_feed(filters: object, args: dict) -> Response:
    """A page of claims as a schema.org DataFeed (``application/ld+json``); the next page in ``Link: rel=next``."""
    try:
        rows, next_cursor = claim_page(current_engine(), filters, args["limit"], args.get("cursor"))
    except CursorError as error:
        abort(400, message=str(error), code="invalid_cursor")
    feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [
        {key: value for key, value in jsonld_of(row, url_for("claims.ClaimById", claim_id=int(row["id"]),
                                                               _external=True)).items() if key != "@context"}
        for row in rows]}
    response = Response(json.dumps(feed, ensure_ascii=False), status=200, mimetype=JSONLD)
    if next_cursor:
        query = {**request.args.to_dict(flat=False), "cursor": [next_cursor]}
        response.headers["Link"] = f'<{url_for("claims.Claims", _external=True, **query)}>; rel="next"'
    return response
