"""Several gunicorn workers, concurrent clients: every ingested item is visible through every worker at once,
concurrent ingestion keeps the store and the index whole, and a restart opens the saved index without a rebuild.

Which worker answered is known from the ``X-Worker-PID`` response header. HTTP keep-alive (gthread workers) pins
a connection to the worker that accepted it, so one checker thread per worker can ask *that* worker.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from service.config import PROJECT_ROOT

from .live_server import free_port, log_tail

WORKERS, THREADS, CLIENTS = 3, 2, 4
ARTICLES_PER_CLIENT, CLAIMS_PER_BULK = 3, 4
VISIBLE_WITHIN_S = 1.0
PLACES = ["Tromso", "Bergen", "Aarhus", "Tampere", "Uppsala", "Reykjavik", "Gdansk", "Riga", "Tartu", "Oulu",
          "Malmo", "Odense"]
THINGS = ["bridge", "library", "tram line", "harbour", "stadium", "museum", "hospital wing", "ferry terminal",
          "ski lift", "concert hall", "fish market", "observatory"]


def article_text(client: int, number: int) -> str:
    place, thing = PLACES[(client * ARTICLES_PER_CLIENT + number) % len(PLACES)], THINGS[(client * 5 + number) % 12]
    return (f"The mayor of {place} said the new {thing} will open in week {client * 10 + number + 3}. "
            f"Council member Ingrid Holm-{client}{number} said the {thing} cost {client + 2}.{number} million euros.")


def claim_text(client: int, number: int) -> str:
    return (f"Fact check {client}-{number}: the {THINGS[(client + number * 7) % 12]} in "
            f"{PLACES[(client * 3 + number) % 12]} was built in {1900 + client * 20 + number} by volunteers.")


# --- talking to the server ----------------------------------------------------------------------------------
def request(conn: http.client.HTTPConnection, method: str, path: str, body: object | None = None,
            headers: dict | None = None) -> tuple[int, dict, object]:
    payload = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    kind = response.headers.get("Content-Type", "")
    data = json.loads(raw) if raw and kind.startswith("application/json") else raw.decode()
    return response.status, dict(response.headers), data


def once(base: str, method: str, path: str, body: object | None = None) -> tuple[int, dict, object]:
    """One request on a fresh connection: it lands on whichever worker accepts it."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        return request(conn, method, path, body)
    finally:
        conn.close()


def connect_to_worker(base: str, pid: int | None, deadline: float) -> tuple[int, http.client.HTTPConnection]:
    """A keep-alive connection to worker ``pid`` (any worker when None): open connections until one lands there."""
    host, port = base.removeprefix("http://").split(":")
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            status, headers, _ = request(conn, "GET", "/healthz")
        except (OSError, http.client.HTTPException):
            conn.close()
            time.sleep(0.2)
            continue
        served_by = int(headers["X-Worker-PID"])
        if status == 200 and (pid is None or served_by == pid):
            return served_by, conn
        conn.close()
    raise AssertionError(f"no connection to worker {pid} before the deadline")


def discover_workers(base: str, count: int, timeout: float = 240) -> dict[int, http.client.HTTPConnection]:
    """One pinned keep-alive connection per worker (workers accept only once their app is loaded)."""
    deadline = time.monotonic() + timeout
    pinned: dict[int, http.client.HTTPConnection] = {}
    while len(pinned) < count:
        pid, conn = connect_to_worker(base, None, deadline)
        if pid in pinned:
            conn.close()
        else:
            pinned[pid] = conn
    return pinned


class PinnedWorker:
    """Requests to one worker; re-pins when gunicorn closes the idle keep-alive connection."""

    def __init__(self, base: str, pid: int, conn: http.client.HTTPConnection) -> None:
        self.base, self.pid, self.conn = base, pid, conn

    def __call__(self, method: str, path: str, body: object | None = None) -> tuple[int, dict, object]:
        for _ in range(3):
            try:
                status, headers, data = request(self.conn, method, path, body)
            except (OSError, http.client.HTTPException):  # keep-alive timed out: pin a new connection
                self.conn.close()
                _, self.conn = connect_to_worker(self.base, self.pid, time.monotonic() + 60)
                continue
            assert int(headers["X-Worker-PID"]) == self.pid
            return status, headers, data
        raise AssertionError(f"worker {self.pid} unreachable")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Server:
    data_dir: Path
    workers: int
    threads: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    ready_s: float = 0.0
    env: dict[str, str] = field(default_factory=dict)  # extra FACTCHECK_* settings
    seeds: bool = False  # ingest seeds/ before serving

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"server-{self.port}.log"

    def log_tail(self, chars: int = 4000) -> str:
        return log_tail(self.log_path, chars)

    def start(self, wait_ready: bool = True) -> "Server":
        """Start serving; return once /readyz answers 200 (at once without ``wait_ready``)."""
        env = {**os.environ, "FACTCHECK_DATA_DIR": str(self.data_dir), "FACTCHECK_LOG_LEVEL": "INFO",
               "FACTCHECK_STANCE_MODEL": "polarity", "FACTCHECK_INDEX_SAVE_INTERVAL_S": "0",
               "FACTCHECK_COUNTS_CACHE_S": "0"}  # /metrics counts every write at once
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(self.env)
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port), "--workers",
                 str(self.workers), "--threads", str(self.threads), "--keepalive", "30",
                 *([] if self.seeds else ["--no-seeds"])],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        started = time.monotonic()
        deadline = started + 240
        while wait_ready and time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited: {self.log_tail(3000)}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=120) as response:
                    if response.status == 200:
                        self.ready_s = time.monotonic() - started
                        return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        if not wait_ready:
            return self
        pytest.fail("server did not become ready in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


# --- the concurrent run -------------------------------------------------------------------------------------
@dataclass
class Run:
    server: Server
    workers: dict[int, PinnedWorker]  # the test's own connections, one per worker
    article_posts: list[tuple[int, int, dict]] = field(default_factory=list)  # (status, pid, body)
    duplicate_posts: list[tuple[int, dict]] = field(default_factory=list)
    claim_posts: list[tuple[int, dict]] = field(default_factory=list)
    duplicate_claim_posts: list[tuple[int, dict]] = field(default_factory=list)
    # (worker pid, claim id, seconds from the ingest response to sending the check, and to its answer)
    confirmations: list[tuple[int, int, float, float]] = field(default_factory=list)
    stale_answers: list[tuple[int, int, float, float]] = field(default_factory=list)  # answers without the item
    first_items: set[int] = field(default_factory=set)  # the first claim asked for after each ingest response
    expected_claims: int = 0
    expected_articles: int = 0
    client_errors: list[str] = field(default_factory=list)  # a failed client's traceback


def confirm(worker: PinnedWorker, items: list[tuple[int, str]], answered_at: float, run: Run,
            lock: threading.Lock) -> None:
    """Ask one worker for each just-ingested claim; any answer without it is stale."""
    for claim_id, text in items:  # one response's claims: one transaction, visible at the same moment
        while True:
            sent = time.perf_counter() - answered_at
            status, _, body = worker("POST", "/v1/check", {"statement": text, "k": 10, "min_similarity": 0.5})
            delay = time.perf_counter() - answered_at
            assert status == 200, body
            found = any(m["claim_id"] == claim_id for m in body["matches"])
            with lock:
                (run.confirmations if found else run.stale_answers).append((worker.pid, claim_id, sent, delay))
            if found or delay > 10 * VISIBLE_WITHIN_S:
                break


def ingest_client(number: int, run: Run, barrier: threading.Barrier, lock: threading.Lock) -> None:
    """Distinct articles and a bulk of claims, then the same article and the same claim as every other client.

    Each ingest goes out on a fresh connection (any worker takes it); right after its response the client asks
    every worker at once, each on the client's own keep-alive connection to that worker.
    """
    base = run.server.base
    deadline = time.monotonic() + 120
    mine = {pid: PinnedWorker(base, pid, connect_to_worker(base, pid, deadline)[1]) for pid in run.workers}
    pool = ThreadPoolExecutor(len(mine))

    def confirm_everywhere(items: list[tuple[int, str]]) -> None:
        answered_at = time.perf_counter()
        with lock:
            run.first_items.add(items[0][0])
        for future in [pool.submit(confirm, w, items, answered_at, run, lock) for w in mine.values()]:
            future.result()

    try:
        for i in range(ARTICLES_PER_CLIENT):
            status, headers, body = once(base, "POST", "/v1/articles",
                                         {"text": article_text(number, i), "outlet": f"Client {number}"})
            confirm_everywhere([(body["claims"][0]["claim_id"], body["claims"][0]["text"])])
            with lock:
                run.article_posts.append((status, int(headers["X-Worker-PID"]), body))
        records = [{"text": claim_text(number, j), "external_id": f"fc-{number}-{j}", "source": "Test Checkers"}
                   for j in range(CLAIMS_PER_BULK)]
        status, _, body = once(base, "POST", "/v1/claims", {"claims": records})
        confirm_everywhere([(r["claim_id"], record["text"]) for record, r in zip(records, body["claims"])][::-1])
        with lock:
            run.claim_posts.append((status, body))
        barrier.wait()  # every client at once: the same article ...
        status, _, body = once(base, "POST", "/v1/articles", {"text": article_text(99, 0), "outlet": "Everyone"})
        with lock:
            run.duplicate_posts.append((status, body))
        confirm_everywhere([(body["claims"][0]["claim_id"], body["claims"][0]["text"])])
        barrier.wait()  # ... and the same fact-check record
        status, _, body = once(base, "POST", "/v1/claims", {"claims": [{"text": claim_text(99, 0)}]})
        with lock:
            run.duplicate_claim_posts.append((status, body))
        confirm_everywhere([(body["claims"][0]["claim_id"], claim_text(99, 0))])
    except BaseException:
        with lock:
            run.client_errors.append(f"client {number}:\n{traceback.format_exc()}")
        barrier.abort()  # the other clients stop at the barrier instead of waiting out its timeout
        raise
    finally:
        pool.shutdown()
        for worker in mine.values():
            worker.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    server = Server(tmp_path_factory.mktemp("concurrency"), WORKERS, THREADS).start()
    started = time.perf_counter()
    try:
        workers = {pid: PinnedWorker(server.base, pid, conn)
                   for pid, conn in discover_workers(server.base, WORKERS).items()}
        print(f"\nserver with {WORKERS} workers ready in {server.ready_s:.1f} s")
        result = Run(server, workers)
        lock = threading.Lock()
        barrier = threading.Barrier(CLIENTS, timeout=300)
        clients = [threading.Thread(target=ingest_client, args=(n, result, barrier, lock)) for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=300)
        failed = [e for e in result.client_errors if "BrokenBarrierError" not in e] or result.client_errors
        assert not failed, f"{failed[0]}\nserver log:\n{server.log_tail()}"
        assert not any(t.is_alive() for t in clients), \
            f"a client thread hung\nserver log:\n{server.log_tail()}"
        created_articles = [b for s, _, b in result.article_posts if s == 201] + \
                           [b for s, b in result.duplicate_posts if s == 201]
        result.expected_articles = len(created_articles)
        result.expected_claims = sum(len(b["claims"]) for b in created_articles) + sum(
            c["created"] for _, b in result.claim_posts + result.duplicate_claim_posts for c in b["claims"])
        print(f"concurrent phase: {time.perf_counter() - started:.1f} s; {WORKERS} workers x {THREADS} threads, "
              f"{CLIENTS} clients")
        yield result
    finally:
        server.stop()


def test_concurrent_duplicates_create_exactly_one(run: Run):
    assert all(status == 201 for status, _, _ in run.article_posts)
    statuses = sorted(status for status, _ in run.duplicate_posts)
    assert statuses == [200] * (CLIENTS - 1) + [201]
    assert len({body["id"] for _, body in run.duplicate_posts}) == 1
    assert len({tuple(c["claim_id"] for c in body["claims"]) for _, body in run.duplicate_posts}) == 1
    created = [body["claims"][0]["created"] for _, body in run.duplicate_claim_posts]
    assert sorted(created) == [False] * (CLIENTS - 1) + [True]
    assert len({body["claims"][0]["claim_id"] for _, body in run.duplicate_claim_posts}) == 1
    # Ingestion itself was spread over several workers, and no claim id was handed out twice.
    assert len({pid for _, pid, _ in run.article_posts}) >= 2
    claim_ids = [c["claim_id"] for _, _, b in run.article_posts for c in b["claims"]]
    claim_ids += [c["claim_id"] for _, b in run.claim_posts for c in b["claims"]]
    assert len(claim_ids) == len(set(claim_ids))


def test_every_item_is_found_through_every_worker_at_once(run: Run):
    items = {claim_id for _, claim_id, _, _ in run.confirmations}
    assert len(items) == CLIENTS * (ARTICLES_PER_CLIENT + CLAIMS_PER_BULK) + 2
    by_worker = {pid: {c for p, c, _, _ in run.confirmations if p == pid} for pid in run.workers}
    assert all(found == items for found in by_worker.values()), "an item was never found through some worker"
    # The first check per ingest response and worker (a bulk's other claims are asked for one after another).
    firsts = [c for c in run.confirmations if c[1] in run.first_items]
    sent = sorted(s for _, _, s, _ in firsts)
    answered = sorted(d for _, _, _, d in firsts)

    def figures(values: list[float]) -> str:
        return (f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {values[int(0.95 * (len(values) - 1))] * 1000:.0f}"
                f" ms, max {values[-1] * 1000:.0f} ms")

    print(f"{len(run.confirmations)} checks, one per item and worker, stale answers {len(run.stale_answers)}; "
          f"first check per ingest response and worker ({len(sent)}): ingest response -> check sent: {figures(sent)}; "
          f"-> answer with the item (upper bound of the visibility delay, includes the check's own latency): "
          f"{figures(answered)}")
    # Every worker's first answer to a check sent after the ingest response already had the item, so the item
    # was visible through every worker to any request sent after that response (a delay of zero) ...
    assert run.stale_answers == []
    # ... and every worker was asked within the required bound (the answers' latency is the machine's load).
    assert sent[-1] < VISIBLE_WITHIN_S


def test_store_and_index_agree_on_every_worker(run: Run):
    generations = set()
    for worker in run.workers.values():
        status, _, ready = worker("GET", "/readyz")
        assert status == 200 and ready["index_consistent"], ready
        status, _, stats = worker("GET", "/v1/stats")
        assert status == 200
        assert stats["claims"] == run.expected_claims == stats["index"]["size"] == ready["index_size"]
        assert stats["articles"] == run.expected_articles
        assert stats["index"]["generation"] == stats["index"]["store_generation"]
        generations.add(stats["index"]["generation"])
    assert len(generations) == 1


def test_metrics_count_the_requests_of_all_workers(run: Run):
    created = sum(status == 201 for status, _, _ in run.article_posts + [(s, 0, b) for s, b in run.duplicate_posts])
    samples = []
    for worker in run.workers.values():
        status, headers, text = worker("GET", "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        samples.append({line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                        for line in text.splitlines() if line and not line.startswith("#")})
    for sample in samples:  # every worker reports the sum over all workers
        assert sample['factcheck_http_requests_total{endpoint="/v1/articles",method="POST",status="201"}'] == created
        assert sample['factcheck_http_requests_total{endpoint="/v1/articles",method="POST",status="200"}'] == \
            CLIENTS - 1
        assert sample["factcheck_store_claims"] == run.expected_claims
        assert sample['factcheck_index_size{type="flat"}'] == run.expected_claims
        assert sample["factcheck_embedding_seconds_count"] >= created + len(run.confirmations)


def test_restart_opens_the_saved_index_without_rebuilding(run: Run):
    sample = {c["claim_id"]: c["text"] for _, _, b in run.article_posts[:4] for c in b["claims"][:1]}
    worker = next(iter(run.workers.values()))
    before = {claim_id: worker("POST", "/v1/check", {"statement": text, "k": 5})[2]["matches"]
              for claim_id, text in sample.items()}
    for pinned in run.workers.values():
        pinned.close()
    run.server.stop()

    data_dir = run.server.data_dir
    with sqlite3.connect(data_dir / "factcheck.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store_generation = db.execute("SELECT MAX(seq) FROM changes").fetchone()[0]
        claims = db.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        adds = db.execute("SELECT COUNT(*) FROM changes WHERE op = 'add'").fetchone()[0]
    assert claims == adds == run.expected_claims
    saved = json.loads((data_dir / "index.json").read_text())
    assert saved["generation"] == store_generation and saved["count"] == claims  # saved by the stopping workers

    restarted = Server(data_dir, workers=1, threads=THREADS).start()
    try:
        log = restarted.log_path.read_text()
        assert "rebuilding" not in log and "Booting worker" in log
        status, _, stats = once(restarted.base, "GET", "/v1/stats")
        assert stats["index"]["size"] == claims and stats["index"]["generation"] == store_generation
        for claim_id, text in sample.items():
            after = once(restarted.base, "POST", "/v1/check", {"statement": text, "k": 5})[2]["matches"]
            assert [(m["claim_id"], m["similarity"]) for m in after] == \
                [(m["claim_id"], m["similarity"]) for m in before[claim_id]]
            assert after[0]["claim_id"] == claim_id
    finally:
        restarted.stop()


def test_concurrent_index_saves_never_pair_one_index_with_another_state(tmp_path):
    """Savers racing on one path (workers saving after their syncs): every load is one save's index and state."""
    import faiss
    import numpy as np

    from service.index import VectorIndex, claims_of_keys

    path = tmp_path / "index.faiss"
    savers = []
    for generation in (1, 2):  # same count, different generations: only the ids tell them apart
        index = VectorIndex(4, "m")
        index.add(np.arange(10) + generation * 100, np.ones((10, 4), dtype=np.float32))
        index.generation = generation
        savers.append(index)
    savers[0].save(path)
    errors: list[BaseException] = []

    def save_repeatedly(index: VectorIndex) -> None:
        try:
            for _ in range(150):
                index.save(path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save_repeatedly, args=(index,)) for index in savers * 2]
    for thread in threads:
        thread.start()
    loads = mismatched = 0
    while any(thread.is_alive() for thread in threads):
        loaded = VectorIndex.load(path)
        assert loaded is not None
        loads += 1
        first_id = int(claims_of_keys(faiss.vector_to_array(loaded._index.id_map))[0])
        mismatched += first_id // 100 != loaded.generation
    for thread in threads:
        thread.join()
    assert errors == [] and loads > 0 and mismatched == 0


def test_readiness_stays_true_while_another_process_writes(make_engine, embedder):
    """/readyz compares the index with the store: a write by another worker in between must not fail it."""
    from service.store import NewClaim

    writer, reader = make_engine(stance_model="polarity"), make_engine(stance_model="polarity")  # one data dir
    vectors = embedder.encode([f"Inspectors said ferry number {i} in the fleet failed its safety check."
                               for i in range(50)])
    answers: list[bool] = []
    written = 0

    def write() -> None:  # one claim per transaction, as fast as the store takes them, until enough answers
        nonlocal written
        deadline = time.monotonic() + 30
        while len(answers) < 200 and time.monotonic() < deadline:
            text = f"Inspectors said ferry number {written} in the fleet failed its safety check."
            writer.store.add_standalone_claims([NewClaim(text=text, embedding=vectors[written % len(vectors)])])
            written += 1

    thread = threading.Thread(target=write)
    thread.start()
    while thread.is_alive():
        answers.append(reader.readiness()["ready"])
    thread.join()
    assert len(answers) >= 200 and all(answers), f"{answers.count(False)} of {len(answers)} not ready"
    final = reader.readiness()
    assert final["ready"] and final["index_size"] == final["store_claims"] == written
