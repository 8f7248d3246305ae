"""Benchmark: ingestion rate and /v1/check latency, each next to the raw model / index floor of the same run.

    python scripts/bench.py [--articles 300] [--queries 200] [--fnc1 ../shared/data/fnc1]

Articles are real news bodies from FNC-1 (plus the seeds); statements are FNC-1 headlines.
The claims' resolved texts (a second vector per claim that answers something, FACTCHECK_INDEX_RESOLVED_TEXT) are
measured against the same store without them: index memory (the serialized FAISS index, flat and HNSW), and
/v1/check latency in process and over HTTP (two servers, one of each, taking turns per statement).

    python scripts/bench.py --against ../other-checkout [--articles 300] [--queries 200]

compares this tree's code with another checkout of the project (an earlier commit, the main branch): the same
store is built once by this tree, copied, and served by one server of each code, taking turns per statement; it
prints both HTTP /v1/check latencies, their ratio at p50, and the index memory with and without second vectors.

The HTTP requests (one keep-alive client per server) also take turns with ``engine.check`` and the floor (encode +
search) in this process, on the same store with the same k, stance model and threads: HTTP / engine.check and
engine.check / floor come from those turns. Ingestion here is one article at a time; scripts/bench_ingest.py
measures bulk ingestion.
"""
from __future__ import annotations

import argparse
import copy
import csv
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402

from service.config import Config  # noqa: E402
from service.engine import FactCheckEngine  # noqa: E402
from service.index import make_index  # noqa: E402
from service.ingest import ingest_paths  # noqa: E402
from service.retrieval import Retriever  # noqa: E402
from service.stance import Stance, load_stance_model  # noqa: E402
from service.stance.facts import FactReader  # noqa: E402

csv.field_size_limit(10**8)


def load_fnc1(folder: Path, articles: int, queries: int, seed: int) -> tuple[list[str], list[str]]:
    with (folder / "train_bodies.csv").open(encoding="utf-8") as f:
        bodies = [row["articleBody"] for row in csv.DictReader(f)]
    with (folder / "train_stances.csv").open(encoding="utf-8") as f:
        headlines = sorted({row["Headline"] for row in csv.DictReader(f)})
    rng = random.Random(seed)
    return rng.sample(bodies, min(articles, len(bodies))), rng.sample(headlines, min(queries, len(headlines)))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoStance:
    """Stands in for the stance model to time search alone."""

    name = "none"

    def classify(self, statement: str, claims: list, statement_vector: object = None) -> list[Stance]:
        return [Stance("neutral", 1.0) for _ in claims]


def bench_ingestion(engine: FactCheckEngine, bodies: list[str]) -> dict:
    started = time.perf_counter()
    for body in bodies:
        engine.ingest_article(body, outlet="FNC-1")
    ingest_s = time.perf_counter() - started
    claims = [text for _, texts in engine.store.all_claim_texts() for text in texts]
    started = time.perf_counter()
    engine.embedder.encode(claims)
    encode_s = time.perf_counter() - started
    return {"articles": len(bodies), "claims": len(claims), "ingest_claims_per_s": len(claims) / ingest_s,
            "encode_claims_per_s": len(claims) / encode_s}


def index_memory(engine: FactCheckEngine) -> dict:
    """Bytes of the serialized FAISS index over the store, with and without the resolved texts' vectors."""
    figures: dict = {}
    for kind in ("flat", "hnsw"):
        for second in (True, False):
            index = make_index(kind, engine.embedder.dim, engine.embedder.name, second, **engine._index_params())
            index.build(engine.store.all_index_vectors(second=second))
            figures[kind, second] = (index.size, index.vectors, int(faiss.serialize_index(index._index).nbytes))
    return figures


def without_resolved_texts(engine: FactCheckEngine) -> tuple:
    """An index and a retriever over the same store without the claims' resolved texts."""
    index = make_index(engine.index.kind, engine.embedder.dim, engine.embedder.name, False, **engine._index_params())
    index.build(engine.store.all_index_vectors(second=False))
    index.generation = engine.index.generation
    retriever = Retriever(engine.config.with_overrides(index_resolved_text=False), engine.store, engine.embedder)
    retriever.rebuild()
    return index, retriever


def bench_in_process(engine: FactCheckEngine, statements: list[str], k: int, baseline=None,  # noqa: ANN001
                     sequential=None, other=None, cold=None) -> dict:  # noqa: ANN001
    """Floor, search only, with stance, with stance and per-source verdicts (and with the baseline stance model,
    with the stance model judging pairs one after another, with the stance model parsing every claim it checks
    itself, and without the resolved texts): the variants take turns per statement, so that a change in machine
    load falls on all of them alike. Every check parses its statement (no variant reuses another's parse); the
    stored claims' parses are those the warmer made at ingestion, except for ``cold``, which starts without."""
    model, no_stance = engine.stance_model, NoStance()
    variants = {
        "floor": lambda s: engine.index.search(engine.embedder.encode([s])[0], k),
        "check_search_only": lambda s: engine.check(s, k=k, min_similarity=0.0, include_sources=False),
        "check_with_stance": lambda s: engine.check(s, k=k, min_similarity=0.0, include_sources=False),
        "check_with_sources": lambda s: engine.check(s, k=k, min_similarity=0.0),
        "check_without_resolved_texts": lambda s: engine.check(s, k=k, min_similarity=0.0),
    }
    if baseline is not None:
        variants["check_with_baseline_stance"] = variants["check_with_stance"]
    if sequential is not None:
        variants["check_with_sequential_stance"] = variants["check_with_stance"]
    if other is not None:
        variants["check_with_other_claim_model"] = variants["check_with_stance"]
    if cold is not None:
        variants["check_with_cold_facts"] = variants["check_with_stance"]
    chosen = {"check_search_only": no_stance, "check_with_baseline_stance": baseline,
              "check_with_sequential_stance": sequential, "check_with_other_claim_model": other,
              "check_with_cold_facts": cold}
    full = (engine.index, engine.retriever)
    plain = without_resolved_texts(engine)
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for number, statement in enumerate(statements):
        names = list(variants)
        for name in names[number % len(names):] + names[:number % len(names)]:
            engine.stance_model = chosen.get(name) or model
            engine.index, engine.retriever = plain if name == "check_without_resolved_texts" else full
            reader = getattr(engine.stance_model, "facts", None)  # the 'fact' model's parses (FactReader)
            if reader is not None:
                reader.clear(claims=name == "check_with_cold_facts")
            started = time.perf_counter()
            variants[name](statement)
            timings[name].append(time.perf_counter() - started)
    engine.stance_model = model
    engine.index, engine.retriever = full
    return timings


class KeepAliveClient:
    """POSTs JSON over one keep-alive connection, as a client of the service would."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def post(self, path: str, body: dict) -> dict:
        self._connection.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        response = self._connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {payload[:200]!r}")
        return json.loads(payload)

    def close(self) -> None:
        self._connection.close()


def bench_http(data_dirs: dict[str, tuple[Path, dict[str, str]]], statements: list[str], k: int, workers: int,
               stance_model: str, code: dict[str, Path] | None = None,
               in_process: dict[str, Callable[[str], object]] | None = None) -> dict[str, list[float]]:
    """/v1/check latency of one server per variant (its data directory and FACTCHECK_* settings; its code, this
    tree unless ``code`` names another checkout), all running at once, and of the ``in_process`` calls, all taking
    turns per statement (a change in machine load falls on all of them alike)."""
    processes, urls, clients = [], {}, []
    try:
        for name, (data_dir, settings) in data_dirs.items():
            port = free_port()
            root = (code or {}).get(name, ROOT)
            env = {**os.environ, "FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_LOG_LEVEL": "WARNING",
                   "FACTCHECK_STANCE_MODEL": stance_model, "PYTHONPATH": str(root), **settings}
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--no-seeds", "--workers",
                 str(workers)], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True))
            urls[name] = f"http://127.0.0.1:{port}"
        calls: dict[str, Callable[[str], object]] = dict(in_process or {})
        for name, url in urls.items():
            for _ in range(480):
                try:
                    urllib.request.urlopen(url + "/readyz", timeout=5)
                    break
                except OSError:
                    time.sleep(0.5)
            client = KeepAliveClient(url)
            clients.append(client)
            calls[name] = lambda statement, client=client: client.post(
                "/v1/check", {"statement": statement, "k": k, "min_similarity": 0.0})
        for statement in statements[:10]:  # warm-up
            for call in calls.values():
                call(statement)
        latencies: dict[str, list[float]] = {name: [] for name in calls}
        names = list(calls)
        for number, statement in enumerate(statements):
            for name in names[number % len(names):] + names[:number % len(names)]:
                started = time.perf_counter()
                calls[name](statement)
                latencies[name].append(time.perf_counter() - started)
        return latencies
    finally:
        for client in clients:  # an open keep-alive connection would hold the worker's graceful stop
            client.close()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:  # a server saves its index on the way out: slow on a busy machine
            try:
                process.wait(timeout=180)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fnc1", type=Path, default=ROOT.parent / "shared" / "data" / "fnc1")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--stance-model", default=os.environ.get("FACTCHECK_STANCE_MODEL", Config().stance_model))
    parser.add_argument("--baseline-stance", default="trained",
                        help="stance model timed beside it in the same run ('' for none)")
    parser.add_argument("--other-claim-model", type=Path,
                        help="another 'fact' model directory (e.g. a smaller student) timed beside it in the same run")
    parser.add_argument("--model-alone", action="store_true",
                        help="time the 'fact' model without the parse's fact checks beside it in the same run")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--against", type=Path, help="another checkout whose /v1/check is timed beside this tree's")
    args = parser.parse_args()

    bodies, statements = load_fnc1(args.fnc1, args.articles, args.queries, args.seed)
    if args.against:
        compare_code(args, bodies, statements)
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = Config.from_env(data_dir=Path(tmp) / "data", stance_model=args.stance_model)
        engine = FactCheckEngine(config)
        list(ingest_paths(engine, [ROOT / "seeds"]))
        engine.embedder.encode(statements[:5])  # warm-up
        ingestion = bench_ingestion(engine, bodies)
        engine.stance_warmer.wait(600)  # the claims' parses for the stance model, made beside the ingestion
        baseline = None
        if args.baseline_stance and args.baseline_stance != args.stance_model:
            baseline = load_stance_model(config.with_overrides(stance_model=args.baseline_stance), engine.embedder)
        sequential = None
        if config.stance_parallelism > 1:
            sequential = load_stance_model(config.with_overrides(stance_parallelism=1), engine.embedder)
        other = None
        if args.model_alone:
            other = load_stance_model(config.with_overrides(stance_fact_checks=False), engine.embedder)
        elif args.other_claim_model:
            other = load_stance_model(config.with_overrides(claim_stance_model=args.other_claim_model.resolve()),
                                      engine.embedder)
        cold = None
        if getattr(engine.stance_model, "facts", None) is not None:
            cold = copy.copy(engine.stance_model)  # the same model with parses of its own: no claim's to start
            cold.facts = FactReader()
            for variant in (sequential, other):  # the claims' parses made at ingestion, as the service has them
                if getattr(variant, "facts", None) is not None:
                    variant.facts = engine.stance_model.facts
        timings = bench_in_process(engine, statements, args.k, baseline, sequential, other, cold)
        memory = index_memory(engine)
        engine.close()
        shutil.copytree(Path(tmp) / "data", Path(tmp) / "plain")
        # The same store, settings and stance model in this process, timed in turn with the servers.
        beside = FactCheckEngine(config, embedder=engine.embedder, stance_model=engine.stance_model,
                                 extractor=engine.extractor, checkworthiness=engine.checkworthiness)
        both = bench_http({"resolved": (Path(tmp) / "data", {"FACTCHECK_INDEX_RESOLVED_TEXT": "1"}),
                           "plain": (Path(tmp) / "plain", {"FACTCHECK_INDEX_RESOLVED_TEXT": "0"})},
                          statements, args.k, workers=1, stance_model=args.stance_model,
                          in_process={"engine.check": lambda s: beside.check(s, k=args.k, min_similarity=0.0),
                                      "floor": lambda s: beside.index.search(beside.embedder.encode([s])[0],
                                                                             args.k)})
        beside.close()
        http = both["resolved"]

    ms = lambda values, q: 1000 * percentile(values, q)  # noqa: E731
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"{config.torch_threads} thread(s) per model")
    print(f"corpus: {ingestion['articles']} FNC-1 articles + 5 seeds -> {ingestion['claims']} claims; "
          f"{len(statements)} statements, k={args.k}, stance model '{args.stance_model}'")
    print(f"ingestion: {ingestion['ingest_claims_per_s']:.1f} claims/s (extract + embed + store + index)")
    print(f"raw model encode: {ingestion['encode_claims_per_s']:.1f} claims/s (same texts, one batch call)")
    print(f"ingestion / raw encode: {ingestion['ingest_claims_per_s'] / ingestion['encode_claims_per_s']:.2f}")
    print(f"in-process floor (encode + index search): p50 {ms(timings['floor'], 50):.2f} ms, "
          f"p95 {ms(timings['floor'], 95):.2f} ms")
    print(f"engine.check search only (no stance): p50 {ms(timings['check_search_only'], 50):.2f} ms, "
          f"p95 {ms(timings['check_search_only'], 95):.2f} ms")
    print(f"engine.check with stance: p50 {ms(timings['check_with_stance'], 50):.2f} ms, "
          f"p95 {ms(timings['check_with_stance'], 95):.2f} ms")
    stance_cost = median(timings["check_with_stance"]) - median(timings["check_search_only"])
    print(f"stance cost over k={args.k}: {1000 * stance_cost:+.2f} ms at p50")
    if "check_with_cold_facts" in timings:
        cold_cost = median(timings["check_with_cold_facts"]) - median(timings["check_search_only"])
        print(f"the same stance model parsing the stored claims itself, at their first check "
              f"(FACTCHECK_STANCE_WARM_CLAIMS=0, or any claim not parsed yet) in the same run: {1000 * cold_cost:+.2f} "
              f"ms at p50 (parsed beforehand: {1000 * stance_cost:+.2f} ms; {stance_cost / cold_cost:.2f} of it)")
    if sequential is not None:
        one_cost = median(timings["check_with_sequential_stance"]) - median(timings["check_search_only"])
        print(f"the same stance model judging pairs one after another (FACTCHECK_STANCE_PARALLELISM=1) in the same "
              f"run: {1000 * one_cost:+.2f} ms at p50 (parallelism {config.stance_parallelism}: "
              f"{1000 * stance_cost:+.2f} ms)")
    if other is not None:
        other_cost = median(timings["check_with_other_claim_model"]) - median(timings["check_search_only"])
        what = "the 'fact' model without fact checks" if args.model_alone \
            else f"'fact' model from {args.other_claim_model}"
        print(f"{what} cost over k={args.k} in the same run: "
              f"{1000 * other_cost:+.2f} ms at p50 ({other_cost / stance_cost:.2f} of the configured one)")
    if baseline is not None:
        base_cost = median(timings["check_with_baseline_stance"]) - median(timings["check_search_only"])
        print(f"baseline stance model '{args.baseline_stance}' cost over k={args.k} in the same run: "
              f"{1000 * base_cost:+.2f} ms at p50")
    print(f"engine.check with stance and per-source verdicts (the default): p50 "
          f"{ms(timings['check_with_sources'], 50):.2f} ms, p95 {ms(timings['check_with_sources'], 95):.2f} ms")
    sources_cost = median(timings["check_with_sources"]) - median(timings["check_with_stance"])
    print(f"per-source verdicts cost: {1000 * sources_cost:+.2f} ms at p50")
    print(f"HTTP /v1/check (gunicorn, 1 worker): p50 {ms(http, 50):.2f} ms, p95 {ms(http, 95):.2f} ms")
    plain = both["plain"]
    print(f"HTTP /v1/check without resolved texts (FACTCHECK_INDEX_RESOLVED_TEXT=0, same store, same run): "
          f"p50 {ms(plain, 50):.2f} ms, p95 {ms(plain, 95):.2f} ms; with / without at p50: "
          f"{percentile(http, 50) / percentile(plain, 50):.3f}")
    inner, outer = timings["check_with_sources"], timings["check_without_resolved_texts"]
    print(f"engine.check without resolved texts: p50 {ms(outer, 50):.2f} ms; with / without at p50: "
          f"{median(inner) / median(outer):.3f}")
    print_memory(memory)
    print(f"HTTP p50 / floor p50: {percentile(http, 50) / percentile(timings['floor'], 50):.2f}; "
          f"HTTP p95 / floor p95: {percentile(http, 95) / percentile(timings['floor'], 95):.2f}")
    inner, floor = both["engine.check"], both["floor"]
    print(f"taking turns with the HTTP requests (same store, k, stance model and threads): engine.check p50 "
          f"{ms(inner, 50):.2f} ms, floor p50 {ms(floor, 50):.2f} ms, HTTP p50 {ms(http, 50):.2f} ms")
    print(f"HTTP p50 / engine.check p50: {percentile(http, 50) / percentile(inner, 50):.3f} (target <= 1.3); "
          f"HTTP p95 / engine.check p95: {percentile(http, 95) / percentile(inner, 95):.3f}")
    print(f"default path (engine.check) p50 / floor p50: {percentile(inner, 50) / percentile(floor, 50):.2f} "
          f"(target <= 1.5); HTTP p50 / floor p50: {percentile(http, 50) / percentile(floor, 50):.2f}")


def print_memory(memory: dict) -> None:
    for kind in ("flat", "hnsw"):
        claims, vectors, with_bytes = memory[kind, True]
        _, _, without_bytes = memory[kind, False]
        print(f"index memory ({kind}, serialized): {with_bytes / 2**20:.2f} MiB for {claims} claims with "
              f"{vectors - claims} second vectors vs {without_bytes / 2**20:.2f} MiB without: "
              f"{with_bytes / without_bytes:.3f}x")


def compare_code(args: argparse.Namespace, bodies: list[str], statements: list[str]) -> None:
    """HTTP /v1/check of this tree and of ``args.against`` over copies of one store, taking turns."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = FactCheckEngine(Config.from_env(data_dir=Path(tmp) / "data", stance_model=args.stance_model))
        list(ingest_paths(engine, [ROOT / "seeds"]))
        ingestion = bench_ingestion(engine, bodies)
        engine.stance_warmer.wait(600)  # the claims' parses for the stance model, made beside the ingestion
        memory = index_memory(engine)
        engine.close()
        shutil.copytree(Path(tmp) / "data", Path(tmp) / "other")
        both = bench_http({"this": (Path(tmp) / "data", {}), "other": (Path(tmp) / "other", {})}, statements,
                          args.k, workers=1, stance_model=args.stance_model,
                          code={"this": ROOT, "other": args.against.resolve()})
    ms = lambda values, q: 1000 * percentile(values, q)  # noqa: E731
    print(f"corpus: {ingestion['articles']} FNC-1 articles + 5 seeds -> {ingestion['claims']} claims; "
          f"{len(statements)} statements, k={args.k}, stance model '{args.stance_model}'")
    print_memory(memory)
    this, other = both["this"], both["other"]
    print(f"HTTP /v1/check (gunicorn, 1 worker), this tree: p50 {ms(this, 50):.2f} ms, p95 {ms(this, 95):.2f} ms")
    print(f"HTTP /v1/check (gunicorn, 1 worker), {args.against}: p50 {ms(other, 50):.2f} ms, "
          f"p95 {ms(other, 95):.2f} ms")
    print(f"this / other at p50: {percentile(this, 50) / percentile(other, 50):.3f}; "
          f"at p95: {percentile(this, 95) / percentile(other, 95):.3f}")


if __name__ == "__main__":
    main()
