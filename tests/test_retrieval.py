"""Candidate retrieval: statement cleaning, the lexical index following the store, fusion, duplicate collapsing,
and scripts/evaluate_retrieval.py end to end on a slice of CLEF CheckThat! 2020 task 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from service.app import create_app
from service.config import PROJECT_ROOT
from service.retrieval import LexicalIndex, clean_statement, split_words, tokenize
from service.store import SearchFilters

from .conftest import SHARED_DATA, seed_text

CLEF = SHARED_DATA / "clef2020"
FAST = {"stance_model": "polarity", "extractor": "rules"}  # retrieval does not depend on either

RECORDS = [
    {"text": "The U.S. Army is sending text messages informing people they've been selected for the military draft.",
     "title": "Is the Pentagon Texting Draft Notices?", "external_id": "draft"},
    {"text": "Iran has offered an $80M bounty for the head of U.S. President Donald Trump.",
     "title": "Did Iran Offer an $80M Bounty for Trump's Head?", "external_id": "bounty"},
    {"text": "A video shows the drone strike that killed Iranian general Qassem Soleimani.",
     "title": "Does This Video Show the Soleimani Strike?", "external_id": "video", "source": "Snopes"},
    {"text": "The popular video game Minecraft is shutting down in 2020.", "title": "Is Minecraft Shutting Down?",
     "external_id": "minecraft"},
]


def test_cleaning_drops_links_and_marks_and_splits_hashtags_and_handles():
    tweet = ("Once more: Minecraft is NOT stopping &amp; Mojang is NOT closing. #Minecrafthttps://t.co/V4Lzv97qOc "
             "#AustralianFires #COVID19 @realDonaldTrump pic.twitter.com/0eJtwJyS1J — Helen Z (@HelenAngel) "
             "January 2, 2020")
    assert clean_statement(tweet) == ("Once more: Minecraft is NOT stopping & Mojang is NOT closing. Minecraft "
                                      "Australian Fires COVID 19 real Donald Trump — Helen Z")
    assert clean_statement("The drone attack on #Soleimani caught on camera.#IranUsapic.twitter.com/TvRk") == \
        "The drone attack on Soleimani caught on camera. Iran Usa"
    plain = "Iran sent drones to Russia before the invasion, the minister said."
    assert clean_statement(plain) == plain
    assert split_words("WWIIVeterans") == "WWII Veterans"
    assert tokenize("Iran's regime offered bounties for the head of Trump") == \
        ["iran", "regim", "offer", "bounti", "head", "trump"]


def test_lexical_index_after_removals_and_compaction_scores_like_a_fresh_one():
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(300)]
    documents = {i: " ".join(rng.choice(vocabulary, size=rng.integers(3, 30))) for i in range(1, 3001)}
    index = LexicalIndex()
    index.add(documents.items())
    index.add([(5, "w1 w2 w3")])  # replaces claim 5
    documents[5] = "w1 w2 w3"
    removed = set(range(1, 3001, 4)) | set(range(2, 2400, 4)) | set(range(3, 3001, 4)) | {5}
    assert index.remove(sorted(removed) + [99_999]) == len(removed)  # most rows gone: compacted
    assert len(index._claim_ids) == index.size == 3000 - len(removed)
    fresh = LexicalIndex()
    fresh.add((i, d) for i, d in documents.items() if i not in removed)
    allowed = np.arange(0, 3001, 3)
    for query in ("w1 w2 w3", "w7 w150 w299 w42", "w5"):
        got, also = index.search(query, 50, also=[4, 8, 5])
        want, also_fresh = fresh.search(query, 50, also=[4, 8, 5])
        assert [i for i, _ in got] == [i for i, _ in want] and np.allclose([s for _, s in got], [s for _, s in want])
        assert also == pytest.approx(also_fresh) and also[5] == 0.0
        assert not {i for i, _ in got} & removed
        filtered, _ = index.search(query, 50, allowed_ids=allowed)
        assert filtered and all(i % 3 == 0 for i, _ in filtered)


def test_a_claim_with_two_documents_scores_as_its_best_and_leaves_with_both():
    index = LexicalIndex()
    index.add([(1, "We strongly reject this information"),
               (2, ["The missile part is completely wrong.",
                    "The missile part of the claim that Iran has provided missiles to Russia is completely wrong."]),
               (3, "Iran supplied drones to Russia before the war."), (4, "Russia has missiles of its own.")])
    assert index.size == 4 and index.ids() == {1, 2, 3, 4}
    top, also = index.search("Iran provided missiles to Russia", 10, also=[2, 1])
    assert [i for i, _ in top][0] == 2 and len({i for i, _ in top}) == len(top)  # once, by its better document
    assert also[2] == dict(top)[2] > 0 and also[1] == 0.0
    filtered, _ = index.search("missiles", 10, allowed_ids=np.array([2]))
    assert [i for i, _ in filtered] == [2]

    index.add([(2, "The missile part is completely wrong.")])  # replaced: its second document goes
    top, _ = index.search("Iran provided missiles to Russia", 10)
    assert 2 not in {i for i, _ in top[:1]}
    assert index.remove([2, 3]) == 2 and index.ids() == {1, 4}
    assert not {i for i, _ in index.search("missile wrong Iran drones", 10)[0]} & {2, 3}

    many = LexicalIndex()  # compaction keeps each claim's documents together
    many.add((i, [f"w{i} common", f"x{i} other"]) for i in range(1, 3001))
    many.remove(range(1, 2500))
    assert many.size == 501 and len(many._claim_ids) == 2 * 501
    top, also = many.search("x2700", 5, also=[2700])
    assert top == [(2700, also[2700])] and also[2700] > 0


def test_lexical_index_follows_the_store_across_engines(make_engine):
    first = make_engine(**FAST)
    first.ingest_claims(RECORDS)
    second = make_engine(**FAST)  # another process on the same data directory
    stored = {int(i) for ids, _ in first.store.all_embeddings() for i in ids}
    assert first.retriever.lexical.ids() == stored and second.retriever.lexical.ids() == stored

    # The title is indexed: words found only in a title find its claim.
    top, _ = first.retriever.lexical.search("Pentagon notices", 5)
    assert [first.claim(claim_id)["external_id"] for claim_id, _ in top] == ["draft"]
    assert first.claim(top[0][0])["source"]["title"] == RECORDS[0]["title"]

    article = first.ingest_article(seed_text("000"), outlet="The Jerusalem Post")
    article_ids = {c["claim_id"] for c in first.article(article.article_id)["claims"]}
    assert article_ids and article_ids <= first.retriever.lexical.ids()
    assert not article_ids & second.retriever.lexical.ids()
    second.sync_index()  # what every check does first
    assert second.retriever.lexical.ids() == stored | article_ids
    assert second.retriever.lexical.generation == first.store.generation()

    assert first.delete_article(article.article_id)
    assert first.retriever.lexical.ids() == stored
    second.check("drones")
    assert second.retriever.lexical.ids() == stored

    third = make_engine(**FAST)
    assert third.reindex()["claims"] == len(stored)
    assert third.retriever.lexical.ids() == stored


def test_fused_search_keeps_cosine_similarity_and_context_filters(make_engine):
    engine = make_engine(**FAST)
    client = create_app(engine.config, engine=engine).test_client()
    created = client.post("/v1/claims", json={"claims": RECORDS}).get_json()["claims"]
    shown = client.get(f"/v1/claims/{created[0]['claim_id']}").get_json()
    assert shown["source"]["title"] == RECORDS[0]["title"]
    too_long = client.post("/v1/claims", json={"claims": [{"text": "x", "title": "t" * 501}]})
    assert too_long.status_code == 422 and "title" in json.dumps(too_long.get_json()["error"]["details"])
    statement = "The army is texting people that they were drafted https://t.co/abc #MilitaryDraft"
    result = engine.check(statement, k=4, min_similarity=0.0)
    assert [m["external_id"] for m in result["matches"]][0] == "draft"
    vector = engine.embedder.encode([clean_statement(statement)])[0]
    stored = engine.store.embeddings_of([m["claim_id"] for m in result["matches"]])
    for match in result["matches"]:
        assert match["similarity"] == pytest.approx(float(np.dot(vector, stored[match["claim_id"]])), abs=1e-4)
    # The threshold is on the cosine similarity, whatever the fused order.
    kept = engine.check(statement, k=4, min_similarity=0.3)["matches"]
    assert kept and all(m["similarity"] >= 0.3 for m in kept)
    # Filters bind the lexical part too: the word "drone" is only in the Snopes record.
    filtered = engine.check("drone strike video Soleimani", k=4, min_similarity=0.0,
                            filters=SearchFilters(outlets=("nobody",)))
    assert filtered["matches"] == []
    only = engine.check("Minecraft shutting down", k=4, min_similarity=0.0, filters=SearchFilters(outlets=("snopes",)))
    assert [m["external_id"] for m in only["matches"]] == ["video"]


def test_duplicates_collapse_to_the_first_stored_claim(make_engine):
    records = [
        {"text": 'Greta Thunberg was called "mentally ill" by a TV host.', "external_id": "first"},
        {"text": "Greta Thunberg was called 'mentally ill' by a TV host.", "external_id": "second"},
        {"text": "Greta Thunberg was called “mentally ill” by a TV host.", "external_id": "other source",
         "source": "Other"},
    ]
    engine = make_engine(**FAST)
    assert [created for _, created in engine.ingest_claims(records)] == [True, True, True]
    statement = "A TV host called Greta Thunberg 'mentally ill'"
    shown = [m["external_id"] for m in engine.check(statement, k=5, min_similarity=0.0)["matches"]]
    assert sorted(shown) == ["first", "other source"]
    apart = make_engine(collapse_duplicates=False, retrieval_mode="dense", **FAST)
    assert sorted(m["external_id"] for m in apart.check(statement, k=5, min_similarity=0.0)["matches"]) == \
        ["first", "other source", "second"]


@pytest.mark.skipif(not (CLEF / "dev").is_dir(), reason="CLEF 2020 data not in ../shared/data/clef2020")
def test_evaluate_retrieval_script_on_a_dev_slice():
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "evaluate_retrieval.py"),
               "--claims", str(CLEF / "verified_claims.docs.tsv"),
               "--queries", str(CLEF / "dev" / "tweets.queries.tsv"),
               "--qrels", str(CLEF / "dev" / "tweet-vclaim-pairs.qrels"),
               "--max-claims", "200", "--max-queries", "30", "--baseline"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
                          env={**env, "FACTCHECK_TORCH_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert "claims: 200 imported" in lines[0] and "queries: 30 with a relevant claim" in lines[1]
    assert lines[-1].startswith("MAP@5: ")
    final = float(lines[-1].split()[-1])
    baseline = float(lines[2].split("MAP@5 ")[1].split()[0])
    assert final >= 0.90 and final > baseline  # measured on this slice: 0.9300, baseline 0.8828
