"""Listings to sync from: articles and claims, newest first, one page at a time behind a keyset cursor.

Articles are ordered by ingestion time and id, claims by id (ids only grow). The cursor carries the sort key of
the last item of a page, so a page starts strictly after it: items stored while a client pages through are never
shown twice, and none that existed when paging began is skipped.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cursors import decode_cursor, encode_cursor
from .store import ListingFilters

if TYPE_CHECKING:
    from .engine import FactCheckEngine


def _filters_dict(filters: ListingFilters) -> dict[str, Any]:
    return {"outlet": sorted(o.lower() for o in filters.outlets), "speaker": sorted(filters.speakers),
            "since": filters.since, "until": filters.until, "rated": filters.rated}


def list_articles(engine: "FactCheckEngine", filters: ListingFilters, limit: int,
                  cursor: str | None = None) -> dict[str, Any]:
    """``{"articles": [...], "next_cursor"}``: one page of article summaries; next_cursor is null on the last."""
    after = None
    if cursor:
        created_at, article_id = decode_cursor(cursor, "articles", _filters_dict(filters), (str, str))
        after = (created_at, article_id)
    rows = engine.store.list_articles(filters, limit + 1, after)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor("articles", [last["created_at"], last["id"]], _filters_dict(filters))
    return {"articles": [article_summary(row) for row in page], "next_cursor": next_cursor}


def list_claims(engine: "FactCheckEngine", filters: ListingFilters, limit: int,
                cursor: str | None = None) -> dict[str, Any]:
    """``{"claims": [...], "next_cursor"}``: one page of claims as /v1/claims/<id> shows them."""
    from .engine import claim_view

    rows, next_cursor = claim_page(engine, filters, limit, cursor)
    return {"claims": [listed_claim(row, claim_view(row)) for row in rows], "next_cursor": next_cursor}


def claim_page(engine: "FactCheckEngine", filters: ListingFilters, limit: int,
               cursor: str | None = None) -> tuple[list[dict], str | None]:
    """One page of stored claim rows (``Store.list_claims``) and the cursor of the next page (None on the last)."""
    after = None
    if cursor:
        (after,) = decode_cursor(cursor, "claims", _filters_dict(filters), (int,))
    rows = engine.store.list_claims(filters, limit + 1, after)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor("claims", [int(page[-1]["id"])], _filters_dict(filters))
    return page, next_cursor


def article_summary(row: dict) -> dict[str, Any]:
    return {"id": row["id"], "outlet": row.get("outlet"), "title": row.get("title"), "url": row.get("url"),
            "published": row.get("published"), "author": row.get("author"), "extractor": row.get("extractor"),
            "created_at": row.get("created_at"), "claims": int(row.get("claim_count") or 0)}


def listed_claim(row: dict, view: dict[str, Any]) -> dict[str, Any]:
    """The claim view with what a sync needs beside it: when it was stored, its own date, the numeric rating."""
    review = None
    if row.get("rating_value") is not None:
        review = {"value": row["rating_value"], "best": row.get("best_rating"), "worst": row.get("worst_rating")}
    return {**view, "created_at": row.get("created_at"), "date": row.get("claim_date"),
            "time_text": row.get("time_text"), "numeric_rating": review}
