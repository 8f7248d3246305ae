"""kill -9 at the worst moments, on the real server (gunicorn through ``factcheck serve``) and the real CLI.

- During concurrent ingestion (four clients, two workers), three times: every acknowledged article is there
  with its claims after the restarts, the index holds exactly the store's claims, no temporary index file is left.
- During a background index rebuild (flat -> HNSW when the collection crosses the threshold, with writes going
  on): master and workers are killed in the middle of the rebuild, twice; after a restart every acknowledged write
  is there, the index holds exactly the store's claims, ``/readyz`` says 200 and no temporary index file is left.
- During ``factcheck reindex --reembed`` (a subprocess, killed after some batches committed): the store is whole
  (each claim carries the old or the new model's vector, as far as the recorded progress says), a server on the
  old model refuses writes with 503 ``reembedding`` and is not ready; the command run again finishes, no claim
  keeps an old-model vector, and a server on the new model is ready with an index equal to the store.

Kills are timed from what the processes write (acknowledged responses, log lines, progress lines, temporary
files), never from sleeps alone.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from service.config import PROJECT_ROOT
from service.index import VectorIndex, claims_of_keys
from service.store import SQLiteStore

from .test_concurrency import PinnedWorker, Server, discover_workers, once

REBUILD_STARTED = "in the background ("  # "index: building hnsw for N claims in the background (flat in use)"
REBUILD_DONE = "in use after"  # "index: hnsw with N claims in use after S s"


def ferry_claim(number: int) -> str:
    return (f"Inspectors said ferry number {number} of the coastal fleet failed its safety check in week "
            f"{number % 52 + 1} of year {2000 + number // 52}.")


def processes_in_group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, read from /proc."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything in its process group (gunicorn's master and workers), and wait for it."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while processes_in_group(process.pid):
        assert time.monotonic() < deadline, f"still alive after SIGKILL: {processes_in_group(process.pid)}"
        time.sleep(0.05)


def log_count(server: Server, marker: str) -> int:
    return server.log_path.read_text(errors="replace").count(marker)


def temporary_index_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in data_dir.glob("index.*.tmp*"))


def store_claims(data_dir: Path) -> tuple[set[int], int]:
    """The claim ids in the SQLite store and its change-log generation, after an integrity check."""
    with sqlite3.connect(data_dir / "factcheck.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in db.execute("SELECT id FROM claims")}
        generation = db.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
    return ids, generation


def saved_index_claims(data_dir: Path) -> tuple[VectorIndex, set[int]]:
    saved = VectorIndex.load(data_dir / "index.faiss")
    assert saved is not None, "no index saved"
    return saved, set(claims_of_keys(saved._stored_keys()).tolist())


def assert_saved_index_is_the_store(data_dir: Path) -> set[int]:
    """The index file on disk holds exactly the stored claims at the store's generation, with no temporary files
    left; the stored claim ids."""
    claim_ids, generation = store_claims(data_dir)
    saved, indexed = saved_index_claims(data_dir)
    assert indexed == claim_ids and saved.generation == generation and temporary_index_files(data_dir) == []
    return claim_ids


def harbour_article(number: int) -> dict:
    return {"text": f"The harbour master of Port Vell-{number} said the new pier number {number} will open in week "
                    f"{number % 52 + 1}. Engineer Marta Ruiz-{number} said the pier cost {number}.5 million euros.",
            "outlet": "Harbour Gazette"}


class Writers:
    """Threads posting one new claim (or article) per request until stopped or the server dies; every
    acknowledged write kept."""

    def __init__(self, base: str, first_number: int, threads: int = 2, articles: bool = False) -> None:
        self.base = base
        self.articles = articles
        self.acknowledged: dict[int, str] = {}  # claim id -> text, for every answer that said created
        self.acknowledged_articles: dict[str, list[int]] = {}  # article id -> its claim ids
        self.acknowledged_at: list[float] = []
        self.errors: list[str] = []
        self._numbers = iter(range(first_number, first_number + 1_000_000, 1))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, daemon=True) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _write(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                number = next(self._numbers)
            try:
                if self.articles:
                    status, _, body = once(self.base, "POST", "/v1/articles", harbour_article(number))
                    created = status == 201
                else:
                    status, _, body = once(self.base, "POST", "/v1/claims", {"claims": [{"text": ferry_claim(number)}]})
                    created = status == 200 and body["claims"][0]["created"]
            except (OSError, http.client.HTTPException):  # the server was killed: outcome unknown, not acknowledged
                return
            if not created:
                self.errors.append(f"{status} {body}")
                return
            with self._lock:
                if self.articles:
                    self.acknowledged_articles[body["id"]] = [c["claim_id"] for c in body["claims"]]
                    self.acknowledged.update({c["claim_id"]: c["text"] for c in body["claims"]})
                else:
                    self.acknowledged[body["claims"][0]["claim_id"]] = ferry_claim(number)
                self.acknowledged_at.append(time.monotonic())

    def acknowledged_since(self, moment: float) -> int:
        with self._lock:
            return sum(at >= moment for at in self.acknowledged_at)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=150)


# --- kill -9 during a background index rebuild ------------------------------------------------------------------
BASE_CLAIMS = 1000
REBUILD_SETTINGS = {  # the writes below cross the threshold; a high ef_construction makes the build take a while
    "FACTCHECK_INDEX_AUTO_THRESHOLD": str(BASE_CLAIMS + 10), "FACTCHECK_INDEX_HNSW_EF_CONSTRUCTION": "800"}


def aim_at_a_save(data_dir: Path, within: float = 0.5) -> None:
    """Wait up to ``within`` seconds for a save's temporary file to exist (the kill then lands mid-write)."""
    until = time.monotonic() + within
    while not temporary_index_files(data_dir) and time.monotonic() < until:
        time.sleep(0.001)


def wait_for_rebuild_start(server: Server, deadline: float, writers: Writers | None = None) -> float:
    while log_count(server, REBUILD_STARTED) == 0:
        assert time.monotonic() < deadline, "no background rebuild started: " + server.log_tail(2000)
        assert writers is None or not writers.errors, writers.errors
        time.sleep(0.01)
    return time.monotonic()


def kill_now(server: Server, acknowledged_during: int = 0) -> dict:
    kill_hard(server.process)
    started, done = log_count(server, REBUILD_STARTED), log_count(server, REBUILD_DONE)
    return {"rebuilds_in_flight": started - done, "temporary_files": temporary_index_files(server.data_dir),
            "acknowledged_during_rebuild": acknowledged_during}


def saved_kind(data_dir: Path) -> str:
    return json.loads((data_dir / "index.json").read_text())["kind"]


def test_kill_9_during_a_background_rebuild_loses_nothing(tmp_path: Path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = Server(data_dir, workers=2, threads=2, env=REBUILD_SETTINGS).start()
    acknowledged: dict[int, str] = {}
    kills: list[dict] = []
    try:
        records = [{"text": ferry_claim(n)} for n in range(BASE_CLAIMS)]
        status, _, body = once(server.base, "POST", "/v1/claims", {"claims": records})
        assert status == 200 and all(c["created"] for c in body["claims"]), body
        acknowledged.update({c["claim_id"]: r["text"] for c, r in zip(body["claims"], records)})

        # 1: writes cross the threshold and the workers start rebuilding; killed while writes keep coming
        writers = Writers(server.base, BASE_CLAIMS)
        try:
            started_at = wait_for_rebuild_start(server, time.monotonic() + 180, writers)
            while writers.acknowledged_since(started_at) < 3:
                assert time.monotonic() < started_at + 120 and not writers.errors, writers.errors
                time.sleep(0.01)
            aim_at_a_save(data_dir)
            kills.append(kill_now(server, writers.acknowledged_since(started_at)))
        finally:
            writers.stop()
        acknowledged.update(writers.acknowledged)
        assert kills[-1]["rebuilds_in_flight"] >= 1, f"the rebuilds had finished before the kill: {kills}"

        # 2: a restart finds a flat index over the threshold and rebuilds at start; killed during that rebuild
        if saved_kind(data_dir) == "flat":  # (unless a rebuild had saved its index just before the kill)
            server = Server(data_dir, workers=2, threads=2, env=REBUILD_SETTINGS).start(wait_ready=False)
            wait_for_rebuild_start(server, time.monotonic() + 240)
            aim_at_a_save(data_dir, 0.05)
            kills.append(kill_now(server))
            assert kills[-1]["rebuilds_in_flight"] >= 1, f"the rebuild at start had finished: {kills}"

        # the last restart: the rebuilds finish (one per worker, unless one had been saved), then compare all
        server = Server(data_dir, workers=2, threads=2, env=REBUILD_SETTINGS).start()
        # both booted (any rebuild at start has begun); re-pinned if a keep-alive connection times out meanwhile
        workers = {pid: PinnedWorker(server.base, pid, conn) for pid, conn in discover_workers(server.base, 2).items()}
        try:
            deadline = time.monotonic() + 240
            while saved_kind(data_dir) != "hnsw" or log_count(server, REBUILD_STARTED) > log_count(server, REBUILD_DONE):
                assert time.monotonic() < deadline, server.log_tail(3000)
                time.sleep(0.2)
            claim_ids, _ = store_claims(data_dir)
            assert set(acknowledged) <= claim_ids, f"lost: {sorted(set(acknowledged) - claim_ids)[:10]}"
            for worker in workers.values():
                status, _, ready = worker("GET", "/readyz")
                assert status == 200 and ready["ready"] and ready["index_consistent"], ready
                assert ready["index_size"] == ready["store_claims"] == len(claim_ids), ready
                status, _, stats = worker("GET", "/v1/stats")
                assert stats["index"]["type"] == "hnsw" and stats["index"]["size"] == len(claim_ids), stats["index"]
                for claim_id, text in list(acknowledged.items())[-3:]:  # the latest writes, found by their text
                    status, _, found = worker("POST", "/v1/check", {"statement": text, "k": 1})
                    assert status == 200 and found["matches"][0]["claim_id"] == claim_id, (claim_id, found)
        finally:
            for worker in workers.values():
                worker.close()
    finally:
        server.stop()

    claim_ids = assert_saved_index_is_the_store(data_dir)  # saved by the workers' graceful stop
    assert saved_kind(data_dir) == "hnsw"
    print(f"\nkill -9 during a background rebuild: {len(kills)} cycles "
          f"({', '.join(str(k['rebuilds_in_flight']) for k in kills)} rebuilds in flight; "
          f"{sum(bool(k['temporary_files']) for k in kills)} kills left temporary index files; "
          f"{sum(k['acknowledged_during_rebuild'] for k in kills)} writes acknowledged during the rebuilds), "
          f"{len(acknowledged)} acknowledged writes, 0 lost; index = store = {len(claim_ids)} claims")


# --- kill -9 during concurrent ingestion ----------------------------------------------------------------------
def test_kill_9_during_concurrent_ingestion_loses_nothing(tmp_path: Path):
    """Four clients ingest articles through two workers; master and workers are killed three times once a few
    articles of the round are acknowledged (aiming at an index save in progress), and restarted."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    articles: dict[str, list[int]] = {}
    claims: dict[int, str] = {}
    kills: list[dict] = []
    server = Server(data_dir, workers=2, threads=2).start()
    try:
        for cycle in range(3):
            writers = Writers(server.base, cycle * 100_000, threads=4, articles=True)
            try:
                started_at = time.monotonic()
                while writers.acknowledged_since(started_at) < 6:
                    assert time.monotonic() < started_at + 180 and not writers.errors, writers.errors
                    time.sleep(0.01)
                aim_at_a_save(data_dir, 0.3)
                kills.append(kill_now(server))
            finally:
                writers.stop()
            articles.update(writers.acknowledged_articles)
            claims.update(writers.acknowledged)
            server = Server(data_dir, workers=2, threads=2).start()

        claim_ids, generation = store_claims(data_dir)
        assert set(claims) <= claim_ids, f"lost: {sorted(set(claims) - claim_ids)[:10]}"
        for article_id, article_claims in articles.items():
            status, _, body = once(server.base, "GET", f"/v1/articles/{article_id}")
            assert status == 200 and [c["claim_id"] for c in body["claims"]] == article_claims, (article_id, body)
        workers = {pid: PinnedWorker(server.base, pid, conn) for pid, conn in discover_workers(server.base, 2).items()}
        try:
            for worker in workers.values():
                status, _, ready = worker("GET", "/readyz")
                assert status == 200 and ready["index_consistent"] and ready["index_size"] == len(claim_ids), ready
                for claim_id, text in list(claims.items())[-2:]:
                    status, _, found = worker("POST", "/v1/check", {"statement": text, "k": 1})
                    assert found["matches"][0]["claim_id"] == claim_id, (claim_id, found)
        finally:
            for worker in workers.values():
                worker.close()
    finally:
        server.stop()
    assert_saved_index_is_the_store(data_dir)
    print(f"\nkill -9 during concurrent ingestion: {len(kills)} cycles "
          f"({sum(bool(k['temporary_files']) for k in kills)} left temporary index files), {len(articles)} acknowledged "
          f"articles with {len(claims)} claims, 0 lost; index = store = {len(claim_ids)} claims")


# --- kill -9 during `factcheck reindex --reembed` ---------------------------------------------------------------
REEMBED_CLAIMS, REEMBED_BATCH = 160, 8


def reembed_command(data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_EMBEDDING_BACKEND": "onnx-int8",
           "FACTCHECK_STANCE_MODEL": "polarity", "FACTCHECK_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "service.cli", "reindex", "--reembed",
                             "--batch-size", str(REEMBED_BATCH)], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def stored_vectors(data_dir: Path) -> tuple[dict[int, np.ndarray], dict[str, str]]:
    store = SQLiteStore(data_dir / "factcheck.sqlite3")
    try:
        vectors = {i: v for ids, batch in store.all_embeddings() for i, v in zip(ids, batch)}
        meta = {key: store.get_meta(key) for key in ("embedding_model", "reembed_target", "reembed_done_through")}
        return vectors, meta
    finally:
        store.close()


def test_kill_9_during_reindex_reembed_then_a_rerun_finishes(tmp_path: Path, onnx_export_dir: Path):
    from service.embeddings import OnnxEmbedder

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    old_server = Server(data_dir, workers=1, threads=2).start()  # encodes with the float32 model
    try:
        texts = [ferry_claim(n) for n in range(REEMBED_CLAIMS)]
        status, _, body = once(old_server.base, "POST", "/v1/claims", {"claims": [{"text": t} for t in texts]})
        assert status == 200 and all(c["created"] for c in body["claims"])
        text_of = {c["claim_id"]: t for c, t in zip(body["claims"], texts)}
        old_vectors, meta = stored_vectors(data_dir)
        old_model = meta["embedding_model"]
        int8 = OnnxEmbedder(export_dir=onnx_export_dir, quantized=True, threads=1)
        ids = sorted(text_of)
        # encoded in the batches reindex makes: int8 activations are quantised per batch, so the same text in another
        # batch differs by as much as the float32 model does (cosine down to 0.989 either way)
        new_vectors = {}
        for start in range(0, len(ids), REEMBED_BATCH):
            batch = ids[start:start + REEMBED_BATCH]
            new_vectors.update(zip(batch, int8.encode([text_of[i] for i in batch])))

        run = reembed_command(data_dir)
        batches = 0
        for line in run.stderr:  # one line per committed batch
            batches += line.startswith("re-embedded ")
            if batches == 2:
                kill_hard(run)
                break
        else:
            pytest.fail(f"the run ended before two batches: {run.wait()} {run.stdout.read()}")
        run.stdout.close()
        run.stderr.close()

        # the store is whole: claims up to the recorded progress carry the new vectors, the others the old ones
        vectors, meta = stored_vectors(data_dir)
        assert meta["embedding_model"] == old_model and meta["reembed_target"] == int8.name, meta
        done_through = int(meta["reembed_done_through"])
        assert 2 * REEMBED_BATCH <= ids.index(done_through) + 1 < REEMBED_CLAIMS, (done_through, "killed too late")
        assert store_claims(data_dir)[0] == set(ids)
        for claim_id in ids:
            if claim_id <= done_through:
                assert float(vectors[claim_id] @ new_vectors[claim_id]) > 0.99, claim_id
                assert np.abs(vectors[claim_id] - old_vectors[claim_id]).max() > 1e-4, claim_id
            else:
                assert np.array_equal(vectors[claim_id], old_vectors[claim_id]), claim_id
        # a server on the old model refuses writes and is not ready; it still answers checks
        status, headers, body = once(old_server.base, "POST", "/v1/claims", {"claims": [{"text": ferry_claim(999)}]})
        assert status == 503 and body["error"]["code"] == "reembedding" and headers.get("Retry-After"), body
        status, _, ready = once(old_server.base, "GET", "/readyz")
        assert status == 503 and not ready["ready"] and ready["writes_paused"], ready
        assert once(old_server.base, "POST", "/v1/check", {"statement": texts[0]})[0] == 200

        rerun = reembed_command(data_dir)
        out, err = rerun.communicate(timeout=300)
        assert rerun.returncode == 0, err[-3000:]
        progress = [line for line in err.splitlines() if line.startswith("re-embedded ")]
        remaining = REEMBED_CLAIMS - (ids.index(done_through) + 1)
        assert progress[-1].startswith(f"re-embedded {remaining} claims"), progress  # resumed, not restarted

        vectors, meta = stored_vectors(data_dir)
        assert meta == {"embedding_model": int8.name, "reembed_target": None, "reembed_done_through": None}, meta
        assert sorted(vectors) == ids
        for claim_id in ids:  # no claim keeps an old-model vector
            assert float(vectors[claim_id] @ new_vectors[claim_id]) > 0.99, claim_id
            assert np.abs(vectors[claim_id] - old_vectors[claim_id]).max() > 1e-4, claim_id
        status, _, body = once(old_server.base, "POST", "/v1/claims", {"claims": [{"text": ferry_claim(999)}]})
        assert status == 503 and body["error"]["code"] == "reembedding", body  # restart it with the new model
        assert once(old_server.base, "GET", "/readyz")[0] == 503
    finally:
        old_server.stop()

    new_server = Server(data_dir, workers=1, threads=2, env={"FACTCHECK_EMBEDDING_BACKEND": "onnx-int8"}).start()
    try:
        status, _, ready = once(new_server.base, "GET", "/readyz")
        assert status == 200 and ready["index_size"] == ready["store_claims"] == REEMBED_CLAIMS, ready
        status, _, found = once(new_server.base, "POST", "/v1/check", {"statement": texts[7], "k": 1})
        assert found["matches"][0]["claim_id"] == ids[7] and found["matches"][0]["similarity"] > 0.99
        status, _, body = once(new_server.base, "POST", "/v1/claims", {"claims": [{"text": ferry_claim(999)}]})
        assert status == 200 and body["claims"][0]["created"], body
    finally:
        new_server.stop()
    claim_ids, generation = store_claims(data_dir)
    saved, indexed = saved_index_claims(data_dir)
    assert saved.model == int8.name and indexed == claim_ids and saved.generation == generation
    print(f"\nkill -9 during reindex --reembed: killed after {done_through and ids.index(done_through) + 1} of "
          f"{REEMBED_CLAIMS} claims; the rerun re-encoded the other {remaining}; 0 old-model vectors left")
