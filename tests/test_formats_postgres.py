"""Newsroom formats on a real PostgreSQL server: keyset listings under concurrent writes from another replica,
ClaimReview records with their numeric rating, and a page's byline."""
from __future__ import annotations

import threading

import pytest

from service.claimreview import claimreview_records, jsonld_of
from service.listings import list_articles, list_claims
from service.store import ListingFilters
from service.store_pg import PostgresStore

from .postgres import start_postgres
from .live_server import free_port
from .test_formats import FEED, page


@pytest.fixture(scope="module")
def postgres():
    server = start_postgres(free_port())
    yield server
    server.stop()


def every_id(engine, lister, key: str, limit: int, filters: ListingFilters = ListingFilters()) -> list:
    seen, cursor = [], None
    while True:
        found = lister(engine, filters, limit, cursor)
        seen += [item[key] for item in found["claims" if lister is list_claims else "articles"]]
        cursor = found["next_cursor"]
        if cursor is None:
            return seen


def test_listings_on_postgres_return_every_item_once_while_another_replica_writes(make_engine, tmp_path, postgres):
    url = postgres.create_database()
    reader = make_engine(tmp_path / "reader", database_url=url)
    writer = make_engine(tmp_path / "writer", database_url=url)
    assert isinstance(reader.store, PostgresStore)
    writer.ingest_claims([{"text": f"The rail operator said line {i} carried more passengers in May.",
                           "external_id": f"pg-{i}", "rating": "True" if i % 3 == 0 else None} for i in range(40)])
    for i in range(6):
        writer.ingest_article(f"The transport minister said bridge {i} will reopen in June.", outlet="Rail Desk")
    claims_before = set(every_id(reader, list_claims, "claim_id", 100))
    articles_before = set(every_id(reader, list_articles, "id", 100))

    stop, written = threading.Event(), []

    def write() -> None:
        n = 0
        while not stop.is_set():
            writer.ingest_claims([{"text": f"A later statement number {n} on ticket prices.", "external_id": f"l-{n}"}])
            writer.ingest_article(f"The mayor said bus route {n} starts in autumn.", outlet="Rail Desk")
            written.append(n)
            n += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        claims = every_id(reader, list_claims, "claim_id", 6)
        articles = every_id(reader, list_articles, "id", 2)
        rated = every_id(reader, list_claims, "claim_id", 4, ListingFilters(rated=True))
    finally:
        stop.set()
        thread.join()
    assert written
    assert len(claims) == len(set(claims)) and claims_before <= set(claims) and claims == sorted(claims, reverse=True)
    assert len(articles) == len(set(articles)) and articles_before <= set(articles)
    assert len(rated) == len(set(rated)) == 14


def test_claimreview_and_page_metadata_are_stored_on_postgres(make_engine, tmp_path, postgres):
    engine = make_engine(tmp_path / "pg", database_url=postgres.create_database())
    (first, created), _ = engine.ingest_claims([record for _, record in claimreview_records(FEED)])
    assert created
    review = jsonld_of(engine.store.claim_record(first), f"https://factcheck.example/v1/claims/{first}")
    assert review["reviewRating"] == FEED["dataFeedElement"][0]["reviewRating"]
    assert review["itemReviewed"] == FEED["dataFeedElement"][0]["itemReviewed"]
    article_id = engine.ingest_html(page("byline_only.html")).article_id
    listed = list_articles(engine, ListingFilters(outlets=("gulf wire",)), 10)["articles"]
    assert [(a["id"], a["author"], a["published"]) for a in listed] == [(article_id, "Karim Haddad", "2022-10-24")]
