"""The index lifecycle on real FAISS and real stores: saves off the request path, one rebuild at a time, and a
change log compacted below what every saved index reflects (SQLite and PostgreSQL)."""
from __future__ import annotations

import errno
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import service.index_lifecycle as lifecycle
from service.index import VectorIndex

from .conftest import seed_text
from .postgres import start_postgres
from .live_server import free_port

TOPICS = ("drones", "missiles", "grain exports", "sanctions", "refugees", "power plants", "tanks", "oil prices",
          "ceasefire talks", "cyber attacks", "elections", "wheat harvest")


def records(start: int, stop: int) -> list[dict]:
    return [{"text": f"Officials said that {TOPICS[i % len(TOPICS)]} were discussed at meeting number {i}.",
             "external_id": f"claim-{i}", "claimant": "A spokesperson", "source": "Wire"}
            for i in range(start, stop)]


def saved_generation(path: Path) -> int:
    saved = VectorIndex.load(path)
    assert saved is not None
    return saved.generation


def in_thread(call, timeout: float = 30.0):
    """Run ``call`` on a thread; its result, or fail when it has not returned within ``timeout`` seconds."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "the call was blocked"
    return result[0]


def test_requests_are_not_blocked_by_a_slow_save(make_engine, monkeypatch):
    engine = make_engine()
    engine.ingest_claims(records(0, 6))
    engine.save_index()
    writing, release = threading.Event(), threading.Event()
    real_write = lifecycle.write_snapshot

    def slow_write(snapshot, path):
        writing.set()
        release.wait(60)
        real_write(snapshot, path)

    monkeypatch.setattr(lifecycle, "write_snapshot", slow_write)
    try:
        engine.ingest_claims(records(6, 8))  # committed: the saver thread starts writing and is held there
        assert writing.wait(20), "no background save started after a write"
        started = time.monotonic()
        result = in_thread(lambda: engine.check("drones were discussed", k=3, min_similarity=0.0))
        assert result["matches"]
        assert in_thread(lambda: engine.ingest_claims(records(8, 9)))  # a write, then its catch-up
        assert in_thread(lambda: engine.readiness())["ready"]
        assert not release.is_set() and time.monotonic() - started < 20  # all answered while the save was held
    finally:
        release.set()
    deadline = time.monotonic() + 20  # the held save finishes, and the writes after it are saved too
    while saved_generation(engine.config.index_path) != engine.store.generation() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert saved_generation(engine.config.index_path) == engine.store.generation()


def test_a_failed_save_fails_no_request_and_is_retried_without_another_write(make_engine, monkeypatch):
    engine = make_engine(index_save_retry_s=0.2)
    real_write = lifecycle.write_snapshot
    failures = []

    def full_disk(snapshot, path):
        if len(failures) < 3:
            failures.append(1)
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(snapshot, path)

    monkeypatch.setattr(lifecycle, "write_snapshot", full_disk)
    results = engine.ingest_claims(records(0, 4))  # the write is committed and answered
    assert len(results) == 4 and engine.check("grain exports", k=2, min_similarity=0.0)["matches"]
    deadline = time.monotonic() + 20
    while (VectorIndex.load(engine.config.index_path) is None
           or saved_generation(engine.config.index_path) != engine.store.generation()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(failures) == 3 and engine.index_keeper.save_failures >= 3
    assert saved_generation(engine.config.index_path) == engine.store.generation()  # retried until it worked


def test_deletes_save_in_the_background_and_a_graceful_stop_saves(make_engine, tmp_path):
    engine = make_engine(index_save_interval_s=3600)  # debounced: at most one save an hour under writes
    engine.ingest_claims(records(0, 5))
    assert engine.save_index()
    saved = saved_generation(engine.config.index_path)
    article = engine.ingest_article(seed_text("001"), outlet="Wire")
    assert engine.index.size > 5
    assert engine.delete_article(article.article_id)
    assert saved_generation(engine.config.index_path) == saved  # no write to disk on the request path
    engine.close()
    assert saved_generation(engine.config.index_path) == engine.store.generation()
    reopened = make_engine()
    assert reopened.index.size == reopened.store.counts()["claims"] == 5 and reopened.readiness()["ready"]


def test_concurrent_triggers_start_one_background_rebuild(make_engine, monkeypatch):
    engine = make_engine(index_type="flat")
    engine.ingest_claims(records(0, 12))
    keeper = engine.index_keeper
    keeper.config = keeper.config.with_overrides(index_type="hnsw")  # the collection now wants another kind
    builds, release = [], threading.Event()
    all_index_vectors = engine.store.all_index_vectors

    def slow_vectors(*args, **kwargs):
        builds.append(threading.current_thread().name)
        release.wait(30)
        return all_index_vectors(*args, **kwargs)

    monkeypatch.setattr(engine.store, "all_index_vectors", slow_vectors)
    real_choose = lifecycle.choose_kind

    def slow_choose(*args, **kwargs):  # widens the window between "is one running?" and starting one
        time.sleep(0.05)
        return real_choose(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "choose_kind", slow_choose)
    barrier = threading.Barrier(8)

    def trigger():
        barrier.wait()
        engine.sync_index()

    threads = [threading.Thread(target=trigger) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    time.sleep(0.2)
    release.set()
    assert engine.wait_for_index_rebuild(60)
    assert builds == ["index-rebuild"]
    assert engine.index.kind == "hnsw" and engine.index.size == 12 and engine.readiness()["ready"]


def _compaction_round(make_engine, tmp_path: Path, database_url: str) -> None:
    """Two processes (separate data directories, one database): the log keeps what the one behind needs."""
    writer = make_engine(tmp_path / "writer", database_url=database_url, index_change_log_keep=0,
                         index_saver_ttl_s=1.0)
    reader = make_engine(tmp_path / "reader", database_url=database_url, index_change_log_keep=0)
    writer.ingest_claims(records(0, 5))
    reader.sync_index()
    assert reader.save_index()
    behind = reader.index.generation
    writer.ingest_claims(records(5, 10))
    assert writer.save_index()  # compacts below the reader's saved generation, not below the writer's
    seqs = [seq for seq, _, _ in writer.store.changes_since(0)]
    assert min(seqs) == behind + 1 and max(seqs) == writer.store.generation()
    assert writer.store.changes_kept_from() == behind + 1
    reader.sync_index()  # caught up from the rows kept for it
    assert reader.index.size == 10 and reader.readiness()["ready"]
    assert reader.save_index() and writer.save_index()
    generation = writer.store.generation()
    assert writer.store.changes_since(0) == [(generation, *writer.store.changes_since(generation - 1)[0][1:])]
    assert writer.store.generation() == generation  # the newest row stays: it carries the generation
    # a saved index not saved again within the retention no longer holds rows back; its process rebuilds
    time.sleep(1.1)
    writer.ingest_claims(records(10, 13))
    assert writer.save_index()
    assert writer.store.changes_kept_from() == writer.store.generation()
    stale = reader.index
    assert reader.sync_index() == 0
    assert reader.index is not stale and reader.index.size == 13 == reader.store.counts()["claims"]
    assert reader.readiness()["ready"]


def test_change_log_is_compacted_below_every_saved_index_sqlite(make_engine, tmp_path):
    _compaction_round(make_engine, tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")


@pytest.fixture(scope="module")
def postgres():
    server = start_postgres(free_port())
    yield server
    server.stop()


def test_change_log_is_compacted_below_every_saved_index_postgres(make_engine, tmp_path, postgres):
    _compaction_round(make_engine, tmp_path, postgres.create_database())


def test_reembed_pauses_other_models_writes_and_resumes_after_a_kill(make_engine, tmp_path, onnx_export_dir):
    from service.embeddings import OnnxEmbedder
    from service.engine import FactCheckEngine
    from service.store import StoreUnavailable

    from .conftest import test_config

    server = make_engine(stance_model="polarity")  # a server encoding with the float32 model
    server.ingest_claims(records(0, 12))
    old_vectors = {i: v for ids, batch in server.store.all_embeddings() for i, v in zip(ids, batch)}
    int8 = OnnxEmbedder(export_dir=onnx_export_dir, quantized=True, threads=1)
    assert int8.name != server.embedder.name
    config = test_config(tmp_path / "data", embedding_backend="onnx-int8", stance_model="polarity")

    class Killed(Exception):
        pass

    encoded: list[int] = []
    real_encode = int8.encode

    def encode_then_die(texts):
        if len(encoded) == 2:
            raise Killed  # the process dies after two committed batches
        encoded.append(len(texts))
        return real_encode(texts)

    switching = FactCheckEngine(config, embedder=int8, allow_model_change=True)
    int8.encode = encode_then_die
    with pytest.raises(Killed):
        switching.reindex(reembed=True, batch=4)
    switching.store.close()
    # half converted: the server's writes of old-model vectors are refused, and it says it is not ready
    with pytest.raises(StoreUnavailable) as refused:
        server.ingest_claims(records(12, 13))
    assert refused.value.status == 503 and refused.value.code == "reembedding"
    readiness = server.readiness()
    assert not readiness["ready"] and "re-encoded" in readiness["writes_paused"]
    assert server.store.counts()["claims"] == 12

    encoded.clear()
    int8.encode = lambda texts: encoded.append(len(texts)) or real_encode(texts)
    resumed = FactCheckEngine(config, embedder=int8, allow_model_change=True)
    resumed.reindex(reembed=True, batch=4)
    assert encoded[0] == 4 and sum(encoded) == 4  # resumed after the 8 claims already converted
    resumed.close()
    assert server.store.get_meta("embedding_model") == int8.name
    ids, vectors = zip(*[(i, v) for batch_ids, batch in server.store.all_embeddings() for i, v in zip(batch_ids, batch)])
    texts = {claim_id: row["text"] for claim_id, row in server.store.claims_by_ids(list(ids)).items()}
    expected = real_encode([texts[i] for i in ids])
    assert all(np.abs(v - old_vectors[i]).max() > 1e-4 for i, v in zip(ids, vectors))  # every claim re-encoded
    assert float(np.min(np.sum(np.asarray(vectors) * expected, axis=1))) > 0.98  # ... by the new model
    server.sync_index()  # the change log carried the new vectors to the running server's index
    assert server.index.generation == server.store.generation()
    assert server.index.search(vectors[0], 1)[0][0] == ids[0] and server.index.search(vectors[0], 1)[0][1] > 0.999
    assert not server.readiness()["ready"]  # still encoding with the old model: restart it with the new one
    switched = FactCheckEngine(config, embedder=int8)
    assert switched.readiness()["ready"] and switched.index.size == 12
    assert switched.ingest_claims(records(12, 13))[0][1]
    switched.close()
