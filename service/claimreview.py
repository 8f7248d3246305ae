"""schema.org ClaimReview in and out: the markup fact-checkers publish and exchange.

In: one ``ClaimReview``, a list of them, or a ``DataFeed`` whose ``dataFeedElement`` items hold them (directly,
or as the ``item`` of a ``DataFeedItem``) become the records ``POST /v1/claims`` stores. A record that cannot
be mapped raises :class:`ClaimReviewError` naming the field, so that nothing of the document is stored.

Out: a stored claim as JSON-LD: a ``ClaimReview`` for a rated fact-check record, else a ``Claim`` with the
work it appeared in (``appearance``).
"""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

SCHEMA_ORG = "https://schema.org"
MAX_EXTERNAL_ID = 200


class ClaimReviewError(ValueError):
    """A ClaimReview document, or one of its records, that cannot be mapped; ``path`` names the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def type_names(node: Any) -> set[str]:
    """The schema.org types of a JSON-LD node (``"ClaimReview"``, ``"schema:ClaimReview"``, a list of them)."""
    if not isinstance(node, dict):
        return set()
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values if isinstance(v, str)}


# The keys that mark a request body as JSON-LD: a node's own, and those of a ClaimReview or DataFeed written
# without its @type (which is then refused naming @type, not read as the bulk format).
JSONLD_KEYS = frozenset({"@type", "@context", "@graph", "claimReviewed", "dataFeedElement"})


def is_claimreview_document(data: Any) -> bool:
    """Whether a request body is JSON-LD (a node with @type/@context/@graph, a ClaimReview or DataFeed, or a list)
    rather than the plain ``{"claims": [...]}`` bulk format."""
    if isinstance(data, list):
        return True
    return isinstance(data, dict) and "claims" not in data and bool(JSONLD_KEYS & set(data))


# Where each record field comes from in a ClaimReview, to name the field when a mapped value does not validate.
SOURCE_FIELDS = {
    "text": "claimReviewed", "claimant": "itemReviewed.author.name", "claimant_role": "itemReviewed.author.jobTitle",
    "claim_date": "itemReviewed.datePublished", "rating": "reviewRating.alternateName",
    "rating_value": "reviewRating.ratingValue", "best_rating": "reviewRating.bestRating",
    "worst_rating": "reviewRating.worstRating", "source": "author.name", "url": "url", "external_id": "url",
    "published": "datePublished", "title": "headline",
}


def claimreview_records(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(path, record)`` for every ClaimReview of a document, in document order; ClaimReviewError for the first
    one that cannot be mapped. ``path`` locates the review in the document ("dataFeedElement.1")."""
    reviews = list(_reviews(document, ""))
    if not reviews:
        raise ClaimReviewError("@type", "no ClaimReview found: expected a ClaimReview, a list of them, or a "
                                        "DataFeed whose dataFeedElement items hold them")
    return [(path, record_of(review, path)) for review, path in reviews]


def source_path(review_path: str, record_field: str) -> str:
    """The ClaimReview field (with the review's path) a record field was mapped from."""
    name = SOURCE_FIELDS.get(record_field, record_field)
    return f"{review_path}.{name}" if review_path else name


def _reviews(node: Any, path: str) -> Any:
    """(ClaimReview node, its path) for every review the document holds, in document order."""
    def at(key: Any) -> str:
        return f"{path}.{key}" if path else str(key)

    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _reviews(item, at(i))
        return
    if not isinstance(node, dict):
        raise ClaimReviewError(path or "body", "expected a JSON object (a ClaimReview, DataFeed or DataFeedItem)")
    types = type_names(node)
    if "ClaimReview" in types:
        yield node, path
    elif "DataFeed" in types:
        elements = node.get("dataFeedElement")
        if not isinstance(elements, list) or not elements:
            raise ClaimReviewError(at("dataFeedElement"), "a DataFeed needs a non-empty list of ClaimReview items")
        yield from _reviews(elements, at("dataFeedElement"))
    elif "DataFeedItem" in types:
        if node.get("item") is None:
            raise ClaimReviewError(at("item"), "a DataFeedItem needs its item (a ClaimReview)")
        yield from _reviews(node["item"], at("item"))
    elif "@graph" in node:
        yield from _reviews(node["@graph"], at("@graph"))
    else:
        found = ", ".join(sorted(types)) or "none"
        raise ClaimReviewError(at("@type"), f"expected ClaimReview, DataFeed or DataFeedItem, got {found}")


def record_of(review: dict, path: str = "") -> dict[str, Any]:
    """One ClaimReview as a bulk-import record (the fields of ``POST /v1/claims``' ``claims`` items)."""
    def at(key: str) -> str:
        return f"{path}.{key}" if path else key

    text = review.get("claimReviewed")
    if not isinstance(text, str) or not text.strip():
        raise ClaimReviewError(at("claimReviewed"), "missing: the claim reviewed (a non-empty string) is required")
    item = review.get("itemReviewed") or {}
    if not isinstance(item, dict):
        raise ClaimReviewError(at("itemReviewed"), "expected a Claim object")
    claimant = _entity(item.get("author"), at("itemReviewed.author"))
    rating = review.get("reviewRating")
    if isinstance(rating, list) and len(rating) == 1:
        rating = rating[0]
    if not isinstance(rating, dict):
        raise ClaimReviewError(at("reviewRating"), "missing: a Rating with alternateName (the verdict) is required")
    label = rating.get("alternateName") or rating.get("name")
    value = _number(rating.get("ratingValue"), at("reviewRating.ratingValue"))
    if label is not None and not isinstance(label, str):
        raise ClaimReviewError(at("reviewRating.alternateName"), "expected a string")
    if not (label or "").strip() and value is None:
        raise ClaimReviewError(at("reviewRating.alternateName"), "missing: the verdict (alternateName, or a "
                                                                 "ratingValue) is required")
    best = _number(rating.get("bestRating"), at("reviewRating.bestRating"))
    worst = _number(rating.get("worstRating"), at("reviewRating.worstRating"))
    if value is not None and best is None:  # schema.org's default scale
        best, worst = 5.0, 1.0 if worst is None else worst
    url = review.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ClaimReviewError(at("url"), "expected a URL string")
    reviewer = _entity(review.get("author"), at("author"))
    headline = review.get("headline")
    if headline is not None and not isinstance(headline, str):
        raise ClaimReviewError(at("headline"), "expected a string")
    return {
        "text": text.strip(),
        "claimant": claimant["name"] if claimant else None,
        "claimant_role": claimant.get("job_title") if claimant else None,
        "claimant_is_person": "Organization" not in type_names(_first(item.get("author"))),
        "claim_date": _date(item.get("datePublished"), at("itemReviewed.datePublished")),
        "rating": (label or "").strip() or _format_number(value),
        "rating_value": value, "best_rating": best, "worst_rating": worst,
        "source": reviewer["name"] if reviewer else None,
        "url": url.strip() if url else None,
        "external_id": external_id_of(url.strip()) if url else None,
        "published": _date(review.get("datePublished"), at("datePublished")),
        "title": headline.strip() if headline and headline.strip() else None,
    }


def external_id_of(url: str) -> str:
    """The idempotency key of a review: its URL, or a digest of it when the URL is too long to be a key."""
    if len(url) <= MAX_EXTERNAL_ID:
        return url
    return "url-sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def _entity(value: Any, path: str) -> dict[str, Any] | None:
    """``{"name", "job_title"}`` of a Person or Organization (an object, a list's first one, or a bare name)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, str):
        return {"name": value.strip()} if value.strip() else None
    if not isinstance(value, dict):
        raise ClaimReviewError(path, "expected a Person or Organization object, or a name")
    name = value.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise ClaimReviewError(f"{path}.name", "expected a non-empty string")
    job = value.get("jobTitle")
    if isinstance(job, dict):
        job = job.get("name")
    return {"name": name.strip(), "job_title": job.strip() if isinstance(job, str) and job.strip() else None}


def _first(value: Any) -> Any:
    return (value[0] if value else None) if isinstance(value, list) else value


def _number(value: Any, path: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ClaimReviewError(path, "expected a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ClaimReviewError(path, f"expected a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ClaimReviewError(path, "expected a finite number")
    return number


def _format_number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if value.is_integer() else str(value)


def _date(value: Any, path: str) -> str | None:
    """An ISO date (a date-time's date part); ClaimReviewError for anything else."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise ClaimReviewError(path, f"expected an ISO 8601 date, got {value!r}") from None


# --- out ------------------------------------------------------------------------------------------------------
def _agent(name: str | None, is_person: bool = True, job_title: str | None = None) -> dict[str, Any] | None:
    if not name:
        return None
    agent: dict[str, Any] = {"@type": "Person" if is_person else "Organization", "name": name}
    if job_title and is_person:
        agent["jobTitle"] = job_title
    return agent


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if value not in (None, "", [], {})}


def jsonld_of(row: dict, claim_url: str) -> dict[str, Any]:
    """A stored claim (``Store.claim_record``) as schema.org JSON-LD: a ClaimReview when it carries a rating,
    else a Claim with its appearance; ``claim_url`` is its address in this service (``@id``)."""
    speaker = _agent(row.get("speaker_name") or row.get("claimant"),
                     bool(row.get("speaker_is_person", 1)), row.get("speaker_role"))
    claim_date = row.get("claim_date")
    if row.get("rating") and not row.get("article_id"):
        claim = _compact({"@type": "Claim", "author": speaker, "datePublished": claim_date})
        rating = _compact({
            "@type": "Rating", "alternateName": row["rating"], "ratingValue": row.get("rating_value"),
            "bestRating": row.get("best_rating"), "worstRating": row.get("worst_rating")})
        return _compact({
            "@context": SCHEMA_ORG, "@type": "ClaimReview", "@id": claim_url, "url": row.get("claim_url"),
            "claimReviewed": row["text"], "headline": row.get("claim_title"),
            "datePublished": row.get("claim_published"),
            "author": _agent(row.get("claim_source"), is_person=False),
            "itemReviewed": claim, "reviewRating": rating})
    if row.get("article_id"):
        appearance = _compact({
            "@type": "NewsArticle", "url": row.get("article_url"), "headline": row.get("title"),
            "datePublished": row.get("article_published"), "author": _agent(row.get("article_author")),
            "publisher": _agent(row.get("outlet"), is_person=False)})
        published = claim_date or row.get("article_published")
    else:
        appearance = _compact({
            "@type": "CreativeWork", "url": row.get("claim_url"), "headline": row.get("claim_title"),
            "datePublished": row.get("claim_published"), "publisher": _agent(row.get("claim_source"), is_person=False)})
        published = claim_date or row.get("claim_published")
    return _compact({"@context": SCHEMA_ORG, "@type": "Claim", "@id": claim_url, "text": row["text"],
                     "author": speaker, "datePublished": published,
                     "appearance": [appearance] if len(appearance) > 1 else None})
