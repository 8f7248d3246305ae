"""Marshmallow schemas: request validation, response shapes and the OpenAPI document."""
from __future__ import annotations

from typing import Callable

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema


def configured_max_length(setting: str) -> Callable[[str], None]:
    """Length 1..N where N is read from the app's configuration at validation time."""

    def check(value: str) -> None:
        limit = getattr(current_app.config["FACTCHECK"], setting)
        if not value.strip():
            raise ValidationError("Must not be empty or only whitespace.")
        if len(value) > limit:
            raise ValidationError(f"Longer than maximum length {limit}.")

    return check


class CheckFiltersSchema(Schema):
    outlet = fields.List(fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(max=50),
                         metadata={"description": "Only claims published by these outlets (case-insensitive)."})
    speaker = fields.List(fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(max=50),
                          metadata={"description": "Only claims whose speaker name contains one of these."})
    published_after = fields.Date(metadata={"description": "Only claims published on or after this date."})
    published_before = fields.Date(metadata={"description": "Only claims published on or before this date."})

    @validates_schema
    def dates_in_order(self, data: dict, **_: object) -> None:
        after, before = data.get("published_after"), data.get("published_before")
        if after and before and after > before:
            raise ValidationError("published_after is later than published_before.", "published_after")


class CheckRequestSchema(Schema):
    statement = fields.Str(required=True, validate=configured_max_length("max_statement_chars"),
                           metadata={"description": "The statement to check, 1..2000 characters."})
    k = fields.Int(validate=validate.Range(1, 50), metadata={"description": "How many matches at most (1..50, default 5)."})
    min_similarity = fields.Float(validate=validate.Range(0.0, 1.0), allow_nan=False,
                                  metadata={"description": "Cosine similarity below which a claim is not a match."})
    filters = fields.Nested(CheckFiltersSchema)
    sources = fields.Bool(load_default=True,
                          metadata={"description": "Add a verdict per matched article (default true)."})


class SpeakerSchema(Schema):
    id = fields.Int(metadata={"description": "The speaker's canonical id (GET /v1/speakers/<id>/claims)."})
    name = fields.Str()
    role = fields.Str(allow_none=True)
    organisation = fields.Str(allow_none=True)


class SourceSchema(Schema):
    article_id = fields.Str(allow_none=True)
    outlet = fields.Str(allow_none=True)
    title = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)


class SpanSchema(Schema):
    start = fields.Int()
    end = fields.Int()


class StanceSchema(Schema):
    label = fields.Str(validate=validate.OneOf(["supports", "refutes", "neutral"]))
    confidence = fields.Float()


class ContextSchema(Schema):
    text = fields.Str(metadata={"description": "The claim or sentence of the same article that this claim answers."})
    claim_id = fields.Int(allow_none=True, metadata={"description": "Its claim id; null when it is no stored claim."})


class ClaimSchema(Schema):
    claim_id = fields.Int()
    text = fields.Str()
    speaker = fields.Nested(SpeakerSchema, allow_none=True)
    verb = fields.Str(allow_none=True, metadata={"description": "The reporting verb (said, denied, ...)."})
    voice = fields.Str(allow_none=True, metadata={"description": "asserts, denies, admits, alleges, reports, refuses_to_confirm"})
    polarity = fields.Str(allow_none=True)
    rating = fields.Str(allow_none=True, metadata={"description": "A fact-check rating, for imported records."})
    external_id = fields.Str(allow_none=True)
    source = fields.Nested(SourceSchema)
    span = fields.Nested(SpanSchema, allow_none=True, metadata={"description": "Character span in the article text."})
    context = fields.Nested(ContextSchema, allow_none=True, metadata={
        "description": "What the claim answers when its content is a reference (\"We strongly reject this "
                       "information\": the accusation before it); null otherwise."})


class ReportSchema(Schema):
    article_id = fields.Str(allow_none=True)
    outlet = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)
    claim_id = fields.Int()
    stance = fields.Nested(StanceSchema)


class MatchSchema(ClaimSchema):
    similarity = fields.Float()
    stance = fields.Nested(StanceSchema)
    reported_by = fields.List(fields.Nested(ReportSchema), metadata={
        "description": "Every report of this fact (same speaker and polarity, near-identical claim), first report "
                       "first; the match is the best-ranked one. Absent when FACTCHECK_GROUP_REPORTS is off."})


class StanceSummarySchema(Schema):
    supports = fields.Int()
    refutes = fields.Int()
    neutral = fields.Int()


class SourceVerdictSchema(Schema):
    article_id = fields.Str()
    outlet = fields.Str(allow_none=True)
    stance = fields.Str(validate=validate.OneOf(["agree", "disagree", "discuss", "unrelated"]),
                        metadata={"description": "The whole article's stance toward the statement (FNC-1 labels)."})
    confidence = fields.Float()
    evidence = fields.List(fields.Int(), metadata={"description": "Ids of the article's claims that drove it."})


class CheckResponseSchema(Schema):
    statement = fields.Str()
    matches = fields.List(fields.Nested(MatchSchema))
    summary = fields.Nested(StanceSummarySchema)
    sources = fields.List(fields.Nested(SourceVerdictSchema),
                          metadata={"description": "One verdict per article among the matches, best match first."})


class ArticleRequestSchema(Schema):
    text = fields.Str(required=True, validate=configured_max_length("max_article_chars"))
    outlet = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    title = fields.Str(validate=validate.Length(1, 500), allow_none=True)
    url = fields.Url(require_tld=False, allow_none=True)
    published = fields.Date(allow_none=True)


class ArticleSchema(Schema):
    id = fields.Str()
    outlet = fields.Str(allow_none=True)
    title = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)
    text = fields.Str(metadata={"description": "The article text after boilerplate removal; claim spans refer to it."})
    extractor = fields.Str()
    created_at = fields.Str()
    created = fields.Bool(metadata={"description": "False when the same text had already been ingested."})
    claims = fields.List(fields.Nested(ClaimSchema))


class ClaimRecordSchema(Schema):
    text = fields.Str(required=True, validate=configured_max_length("max_statement_chars"))
    claimant = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    published = fields.Date(allow_none=True)
    url = fields.Url(require_tld=False, allow_none=True)
    rating = fields.Str(validate=validate.Length(1, 100), allow_none=True)
    source = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    external_id = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    title = fields.Str(validate=validate.Length(1, 500), allow_none=True,
                       metadata={"description": "The fact-check's headline; searched together with the text."})


def configured_bulk_limit(value: list) -> None:
    limit = current_app.config["FACTCHECK"].max_bulk_claims
    if not 1 <= len(value) <= limit:
        raise ValidationError(f"Between 1 and {limit} claims per request.")


class ClaimsBulkRequestSchema(Schema):
    claims = fields.List(fields.Nested(ClaimRecordSchema), required=True, validate=configured_bulk_limit)


class BulkResultItemSchema(Schema):
    claim_id = fields.Int()
    external_id = fields.Str(allow_none=True)
    created = fields.Bool()


class ClaimsBulkResponseSchema(Schema):
    created = fields.Int()
    existing = fields.Int()
    claims = fields.List(fields.Nested(BulkResultItemSchema))


class IndexStatsSchema(Schema):
    type = fields.Str(metadata={"description": "index kind in use: flat (exact), hnsw or ivf (approximate)"})
    size = fields.Int(metadata={"description": "claims in the index"})
    vectors = fields.Int(metadata={"description": "vectors in the index: one per claim, plus one per claim whose "
                                                  "resolved text differs from its text"})
    second_vectors = fields.Bool(metadata={"description": "FACTCHECK_INDEX_RESOLVED_TEXT: resolved texts indexed"})
    generation = fields.Int()
    store_generation = fields.Int()
    params = fields.Dict(metadata={"description": "the kind's parameters (m, ef_search, nlist, nprobe, ...)"})
    configured = fields.Str(metadata={"description": "FACTCHECK_INDEX_TYPE: auto, flat, hnsw or ivf"})
    auto_threshold = fields.Int(metadata={"description": "claims from which auto uses an approximate kind"})
    rebuilding = fields.Str(allow_none=True, metadata={"description": "kind being built in the background"})


class StatsSchema(Schema):
    articles = fields.Int()
    claims = fields.Int()
    standalone_claims = fields.Int()
    speakers = fields.Int()
    index = fields.Nested(IndexStatsSchema)
    store = fields.Str(metadata={"description": "sqlite or postgresql"})
    embedding_model = fields.Str()
    embedding_backend = fields.Str()
    embedding_dim = fields.Int()
    stance_model = fields.Str()


class HealthSchema(Schema):
    status = fields.Str()


class ReadinessSchema(Schema):
    ready = fields.Bool()
    model_loaded = fields.Bool()
    index_consistent = fields.Bool()
    index_size = fields.Int()
    store_claims = fields.Int()


class ErrorDetailSchema(Schema):
    status = fields.Int()
    code = fields.Str()
    message = fields.Str()
    details = fields.Raw(allow_none=True)


class ErrorResponseSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)


MAX_STANCE_CLAIMS = 50


class StanceRequestSchema(Schema):
    statement = fields.Str(required=True, validate=configured_max_length("max_statement_chars"))
    claims = fields.List(fields.Str(validate=configured_max_length("max_statement_chars")),
                         validate=validate.Length(1, MAX_STANCE_CLAIMS),
                         metadata={"description": "Claims to judge one by one (1..50): the claim-level stance of "
                                                  "each toward the statement, in the order given."})
    text = fields.Str(validate=configured_max_length("max_article_chars"),
                      metadata={"description": "A whole article body: the article-level stance (FNC-1 labels)."})

    @validates_schema
    def claims_or_text(self, data: dict, **_: object) -> None:
        if "claims" in data and "text" in data:
            raise ValidationError("Give either 'claims' (a list) or 'text' (an article), not both.")
        if "claims" not in data and "text" not in data:
            message = ["Missing data: give 'claims' (a list of claims) or 'text' (an article)."]
            raise ValidationError({"claims": message, "text": message})


class EvidenceSentenceSchema(Schema):
    index = fields.Int(metadata={"description": "Position of the sentence in the article."})
    text = fields.Str()


class ClaimStanceSchema(Schema):
    claim = fields.Str()
    label = fields.Str(validate=validate.OneOf(["supports", "refutes", "neutral"]))
    confidence = fields.Float(metadata={"description": "Calibrated probability of the label."})


class StanceResponseSchema(Schema):
    statement = fields.Str()
    stances = fields.List(fields.Nested(ClaimStanceSchema),
                          metadata={"description": "With 'claims': one stance per claim, in the order given."})
    label = fields.Str(validate=validate.OneOf(["agree", "disagree", "discuss", "unrelated"]),
                       metadata={"description": "With 'text': the article's stance (FNC-1 labels)."})
    confidence = fields.Float()
    evidence = fields.List(fields.Nested(EvidenceSentenceSchema))


def searchable_name(value: str) -> None:
    """A speaker query must name something: letters or digits, not only spaces or punctuation."""
    if not any(ch.isalnum() for ch in value):
        raise ValidationError("Must contain a letter or a digit.")


class SpeakerSearchArgsSchema(Schema):
    q = fields.Str(required=True, validate=[validate.Length(1, 200), searchable_name],
                   metadata={"description": "A name or alias; spelling variants (hyphens, spaces, case) are ignored."})
    limit = fields.Int(load_default=20, validate=validate.Range(1, 100))


class SpeakerEntitySchema(Schema):
    id = fields.Int(metadata={"description": "The canonical speaker id (the same in /v1/check matches)."})
    name = fields.Str()
    aliases = fields.List(fields.Str(), metadata={"description": "Other names the articles used."})
    role = fields.Str(allow_none=True)
    organisation = fields.Str(allow_none=True)
    is_person = fields.Bool()
    claims = fields.Int(metadata={"description": "How many stored claims the speaker made (alone or with others)."})


class SpeakerSearchResponseSchema(Schema):
    speakers = fields.List(fields.Nested(SpeakerEntitySchema))


class PairStanceSchema(Schema):
    previous_claim_id = fields.Int()
    label = fields.Str(validate=validate.OneOf(["supports", "refutes", "neutral"]))
    confidence = fields.Float()
    similarity = fields.Float()
    position_change = fields.Bool(metadata={"description": "True when this claim refutes the one before."})


class SpeakerClaimSchema(ClaimSchema):
    date = fields.Str(allow_none=True, metadata={"description": "The claim's own time, resolved: YYYY-MM-DD or YYYY-MM."})
    time_text = fields.Str(allow_none=True, metadata={"description": "The time expression as written."})
    stance_to_previous = fields.Nested(PairStanceSchema, allow_none=True)


class SpeakerClaimsResponseSchema(Schema):
    speaker = fields.Nested(SpeakerEntitySchema)
    claims = fields.List(fields.Nested(SpeakerClaimSchema))
