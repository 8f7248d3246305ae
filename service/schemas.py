"""Marshmallow schemas: request validation, response shapes and the OpenAPI document."""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import current_app
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

# Patterns the validators apply and the OpenAPI document states, in the subset of regular expressions that
# Python and ECMA-262 (JSON Schema) read alike: explicit character lists, never \s, \w or \W.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace()
NON_BLANK = f"[^{WHITESPACE}]"  # somewhere a character that str.strip() keeps
HTTP_URL = f"^[Hh][Tt][Tt][Pp][Ss]?://[^{WHITESPACE}/?#]+([/?#][^{WHITESPACE}]*)?$"  # http(s), a host, no spaces
MAX_URL_CHARS = 2000
SEARCHABLE = f"[^{WHITESPACE}!-/:-@\\[-`{{-~]"  # somewhere a character that is neither space nor ASCII punctuation


class Pattern(validate.Regexp):
    """A JSON Schema ``pattern``: found anywhere in the value unless anchored, ``$`` the end of the value only
    (as ECMA-262 reads it; Python's ``$`` would also match before a final newline)."""

    def __init__(self, pattern: str, error: str) -> None:
        super().__init__(pattern, error=error)
        self._search = re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)

    def __call__(self, value: str) -> str:
        if self._search.search(value) is None:
            raise ValidationError(self._format_error(value))
        return value


NON_BLANK_CHECK = Pattern(NON_BLANK, "Must not be empty or only whitespace.")


class StrictBool(fields.Bool):
    """true or false only (marshmallow's Bool also takes 1, 0, "yes", "off", ...)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def configured_max_length(setting: str) -> Callable[[str], None]:
    """Length 1..N, not only whitespace, where N is read from the app's configuration at validation time."""

    def check(value: str) -> None:
        limit = getattr(current_app.config["FACTCHECK"], setting)
        NON_BLANK_CHECK(value)
        if len(value) > limit:
            raise ValidationError(f"Longer than maximum length {limit}.")

    return check


class Text(fields.Str):
    """Non-blank text of 1..N characters, N the configuration attribute ``limit_setting``
    (the OpenAPI document states the configured N: see ``document_configured_limits``)."""

    def __init__(self, limit_setting: str, **kwargs: Any) -> None:
        super().__init__(validate=configured_max_length(limit_setting), **kwargs)
        self.limit_setting = limit_setting


def http_url(**kwargs: Any) -> fields.Str:
    """An http(s) URL; the same pattern validates requests and appears in the OpenAPI document."""
    checks = [validate.Length(1, MAX_URL_CHARS), Pattern(HTTP_URL, "Not a valid http(s) URL.")]
    return fields.Str(validate=checks, metadata={"description": "An http or https URL."}, **kwargs)


class CheckFiltersSchema(Schema):
    outlet = fields.List(fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(max=50),
                         metadata={"description": "Only claims published by these outlets (case-insensitive)."})
    speaker = fields.List(fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(max=50),
                          metadata={"description": "Only claims whose speaker name contains one of these."})
    published_after = fields.Date(metadata={"description": "Only claims published on or after this date."})
    published_before = fields.Date(metadata={
        "description": "Only claims published on or before this date (before published_after: an empty range, "
                       "no matches)."})


class CheckRequestSchema(Schema):
    statement = Text("max_statement_chars", required=True,
                     metadata={"description": "The statement to check (not only whitespace)."})
    k = fields.Int(strict=True, validate=validate.Range(1, 50), metadata={"description": "How many matches at most (1..50, default 5)."})
    min_similarity = fields.Float(validate=validate.Range(0.0, 1.0), allow_nan=False,
                                  metadata={"description": "Cosine similarity below which a claim is not a match."})
    min_check_worthiness = fields.Float(
        validate=validate.Range(0.0, 1.0), allow_nan=False,
        metadata={"description": "Only claims whose check-worthiness (probability that the claim is a verifiable "
                                 "factual sentence worth checking) is at least this, 0..1; default: no filter."})
    filters = fields.Nested(CheckFiltersSchema)
    sources = StrictBool(load_default=True,
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
    check_worthiness = fields.Float(allow_none=True, metadata={
        "description": "Calibrated probability (0..1) that the claim is a verifiable factual sentence worth "
                       "checking (models/checkworthiness); null only while an older store is being scored."})


class ReportSchema(Schema):
    article_id = fields.Str(allow_none=True)
    outlet = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)
    claim_id = fields.Int()
    text = fields.Str(metadata={"description": "The report's own words (copies differ in wording; one article may "
                                              "restate a fact, as a denial and then a quoted rejection)."})
    stance = fields.Nested(StanceSchema)


class MatchSchema(ClaimSchema):
    similarity = fields.Float()
    stance = fields.Nested(StanceSchema)
    reported_by = fields.List(fields.Nested(ReportSchema), metadata={
        "description": "Every report of this fact (same party and polarity: near-identical claims of other "
                       "articles, and restatements in one article that answer the same thing), first report first; "
                       "the match is the best-ranked one. Absent when FACTCHECK_GROUP_REPORTS is off."})


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


class TextCheckRequestSchema(Schema):
    text = Text("max_article_chars", required=True,
                metadata={"description": "A draft, transcript or press release (up to the article limit)."})
    k = fields.Int(strict=True, validate=validate.Range(1, 10), metadata={"description": "Matches per claim (1..10, default 5)."})
    min_check_worthiness = fields.Float(validate=validate.Range(0.0, 1.0), allow_nan=False, metadata={
        "description": "Claims scoring below this are left out (0..1; default: the model's decision threshold)."})


class TextSpeakerSchema(Schema):
    name = fields.Str()
    role = fields.Str(allow_none=True)
    organisation = fields.Str(allow_none=True)


class TextClaimSchema(Schema):
    text = fields.Str(metadata={"description": "The claim: a sentence, or the quoted words of a quotation."})
    span = fields.Nested(SpanSchema, allow_none=True,
                         metadata={"description": "Character span in the text as sent; null if it cannot be placed."})
    speaker = fields.Nested(TextSpeakerSchema, allow_none=True, metadata={"description": "Who the text says said it."})
    verb = fields.Str(allow_none=True, metadata={"description": "The reporting verb (said, denied, ...)."})
    voice = fields.Str(allow_none=True)
    check_worthiness = fields.Float(metadata={
        "description": "Calibrated probability that the sentence holds a verifiable factual claim worth checking."})
    matches = fields.List(fields.Nested(MatchSchema), metadata={"description": "As in POST /v1/check."})
    summary = fields.Nested(StanceSummarySchema)


class TextCheckResponseSchema(Schema):
    claims = fields.List(fields.Nested(TextClaimSchema),
                         metadata={"description": "The check-worthy claims in text order."})
    sentences = fields.Int(metadata={"description": "How many claims extraction found in the text (all scores)."})
    omitted = fields.Int(metadata={
        "description": "Check-worthy claims left out because only the 50 most check-worthy are checked."})


class ArticleRequestSchema(Schema):
    text = Text("max_article_chars", metadata={"description": "The article as plain text. Give either text or html."})
    html = fields.Str(validate=[validate.Length(1, error="Must not be empty."), NON_BLANK_CHECK], metadata={
        "description": "The article's HTML page: its main text and metadata (outlet, title, published date, URL, "
                       "author from og: tags, JSON-LD NewsArticle, <title>, canonical link, byline) are extracted; "
                       "fields given beside it win over the page's metadata."})
    outlet = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    title = fields.Str(validate=validate.Length(1, 500), allow_none=True)
    url = http_url(allow_none=True)
    published = fields.Date(allow_none=True)
    author = fields.Str(validate=validate.Length(1, 200), allow_none=True)

    @validates_schema
    def text_or_html(self, data: dict, **_: object) -> None:
        if "text" in data and "html" in data:
            raise ValidationError("Give either 'text' or 'html', not both.")
        if "text" not in data and "html" not in data:
            message = ["Missing data: give 'text' (plain text) or 'html' (the article's page)."]
            raise ValidationError({"text": message, "html": message})


class ArticleSchema(Schema):
    id = fields.Str()
    outlet = fields.Str(allow_none=True)
    title = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)
    author = fields.Str(allow_none=True, metadata={"description": "The byline, when the page names one."})
    text = fields.Str(metadata={"description": "The article text after boilerplate removal; claim spans refer to it."})
    extractor = fields.Str()
    created_at = fields.Str()
    created = fields.Bool(metadata={"description": "False when the same text had already been ingested."})
    claims = fields.List(fields.Nested(ClaimSchema))


class ClaimRecordSchema(Schema):
    text = Text("max_statement_chars", required=True)
    claimant = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    published = fields.Date(allow_none=True)
    url = http_url(allow_none=True)
    rating = fields.Str(validate=validate.Length(1, 100), allow_none=True)
    source = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    external_id = fields.Str(validate=validate.Length(1, 200), allow_none=True)
    title = fields.Str(validate=validate.Length(1, 500), allow_none=True,
                       metadata={"description": "The fact-check's headline; searched together with the text."})
    claimant_role = fields.Str(validate=validate.Length(1, 200), allow_none=True,
                               metadata={"description": "The claimant's job title or role."})
    claimant_is_person = StrictBool(load_default=True,
                                     metadata={"description": "False when the claimant is an organisation."})
    claim_date = fields.Date(allow_none=True, metadata={"description": "When the claim itself was made."})
    rating_value = fields.Float(allow_none=True, allow_nan=False,
                                metadata={"description": "The numeric rating, on worst_rating..best_rating."})
    best_rating = fields.Float(allow_none=True, allow_nan=False)
    worst_rating = fields.Float(allow_none=True, allow_nan=False)


def configured_bulk_limit(value: list) -> None:
    limit = current_app.config["FACTCHECK"].max_bulk_claims
    if not 1 <= len(value) <= limit:
        raise ValidationError(f"Between 1 and {limit} claims per request.")


class ClaimsBulkRequestSchema(Schema):
    """The bulk format, or a schema.org ClaimReview document (one ClaimReview, a list, or a DataFeed), which is
    mapped to the bulk format first; a review that cannot be mapped is a 422 naming its field."""

    claims = fields.List(fields.Nested(ClaimRecordSchema), required=True, validate=configured_bulk_limit)
    claims.limit_setting = "max_bulk_claims"  # 1..N items, stated in the OpenAPI document

    @pre_load(pass_collection=True)
    def from_claimreview(self, data: object, **_: object) -> object:
        from .claimreview import ClaimReviewError, claimreview_records, is_claimreview_document, source_path

        if not is_claimreview_document(data):
            return data
        try:
            reviews = claimreview_records(data)
        except ClaimReviewError as error:
            raise ValidationError({error.path: [error.message]}) from error
        record_schema = ClaimRecordSchema()
        for path, record in reviews:  # a mapped value that does not validate is named by its ClaimReview field
            errors = record_schema.validate(record)
            if errors:
                field, messages = next(iter(errors.items()))
                raise ValidationError({source_path(path, field): messages})
        return {"claims": [record for _, record in reviews]}


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
    store_available = fields.Bool(metadata={"description": "False while the store cannot be reached."})
    reason = fields.Str(metadata={"description": "Why the store is unavailable (only then)."})
    writes_paused = fields.Str(metadata={"description": "Why this process refuses writes (only then): "
                                                        "`reindex --reembed` is running, or the store holds "
                                                        "another embedding model's vectors."})


class ErrorDetailSchema(Schema):
    status = fields.Int()
    code = fields.Str()
    message = fields.Str()
    details = fields.Raw(allow_none=True)


class ErrorResponseSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)


MAX_STANCE_CLAIMS = 50


class StanceRequestSchema(Schema):
    statement = Text("max_statement_chars", required=True)
    claims = fields.List(Text("max_statement_chars"),
                         validate=validate.Length(1, MAX_STANCE_CLAIMS),
                         metadata={"description": "Claims to judge one by one (1..50): the claim-level stance of "
                                                  "each toward the statement, in the order given."})
    text = Text("max_article_chars",
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


class SpeakerSearchArgsSchema(Schema):
    # a speaker query must name something: letters or digits, not only spaces or punctuation
    q = fields.Str(required=True, validate=[Pattern(SEARCHABLE, "Must contain a letter or a digit, not only spaces and punctuation."),
                                            validate.Length(1, 200)],
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


def document_configured_limits(config: Any) -> Callable[..., dict]:
    """An apispec attribute function writing the configured limits of ``Text`` fields (and lists with a
    ``limit_setting``) into the OpenAPI document: minLength/maxLength and the non-blank pattern, or minItems/maxItems."""

    def configured_limits(self: Any, field: fields.Field, **_: Any) -> dict:
        setting = getattr(field, "limit_setting", None)
        if setting is None:
            return {}
        limit = getattr(config, setting)
        if isinstance(field, fields.List):
            return {"minItems": 1, "maxItems": limit}
        return {"minLength": 1, "maxLength": limit, "pattern": NON_BLANK}

    return configured_limits


def document_cross_field_rules(components: dict[str, dict]) -> None:
    """Rules across fields that marshmallow checks in ``validates_schema``, stated in the OpenAPI components."""
    stance = components.get("StanceRequest")
    if stance is not None:  # exactly one of 'claims' and 'text'
        stance["oneOf"] = [{"required": ["claims"]}, {"required": ["text"]}]
    article = components.get("ArticleRequest")
    if article is not None:  # exactly one of 'text' and 'html'
        article["oneOf"] = [{"required": ["text"]}, {"required": ["html"]}]


# --- listings -----------------------------------------------------------------------------------------------
class ListingArgsSchema(Schema):
    limit = fields.Int(load_default=20, validate=validate.Range(1, 100), metadata={"description": "Page size, 1..100."})
    cursor = fields.Str(validate=validate.Length(1, 500),
                        metadata={"description": "next_cursor of the previous page, with the same filters."})
    outlet = fields.List(fields.Str(validate=validate.Length(1, 100)), validate=validate.Length(max=10),
                         metadata={"description": "Only these outlets (repeatable up to 10 times, case-insensitive)."})
    speaker = fields.List(fields.Str(validate=validate.Length(1, 100)), validate=validate.Length(max=10),
                          metadata={"description": "Only claims (articles with a claim) of a speaker whose name "
                                                   "or alias contains this (repeatable)."})
    since = fields.Date(metadata={"description": "Only items published on or after this date."})
    until = fields.Date(metadata={"description": "Only items published on or before this date (before since: an "
                                                 "empty page)."})


class ClaimListingArgsSchema(ListingArgsSchema):
    rated = fields.Bool(metadata={"description": "true: only fact-check records with a rating; false: only unrated."})


class ArticleSummarySchema(Schema):
    id = fields.Str()
    outlet = fields.Str(allow_none=True)
    title = fields.Str(allow_none=True)
    url = fields.Str(allow_none=True)
    published = fields.Str(allow_none=True)
    author = fields.Str(allow_none=True)
    extractor = fields.Str(allow_none=True)
    created_at = fields.Str(metadata={"description": "When the service stored it (the listing's order)."})
    claims = fields.Int(metadata={"description": "How many claims were extracted from it."})


class ArticleListSchema(Schema):
    articles = fields.List(fields.Nested(ArticleSummarySchema))
    next_cursor = fields.Str(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on "
                                                                       "the last page."})


class NumericRatingSchema(Schema):
    value = fields.Float()
    best = fields.Float(allow_none=True)
    worst = fields.Float(allow_none=True)


class ClaimRecordViewSchema(ClaimSchema):
    created_at = fields.Str(allow_none=True, metadata={"description": "When the service stored it."})
    date = fields.Str(allow_none=True, metadata={"description": "The claim's own date (YYYY-MM-DD or YYYY-MM)."})
    time_text = fields.Str(allow_none=True, metadata={"description": "The time expression as written."})
    numeric_rating = fields.Nested(NumericRatingSchema, allow_none=True,
                                   metadata={"description": "A fact-check's numeric rating on its scale."})


class ClaimListSchema(Schema):
    claims = fields.List(fields.Nested(ClaimRecordViewSchema))
    next_cursor = fields.Str(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on "
                                                                       "the last page."})
