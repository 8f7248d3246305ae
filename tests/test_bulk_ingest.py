"""Bulk ingestion (``engine.ingest_articles``, ``factcheck ingest``, the seeds): the same claims and vectors as
ingestion one article at a time, each article stored whole or not at all, results only for what is stored."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from service.engine import ArticleInput, EngineError, FactCheckEngine
from service.ingest import ingest_paths

from .conftest import SEEDS, seed_text
from .conftest import test_config as config_for
from .test_store_index import assert_consistent

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def stored_claims(engine) -> dict[tuple[str, str], dict]:
    """``{(article id, claim text): what was stored of it}``: row fields, score, and its index vectors by slot
    (the claim's own, and its resolved text's where it has one)."""
    claims = {}
    for ids, _ in engine.store.all_claim_texts():
        rows = engine.store.claims_by_ids(ids)
        vectors: dict[int, dict[int, np.ndarray]] = {}
        for claim_id, vector, slot in zip(*engine.store.index_vectors_of(ids)):
            vectors.setdefault(int(claim_id), {})[int(slot)] = vector
        for claim_id, row in rows.items():
            claims[row["article_id"], row["text"]] = {
                "fields": {name: row.get(name) for name in (
                    "speaker_name", "verb", "voice", "polarity", "span_start", "span_end", "resolved_text",
                    "responds_to_text", "outlet", "title", "article_published")},
                "check_worthiness": row["check_worthiness"], "vectors": vectors[claim_id]}
    return claims


def test_bulk_ingestion_stores_what_one_by_one_ingestion_stores(make_engine, tmp_path):
    one, bulk = make_engine(tmp_path / "one"), make_engine(tmp_path / "bulk")
    for file in SEED_FILES:
        one.ingest_article(file.read_text(encoding="utf-8"), outlet="Seeds", published="2023-03-03")
    results = list(bulk.ingest_articles(
        [ArticleInput(text=file.read_text(encoding="utf-8"), outlet="Seeds", published="2023-03-03")
         for file in SEED_FILES], batch=2))  # three model batches, the last one short
    assert [r.created for r in results] == [True] * len(SEED_FILES)
    first, second = stored_claims(one), stored_claims(bulk)
    assert len(first) >= 50 and first.keys() == second.keys()
    for key, claim in first.items():
        assert second[key]["fields"] == claim["fields"], key
        assert second[key]["check_worthiness"] == pytest.approx(claim["check_worthiness"], abs=1e-6)
        assert second[key]["vectors"].keys() == claim["vectors"].keys(), key
        for slot, vector in claim["vectors"].items():
            assert np.allclose(second[key]["vectors"][slot], vector, atol=1e-5), (key, slot)
    assert any(len(claim["vectors"]) == 2 for claim in first.values())  # resolved texts have their vectors
    assert_consistent(bulk)
    statement = "Iran supplied the drones that Russia used against Ukraine"
    assert ([(m["text"], m["similarity"]) for m in one.check(statement, k=5)["matches"]]
            == [(m["text"], m["similarity"]) for m in bulk.check(statement, k=5)["matches"]])


class FailingExtractor:
    """The spaCy extractor, failing on one text (a bug in extraction, as the engine would meet it)."""

    name = "failing"

    def __init__(self, extractor, doomed: str) -> None:
        self.extractor, self.doomed = extractor, doomed

    def extract_many(self, articles):
        if any(text == self.doomed for text, _ in articles):
            raise RuntimeError("extraction failed")
        return self.extractor.extract_many(articles)


def test_a_batch_whose_extraction_fails_is_raised_after_the_batch_before_it_is_stored(embedder, tmp_path):
    """The next batch is extracted while the current one is encoded; when that fails, the current batch is still
    stored whole, and the error comes after its results."""
    from service.extraction import load_extractor

    texts = [file.read_text(encoding="utf-8") for file in SEED_FILES]
    engine = FactCheckEngine(config_for(tmp_path / "failing"), embedder=embedder,
                             extractor=FailingExtractor(load_extractor("spacy"), doomed=texts[3]))
    results = engine.ingest_articles([ArticleInput(text=t) for t in texts], batch=2)  # batches of 1, 2 and 2
    first = [next(results) for _ in range(3)]
    with pytest.raises(RuntimeError, match="extraction failed"):
        next(results)
    assert all(r.created for r in first) and engine.store.counts()["articles"] == 3
    assert not engine.store.find_article(_hash(texts[3])) and not engine.store.find_article(_hash(texts[4]))
    assert_consistent(engine)
    engine.store.close()


def test_a_failing_article_in_a_batch_is_stored_not_at_all_and_the_ones_before_it_whole(engine):
    texts = [seed_text("000"), seed_text("003"), seed_text("004")]
    doomed = engine.extractor.extract(texts[1]).claims[-1].text
    # A real failure inside the second article's transaction, after its article row and first claims went in.
    connection = sqlite3.connect(engine.config.database_path)
    connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON claims WHEN NEW.text = "
                       f"'{doomed.replace(chr(39), chr(39) * 2)}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    connection.commit()
    results = engine.ingest_articles([ArticleInput(text=t) for t in texts])
    first = next(results)
    assert first.created and engine.store.find_article(first.article_id)
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        next(results)
    counts = engine.store.counts()
    assert counts["articles"] == 1 and counts["claims"] == len(engine.article(first.article_id)["claims"])
    assert not engine.store.find_article(_hash(texts[1]))  # its article row went with its claims
    assert not engine.store.find_article(_hash(texts[2]))  # after the failure: never stored
    assert_consistent(engine)

    connection.execute("DROP TRIGGER refuse")
    connection.commit()
    connection.close()
    again = list(engine.ingest_articles([ArticleInput(text=t) for t in texts]))
    assert [r.created for r in again] == [False, True, True]
    assert engine.store.counts()["articles"] == 3
    assert any(c["text"] == doomed for c in engine.article(again[1].article_id)["claims"])
    assert_consistent(engine)


def test_refused_and_repeated_items_get_their_own_results_in_order(engine):
    results = list(engine.ingest_articles([
        ArticleInput(text=seed_text("000")), ArticleInput(text="   \n "), ArticleInput(text=seed_text("000")),
        ArticleInput(html="<html><body><nav>Home</nav></body></html>"), ArticleInput(text=seed_text("004")),
    ], batch=2))
    assert results[0].created and results[4].created
    assert isinstance(results[1], EngineError) and results[1].code == "empty_article"
    assert results[2].article_id == results[0].article_id and not results[2].created
    assert isinstance(results[3], EngineError) and results[3].status == 422
    assert engine.store.counts()["articles"] == 2
    assert_consistent(engine)


def test_a_consumer_that_stops_early_leaves_only_what_it_was_told_is_stored(engine):
    results = engine.ingest_articles([ArticleInput(text=seed_text(p)) for p in ("000", "003", "004")], batch=8)
    first = next(results)
    results.close()
    assert engine.store.counts()["articles"] == 1 and engine.store.find_article(first.article_id)
    assert_consistent(engine)


def test_ingest_paths_names_an_empty_file_and_stores_the_files_before_it(engine, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in (("a.txt", seed_text("000")), ("b.txt", " \n"), ("c.txt", seed_text("004"))):
        (folder / name).write_text(text, encoding="utf-8")
    seen = []
    with pytest.raises(ValueError, match="b.txt"):
        list(ingest_paths(engine, [folder], on_file=lambda path, result: seen.append(path.name)))
    assert seen == ["a.txt"]
    assert engine.store.counts()["articles"] == 1
    assert_consistent(engine)


def _hash(text: str) -> str:
    from service.extraction import content_hash

    return content_hash(text)


def test_extracting_articles_together_gives_what_extracting_each_gives():
    """spaCy parses the sentences of several articles in batches; the claims are the same as one at a time."""
    import csv
    import random

    from service.extraction import RuleExtractor, load_extractor

    from .conftest import SHARED_DATA

    texts = [file.read_text(encoding="utf-8") for file in SEED_FILES]
    bodies = SHARED_DATA / "fnc1" / "train_bodies.csv"
    if bodies.exists():
        csv.field_size_limit(10**8)
        with bodies.open(encoding="utf-8") as f:
            texts += random.Random(5).sample([row["articleBody"] for row in csv.DictReader(f)], 25)
    extractor = load_extractor("spacy")
    on_demand = [RuleExtractor.extract(extractor, text) for text in texts]  # each sentence parsed when a rule asks
    together = extractor.extract_many([(text, None) for text in texts])
    assert sum(len(article.claims) for article in on_demand) >= 100
    assert together == on_demand
    assert [extractor.extract(text) for text in texts[:3]] == on_demand[:3]
