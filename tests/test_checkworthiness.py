"""Check-worthiness: the shipped model's scores, the stored column and its migration, the /v1/check filter over
HTTP, the evaluation script and the training splits."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from service.checkworthiness import CheckWorthinessModel, load_checkworthiness_model
from service.config import PROJECT_ROOT, Config
from service.engine import FactCheckEngine
from service.store import SearchFilters

from .conftest import SHARED_DATA, seed_text
from .conftest import test_config as config_for
from .live_server import free_port, running_server
from .test_e2e import http

MODEL_DIR = PROJECT_ROOT / "models" / "checkworthiness"
CHECK_WORTHY = [
    "Unemployment fell to 3.5 percent last year, the lowest rate in fifty years.",
    "We have lost 50,000 manufacturing jobs in this state since 2010.",
    "Iran supplied hundreds of drones to Russia before the invasion of Ukraine.",
    "The federal deficit has doubled in the last four years.",
    "My opponent voted against the defence budget eleven times.",
]
NOT_CHECK_WORTHY = [
    "Thank you very much, it's great to be here tonight.",
    "What do you think about that?",
    "I hope we can work together.",
    "Good evening, everyone.",
    "Well, let me say this.",
]


@pytest.fixture(scope="module")
def model() -> CheckWorthinessModel:
    return load_checkworthiness_model(Config.from_env({}))


def test_the_shipped_model_is_small_and_carries_its_settings():
    assert (MODEL_DIR / "model.int8.onnx").stat().st_size <= 50 * 1024 * 1024
    settings = json.loads((MODEL_DIR / "settings.json").read_text())
    assert 0.0 < settings["threshold"] < 1.0 and settings["temperature"] > 0
    assert (MODEL_DIR / "tokenizer.json").is_file() and (MODEL_DIR / "MODEL_CARD.md").is_file()


def test_factual_claims_score_above_the_threshold_and_small_talk_below(model):
    worthy, unworthy = model.score(CHECK_WORTHY), model.score(NOT_CHECK_WORTHY)
    assert all(0.0 <= p <= 1.0 for p in worthy + unworthy)
    assert min(worthy) > max(unworthy), (worthy, unworthy)
    assert all(p >= model.threshold for p in worthy), worthy
    assert not any(p >= model.threshold for p in unworthy), unworthy
    assert model.is_check_worthy(CHECK_WORTHY[:1] + NOT_CHECK_WORTHY[:1]) == [True, False]


def test_a_score_does_not_depend_on_the_other_sentences_of_the_call(model):
    alone = [model.score([text])[0] for text in CHECK_WORTHY + NOT_CHECK_WORTHY]
    assert model.score(CHECK_WORTHY + NOT_CHECK_WORTHY) == alone
    assert model.score([]) == []
    # by default the sentences of one call run two at a time; one at a time gives the same scores
    in_turn = load_checkworthiness_model(Config.from_env({"FACTCHECK_CHECKWORTHINESS_PARALLELISM": "1"}))
    assert model.parallel == 2 and in_turn.parallel == 1
    assert in_turn.score(CHECK_WORTHY + NOT_CHECK_WORTHY) == alone
    assert model.score(CHECK_WORTHY + NOT_CHECK_WORTHY, parallel=1) == alone  # as bulk ingestion calls it


def test_the_configured_path_is_used_and_a_missing_model_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_checkworthiness"):
        load_checkworthiness_model(Config.from_env({"FACTCHECK_CHECKWORTHINESS_MODEL": str(tmp_path)}))


def test_ingested_claims_are_scored_and_shown(engine, client):
    engine.ingest_article(seed_text("001"), outlet="Seed One")
    claims = engine.store.claims_of_article(next(iter(_article_ids(engine))))
    assert claims and all(c["check_worthiness"] is not None for c in claims)
    expected = engine.checkworthiness.score([c["resolved_text"] or c["text"] for c in claims])
    assert [c["check_worthiness"] for c in claims] == pytest.approx(expected, abs=1e-6)
    body = client.get(f"/v1/claims/{claims[0]['id']}").get_json()
    assert body["check_worthiness"] == pytest.approx(expected[0], abs=1e-4)
    created = client.post("/v1/claims", json={"claims": [{"text": "The city spent 4 million dollars on the bridge.",
                                                          "external_id": "cw-1"}]}).get_json()
    record = client.get(f"/v1/claims/{created['claims'][0]['claim_id']}").get_json()
    assert record["check_worthiness"] == pytest.approx(
        engine.checkworthiness.score(["The city spent 4 million dollars on the bridge."])[0], abs=1e-4)


def test_a_claim_that_refers_is_scored_with_what_it_refers_to(seeded_engine):
    """"We strongly reject this information" alone is small talk to the model (0.07); with the accusation it
    rejects it is a claim worth checking, and the filter of /v1/check keeps it."""
    model = seeded_engine.checkworthiness
    rows = seeded_engine.store._connection().execute(
        "SELECT id, text, resolved_text, check_worthiness FROM claims WHERE text IN (?, ?)",
        ("We strongly reject this information", "The missile part is completely wrong.")).fetchall()
    assert len(rows) == 2
    kept = set(seeded_engine.store.claim_ids_matching(SearchFilters(min_check_worthiness=model.threshold)).tolist())
    for claim_id, text, resolved, stored in rows:
        assert resolved and resolved != text
        own, alone = model.score([text, resolved])
        assert own < model.threshold <= stored == pytest.approx(alone, abs=1e-6), (text, own, stored)
        assert claim_id in kept


def _article_ids(engine: FactCheckEngine) -> list[str]:
    conn = sqlite3.connect(engine.config.database_path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM articles")]
    finally:
        conn.close()


def _make_old_store(data_dir: Path, embedder) -> dict:  # noqa: ANN001
    """A store as an older version left it: no check_worthiness column. Returns the scores it had."""
    engine = FactCheckEngine(config_for(data_dir), embedder=embedder)
    engine.ingest_article(seed_text("001"), outlet="Seed One")
    engine.ingest_claims([{"text": "Inflation reached 9.1 percent in June 2022.", "external_id": "old-1"}])
    scores = {int(r[0]): r[1] for r in engine.store._connection().execute("SELECT id, check_worthiness FROM claims")}
    generation = engine.store.generation()
    engine.close()
    conn = sqlite3.connect(data_dir / "factcheck.sqlite3")
    conn.execute("DROP INDEX claims_check_worthiness")
    conn.execute("ALTER TABLE claims DROP COLUMN check_worthiness")
    conn.commit()
    assert "check_worthiness" not in {r[1] for r in conn.execute("PRAGMA table_info(claims)")}
    conn.close()
    return {"scores": scores, "generation": generation}


def test_an_old_store_is_migrated_in_place_and_its_claims_scored_when_opened(tmp_path, embedder):
    old = _make_old_store(tmp_path / "data", embedder)
    engine = FactCheckEngine(config_for(tmp_path / "data"), embedder=embedder)
    try:
        assert engine.wait_for_check_worthiness(timeout=300)  # scored in the background while serving
        rows = {int(r[0]): r[1] for r in engine.store._connection().execute("SELECT id, check_worthiness FROM claims")}
        assert rows.keys() == old["scores"].keys()
        assert rows == pytest.approx(old["scores"], abs=1e-6)
        # the backfill changes no vector: the change log and the index are as they were
        assert engine.store.generation() == old["generation"] == engine.index.generation
        assert engine.index.size == len(rows)
        assert engine.score_unscored_claims() == 0
    finally:
        engine.close()


def test_an_old_postgres_store_is_migrated_and_scored(make_engine, tmp_path):
    import psycopg

    from .postgres import start_postgres

    server = start_postgres(free_port())
    try:
        url = server.create_database()
        first = make_engine(tmp_path / "pg-1", database_url=url)
        first.ingest_article(seed_text("001"), outlet="Seed One")
        scores = {int(r[0]): r[1] for r in first.store._connection().execute("SELECT id, check_worthiness FROM claims")}
        assert scores and all(s is not None for s in scores.values())
        first.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ALTER TABLE claims DROP COLUMN check_worthiness")  # its index goes with it
        reopened = make_engine(tmp_path / "pg-2", database_url=url)
        assert reopened.wait_for_check_worthiness(timeout=300)
        rows = {int(r[0]): r[1] for r in
                reopened.store._connection().execute("SELECT id, check_worthiness FROM claims")}
        assert rows == pytest.approx(scores, abs=1e-6)
        cut = sorted(rows.values())[len(rows) // 2]
        kept = set(reopened.store.claim_ids_matching(SearchFilters(min_check_worthiness=cut)).tolist())
        assert kept == {i for i, s in rows.items() if s >= cut}, (cut, rows)
        reopened.close()
    finally:
        server.stop()


def test_reindex_scores_unscored_claims_and_rescores_all(engine):
    engine.ingest_article(seed_text("002"), outlet="Seed Two")
    total = engine.store.counts()["claims"]
    with engine.store._transaction() as conn:
        conn.execute("UPDATE claims SET check_worthiness = NULL WHERE id IN (SELECT id FROM claims LIMIT 3)")
    assert engine.reindex()["check_worthiness_scored"] == 3
    assert engine.reindex()["check_worthiness_scored"] == 0
    assert engine.reindex(rescore=True)["check_worthiness_scored"] == total


def test_scoring_from_the_middle_of_the_store_wraps_around_to_every_claim(engine):
    engine.ingest_article(seed_text("001"), outlet="Seed One")
    scores = {int(r[0]): r[1] for r in engine.store._connection().execute("SELECT id, check_worthiness FROM claims")}
    with engine.store._transaction() as conn:
        conn.execute("UPDATE claims SET check_worthiness = NULL")
    ids = sorted(scores)
    assert engine.store.unscored_claim_range() == (ids[0], ids[-1])
    assert engine.score_unscored_claims(start_after=ids[len(ids) // 2]) == len(ids)
    assert engine.store.unscored_claim_range() == (None, None)
    rows = {int(r[0]): r[1] for r in engine.store._connection().execute("SELECT id, check_worthiness FROM claims")}
    assert rows == pytest.approx(scores, abs=1e-6)


def test_the_filter_keeps_only_claims_scored_at_least_the_minimum(engine):
    engine.ingest_article(seed_text("001"), outlet="Seed One")
    scores = {int(r[0]): r[1] for r in engine.store._connection().execute("SELECT id, check_worthiness FROM claims")}
    cut = sorted(scores.values())[len(scores) // 2]
    kept = set(engine.store.claim_ids_matching(SearchFilters(min_check_worthiness=cut)).tolist())
    assert kept == {i for i, s in scores.items() if s >= cut} and 0 < len(kept) < len(scores)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The real server (gunicorn) over a store holding one seed article."""
    with running_server(tmp_path_factory.mktemp("checkworthiness"), seeds=False) as base:
        status, _ = http("POST", base + "/v1/articles", {"text": seed_text("001"), "outlet": "Seed One"})
        assert status in (200, 201)
        yield base


def test_check_filters_on_check_worthiness_over_http(server):
    statement = "Iran sent drones to Russia before the invasion"
    status, everything = http("POST", server + "/v1/check", {"statement": statement, "k": 50, "min_similarity": 0})
    assert status == 200 and everything["matches"]
    scores = [m["check_worthiness"] for m in everything["matches"]]
    assert all(isinstance(s, float) and 0 <= s <= 1 for s in scores)
    cut = sorted(scores)[len(scores) // 2]
    status, filtered = http("POST", server + "/v1/check", {"statement": statement, "k": 50, "min_similarity": 0,
                                                          "min_check_worthiness": cut})
    assert status == 200
    assert filtered["matches"] and all(m["check_worthiness"] >= cut for m in filtered["matches"])
    assert {m["claim_id"] for m in filtered["matches"]} < {m["claim_id"] for m in everything["matches"]}
    status, claim = http("GET", server + f"/v1/claims/{filtered['matches'][0]['claim_id']}")
    assert status == 200 and claim["check_worthiness"] == filtered["matches"][0]["check_worthiness"]


@pytest.mark.parametrize("value", [-0.1, 1.5, "high", None, True])
def test_an_invalid_minimum_is_a_422_json_error(server, value):
    status, body = http("POST", server + "/v1/check", {"statement": "Iran sent drones", "min_check_worthiness": value})
    assert status == 422 and body["error"]["status"] == 422
    assert "min_check_worthiness" in json.dumps(body["error"]["details"])


def _evaluate(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/evaluate_checkworthiness.py", "--sentences", str(path), *extra],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_the_evaluation_script_prints_precision_recall_and_f1_last(tmp_path, model):
    rows = [{"text": t, "label": 1} for t in CHECK_WORTHY] + [{"text": t, "label": 0} for t in NOT_CHECK_WORTHY]
    rows.append({"text": "Thank you, and good night.", "label": "Yes"})  # a positive the model will miss
    path = tmp_path / "sentences.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = _evaluate(path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"check-worthiness F1: \d\.\d{4}", lines[-1]), lines[-1]
    precision = float(next(line for line in lines if line.startswith("precision:")).split()[-1])
    recall = float(next(line for line in lines if line.startswith("recall:")).split()[-1])
    f1 = float(lines[-1].split()[-1])
    assert precision == 1.0 and recall == pytest.approx(5 / 6, abs=1e-4)
    assert f1 == pytest.approx(2 * precision * recall / (precision + recall), abs=1e-4)
    strict = _evaluate(path, "--threshold", "1.0")
    assert strict.stdout.strip().splitlines()[-1] == "check-worthiness F1: 0.0000"


def test_the_evaluation_script_names_a_bad_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "Fine.", "label": 0}\n{"text": "No label"}\n')
    done = _evaluate(path)
    assert done.returncode != 0 and "bad.jsonl:2" in done.stderr


@pytest.mark.skipif(not (SHARED_DATA / "checkworthiness").is_dir(), reason="needs ../shared/data/checkworthiness")
def test_training_splits_hold_out_whole_debates_and_share_no_sentence():
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    from train_checkworthiness import SPLITS, build_splits, normalise

    splits = build_splits(SHARED_DATA, seed=13)
    documents = {name: {(r["source"], r["document"]) for r in rows} for name, rows in splits.items()}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1:]:
            assert not documents[a] & documents[b], (a, b)
    held = {normalise(r["text"]) for name in SPLITS[1:] for r in splits[name]}
    assert not {normalise(r["text"]) for r in splits["train"]} & held
    assert all(splits[name] and any(r["label"] for r in splits[name]) for name in SPLITS)
    assert splits == build_splits(SHARED_DATA, seed=13)
