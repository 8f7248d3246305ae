"""The store is the source of truth; the FAISS index follows it through ingest, delete and restarts."""
from __future__ import annotations


import numpy as np
import pytest

from service.index import VectorIndex
from service.index_lifecycle import IndexKeeper
from service.ingest import ingest_paths
from service.store import NewClaim

from .conftest import SEEDS, seed_text


def assert_consistent(engine) -> None:
    counts = engine.store.counts()
    assert engine.index.size == counts["claims"]
    assert engine.index.generation == engine.store.generation()
    stored = {int(i) for ids, _ in engine.store.all_embeddings() for i in ids}
    indexed = {i for i, _ in engine.index.search(engine.embedder.encode(["drones"])[0], 10_000)}
    assert indexed == stored


def test_ingest_stores_articles_claims_and_embeddings(engine):
    results = list(ingest_paths(engine, [SEEDS]))
    assert len(results) == 5 and all(r.created for r in results)
    counts = engine.store.counts()
    assert counts["articles"] == 5 and counts["claims"] >= 50
    assert_consistent(engine)
    article = engine.article(results[0].article_id)
    assert article["outlet"] == "The Jerusalem Post" and article["published"] == "2023-03-03"


def test_ingesting_the_same_text_again_changes_nothing(engine):
    first = engine.ingest_article(seed_text("003"))
    generation = engine.store.generation()
    again = engine.ingest_article("  " + seed_text("003").replace("\n", "\n\n") + "  ")
    assert first.created and not again.created and again.article_id == first.article_id
    assert engine.store.generation() == generation
    assert engine.store.counts()["articles"] == 1


def test_delete_removes_claims_from_store_and_index(engine):
    kept = engine.ingest_article(seed_text("000"))
    gone = engine.ingest_article(seed_text("004"))
    gone_ids = {c["claim_id"] for c in engine.article(gone.article_id)["claims"]}
    assert engine.delete_article(gone.article_id)
    assert engine.article(gone.article_id) is None
    assert not engine.delete_article(gone.article_id)
    assert_consistent(engine)
    result = engine.check("The missile part is completely wrong", k=50, min_similarity=0.0)
    assert not gone_ids & {m["claim_id"] for m in result["matches"]}
    assert engine.article(kept.article_id)["claims"]


def test_restart_loads_the_saved_index_without_rebuilding(make_engine, tmp_path, monkeypatch):
    first = make_engine()
    list(ingest_paths(first, [SEEDS]))
    first.close()
    rebuilt = []
    monkeypatch.setattr(IndexKeeper, "build", lambda self, *_, **__: rebuilt.append(1) or VectorIndex(1, "x"))
    second = make_engine()
    assert not rebuilt
    assert_consistent(second)


def test_missing_or_corrupt_index_is_rebuilt_from_the_store(make_engine):
    first = make_engine()
    list(ingest_paths(first, [SEEDS]))
    first.close()
    first.config.index_path.write_bytes(b"not a faiss index")
    second = make_engine()
    assert_consistent(second)
    second.config.index_path.unlink()
    third = make_engine()
    assert_consistent(third)


def test_an_index_behind_the_store_catches_up_from_the_change_log(make_engine):
    reader = make_engine()
    writer = make_engine()  # another process on the same data directory
    created = writer.ingest_article(seed_text("002"))
    assert reader.index.size == 0
    result = reader.check("We are not exporting weapons to either side of the conflict", k=1)
    assert result["matches"][0]["source"]["article_id"] == created.article_id
    writer.delete_article(created.article_id)
    assert reader.check("We are not exporting weapons to either side of the conflict", k=1)["matches"] == []
    assert_consistent(reader)


def test_a_failed_write_leaves_the_store_as_it_was(engine):
    engine.ingest_article(seed_text("001"))
    before = engine.store.counts(), engine.store.generation()
    good = NewClaim(text="A claim that is fine.", embedding=np.ones(384, dtype=np.float32))
    bad = NewClaim(text=None, embedding=np.ones(384, dtype=np.float32))  # type: ignore[arg-type]
    article = {"id": "x" * 24, "outlet": None, "title": None, "url": None, "published": None,
               "raw_text": "t", "text": "t", "extractor": "test"}
    with pytest.raises(AttributeError):  # the second claim fails after the article and first claim were written
        engine.store.add_article(article, [good, bad])
    assert (engine.store.counts(), engine.store.generation()) == before
    assert engine.store.find_article("x" * 24) is None


def test_reindex_rebuilds_the_same_index(engine):
    list(ingest_paths(engine, [SEEDS]))
    before = engine.check("Iran sent drones to Russia", k=5)
    stats = engine.reindex()
    assert stats["claims"] == engine.store.counts()["claims"]
    assert engine.check("Iran sent drones to Russia", k=5) == before
    assert_consistent(engine)


def test_reembed_rewrites_embeddings_with_the_configured_model(engine):
    engine.ingest_article(seed_text("003"))
    ids, vectors = next(engine.store.all_embeddings())
    engine.store.replace_embeddings(ids, np.zeros_like(vectors))
    engine.reindex(reembed=True)
    _, again = next(engine.store.all_embeddings())
    assert np.allclose(again, vectors, atol=1e-5)


def test_standalone_claims_are_idempotent_on_external_id_and_text(engine):
    records = [{"text": "Iran sent 2,000 drones to Russia.", "external_id": "pf-1", "rating": "False"},
               {"text": "Russia uses only domestically produced drones.", "claimant": "Dmitry Peskov"}]
    first = engine.ingest_claims(records)
    assert [created for _, created in first] == [True, True]
    again = engine.ingest_claims([{"text": "different wording, same record", "external_id": "pf-1"},
                                  {"text": "russia uses only domestically   produced drones."}])
    assert [created for _, created in again] == [False, False]
    assert [i for i, _ in again] == [i for i, _ in first]
    assert engine.store.counts()["standalone_claims"] == 2
    assert_consistent(engine)


def test_filters_restrict_the_search(seeded_engine):
    from service.store import SearchFilters

    statement = "Iran sent drones to Russia"
    only_metro = seeded_engine.check(statement, k=10, min_similarity=0, filters=SearchFilters(outlets=("metro.co.uk",)))
    assert only_metro["matches"] and {m["source"]["outlet"] for m in only_metro["matches"]} == {"Metro.co.uk"}
    price = seeded_engine.check(statement, k=10, min_similarity=0, filters=SearchFilters(speakers=("Price",)))
    assert price["matches"] and {m["speaker"]["name"] for m in price["matches"]} == {"Ned Price"}
    dated = seeded_engine.check(statement, k=10, min_similarity=0,
                                filters=SearchFilters(published_after="2023-03-01", published_before="2023-03-31"))
    assert {m["source"]["published"] for m in dated["matches"]} == {"2023-03-03"}
    nothing = seeded_engine.check(statement, k=10, filters=SearchFilters(outlets=("No Such Outlet",)))
    assert nothing["matches"] == []
    for wildcard in ("%", "_", "\\", "P%ce"):  # a speaker's name is matched as written, never as a LIKE pattern
        unmatched = seeded_engine.check(statement, k=10, min_similarity=0, filters=SearchFilters(speakers=(wildcard,)))
        assert unmatched["matches"] == [], wildcard


def test_unrelated_statement_gets_no_matches(seeded_engine):
    result = seeded_engine.check("The recipe calls for two cups of flour and a pinch of salt", k=5)
    assert result["matches"] == [] and result["summary"] == {"supports": 0, "refutes": 0, "neutral": 0}
