"""Retrieval quality on CLEF CheckThat! 2020 task 2 files, through the service's own import and search paths.

    python scripts/evaluate_retrieval.py --claims verified_claims.docs.tsv --queries tweets.queries.tsv \
        --qrels tweet-vclaim-pairs.qrels [--baseline] [--k 10] [--stance-model polarity]

The verified claims are imported with ``FactCheckEngine.ingest_claims`` (the bulk path behind POST /v1/claims,
batches of at most FACTCHECK_MAX_BULK_CLAIMS; vclaim id as external_id, vclaim as text, title as title) into a
fresh data directory; every query goes through ``FactCheckEngine.check`` (what POST /v1/check calls) with
min_similarity 0. Retrieval settings come from FACTCHECK_* variables and the options below. Queries without a
relevant claim in the qrels are skipped, as the official scorer does. Metrics: MAP@1, MAP@5 (average precision
over the top 1 / 5, divided by the number of relevant claims), MRR over the k matches returned, Recall@5.
``--baseline`` also runs the plain dense search (FAISS order, statement as given, no duplicate collapsing)
over the same store, so that quality and latency are compared in one run. The last line is ``MAP@5: 0.xxxx``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import Config  # noqa: E402
from service.embeddings import make_embedder  # noqa: E402
from service.engine import FactCheckEngine  # noqa: E402

csv.field_size_limit(2**31 - 1)
BASELINE = {"retrieval_mode": "dense", "clean_statements": False, "collapse_duplicates": False}


# --- the CLEF files --------------------------------------------------------------------------
def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row for row in csv.reader(f, delimiter="\t") if row]


def load_claims(path: Path) -> list[dict[str, str]]:
    """verified_claims.docs.tsv: vclaim id, vclaim, title (a header row names vclaim and title)."""
    rows = read_tsv(path)
    header = [c.strip().lower() for c in rows[0]]
    if "vclaim" in header:
        text_at, title_at = header.index("vclaim"), header.index("title") if "title" in header else None
        rows = rows[1:]
    else:
        text_at, title_at = 1, 2 if len(rows[0]) > 2 else None
    claims = []
    for row in rows:
        title = row[title_at].strip() if title_at is not None and title_at < len(row) else ""
        claims.append({"external_id": row[0].strip(), "text": row[text_at].strip(), "title": title or None})
    return [c for c in claims if c["text"]]


def load_queries(path: Path) -> list[tuple[str, str]]:
    """tweets.queries.tsv: tweet id, tweet content (an optional header row)."""
    rows = read_tsv(path)
    if rows and (not rows[0][0].strip() or not rows[0][0].strip().isdigit()):
        rows = rows[1:]
    return [(row[0].strip(), row[-1]) for row in rows if len(row) >= 2]


def load_qrels(path: Path) -> dict[str, set[str]]:
    """tweet-vclaim-pairs.qrels: tweet id, 0, vclaim id, relevance (whitespace-separated)."""
    relevant: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and float(parts[3]) > 0:
            relevant.setdefault(parts[0], set()).add(parts[2])
    return relevant


# --- metrics -----------------------------------------------------------------------------------
def average_precision(ranked: Sequence[str], relevant: set[str], depth: int) -> float:
    hits, total = 0, 0.0
    for rank, claim in enumerate(ranked[:depth], start=1):
        if claim in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def scores(rankings: dict[str, list[str]], relevant: dict[str, set[str]]) -> dict[str, float]:
    ap1, ap5, rr, recall5 = [], [], [], []
    for query, ranked in rankings.items():
        gold = relevant[query]
        ap1.append(average_precision(ranked, gold, 1))
        ap5.append(average_precision(ranked, gold, 5))
        rr.append(next((1.0 / r for r, c in enumerate(ranked, start=1) if c in gold), 0.0))
        recall5.append(len(gold & set(ranked[:5])) / len(gold))
    return {"MAP@1": float(np.mean(ap1)), "MAP@5": float(np.mean(ap5)), "MRR": float(np.mean(rr)),
            "Recall@5": float(np.mean(recall5))}


# --- an optional embedding cache, for repeated development runs --------------------------------
class CachedEmbedder:
    """Wraps the configured embedder; vectors of batch encodes (the claim import) are kept on disk, keyed by
    model name and text."""

    def __init__(self, inner: Any, path: Path) -> None:
        self.inner, self.path = inner, path
        self.name, self.dim = inner.name, inner.dim
        self.backend = getattr(inner, "backend", "torch")
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as saved:
                self._vectors = dict(zip(saved["keys"].tolist(), saved["vectors"]))
        self._dirty = False

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\0{text}".encode("utf-8")).hexdigest()

    def encode(self, texts: Sequence[str], batch_size: int | None = None, **kwargs: Any) -> np.ndarray:
        if len(texts) < 2:  # a single statement is always encoded, so that check latencies stay real
            return self.inner.encode(texts, batch_size=batch_size)
        keys = [self._key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts) if k not in self._vectors}
        if missing:
            for key, vector in zip(missing, self.inner.encode(list(missing.values()), batch_size=batch_size)):
                self._vectors[key] = vector
            self._dirty = True
        return np.vstack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self._dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(self._vectors)
            tmp = self.path.with_name(self.path.stem + f".tmp{os.getpid()}.npz")
            np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self._vectors[k] for k in keys]))
            os.replace(tmp, self.path)
            self._dirty = False


# --- the run -----------------------------------------------------------------------------------
def run_queries(
    engines: list[FactCheckEngine], queries: list[tuple[str, str]], k: int
) -> list[tuple[dict[str, list[str]], list[float]]]:
    """Each query through each engine's check, as POST /v1/check calls it: the external ids returned, and the
    timings. With several engines they take turns going first, so that they meet the same machine load."""
    results: list[tuple[dict[str, list[str]], list[float]]] = [({}, []) for _ in engines]
    for n, (query_id, text) in enumerate(queries):
        for e in (range(len(engines)) if n % 2 == 0 else reversed(range(len(engines)))):
            started = time.perf_counter()
            result = engines[e].check(text.strip(), k=k, min_similarity=0.0)
            results[e][1].append(time.perf_counter() - started)
            results[e][0][query_id] = [m["external_id"] for m in result["matches"]]
    return results


def describe(config: Config) -> str:
    if config.retrieval_mode == "dense":
        mode = "dense"
    else:
        mode = f"fused (lexical_weight {config.lexical_weight}, depth {config.retrieval_depth})"
    return f"{mode}, clean_statements={config.clean_statements}, collapse_duplicates={config.collapse_duplicates}"


def report(name: str, metrics: dict[str, float], latencies: list[float]) -> None:
    ms = np.asarray(latencies) * 1000
    print(f"{name}: " + "  ".join(f"{key} {value:.4f}" for key, value in metrics.items())
          + f"  latency p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=Path, required=True, help="verified_claims.docs.tsv")
    parser.add_argument("--queries", type=Path, required=True, help="tweets.queries.tsv")
    parser.add_argument("--qrels", type=Path, required=True, help="tweet-vclaim-pairs.qrels")
    parser.add_argument("--k", type=int, default=10, help="matches asked per query (default 10; MRR is over them)")
    parser.add_argument("--stance-model", default="polarity", help="stance model of the engine (default polarity)")
    parser.add_argument("--retrieval-mode", choices=["fused", "dense"], help="default: FACTCHECK_RETRIEVAL_MODE")
    parser.add_argument("--lexical-weight", type=float, help="default: FACTCHECK_LEXICAL_WEIGHT")
    parser.add_argument("--retrieval-depth", type=int, help="default: FACTCHECK_RETRIEVAL_DEPTH")
    parser.add_argument("--no-clean", action="store_true", help="search the statements as given")
    parser.add_argument("--no-collapse", action="store_true", help="keep duplicate claims apart")
    parser.add_argument("--baseline", action="store_true", help="also run the plain dense search, same store")
    parser.add_argument("--max-queries", type=int, help="only the first N queries that have a relevant claim")
    parser.add_argument("--max-claims", type=int,
                        help="import at most N claims: those relevant to the queries run, then the first others")
    parser.add_argument("--embedding-cache", type=Path, help="keep claim and query vectors in this .npz file")
    args = parser.parse_args(argv)

    claims = load_claims(args.claims)
    relevant = load_qrels(args.qrels)
    all_queries = load_queries(args.queries)
    queries = [(q, text) for q, text in all_queries if relevant.get(q)]
    if args.max_queries:
        queries = queries[:args.max_queries]
    if args.max_claims:
        wanted = set().union(*(relevant[q] for q, _ in queries))
        chosen = [c for c in claims if c["external_id"] in wanted]
        chosen += [c for c in claims if c["external_id"] not in wanted][:max(args.max_claims - len(chosen), 0)]
        order = {c["external_id"]: i for i, c in enumerate(claims)}
        claims = sorted(chosen, key=lambda c: order[c["external_id"]])  # import in file order, as a full run does

    overrides: dict[str, Any] = {"stance_model": args.stance_model}
    if args.retrieval_mode:
        overrides["retrieval_mode"] = args.retrieval_mode
    if args.lexical_weight is not None:
        overrides["lexical_weight"] = args.lexical_weight
    if args.retrieval_depth is not None:
        overrides["retrieval_depth"] = args.retrieval_depth
    if args.no_clean:
        overrides["clean_statements"] = False
    if args.no_collapse:
        overrides["collapse_duplicates"] = False

    with tempfile.TemporaryDirectory(prefix="factcheck-eval-") as data_dir:
        config = Config.from_env(os.environ, data_dir=data_dir, **overrides)
        embedder = make_embedder(config)
        if args.embedding_cache:
            embedder = CachedEmbedder(embedder, args.embedding_cache)
        engine = FactCheckEngine(config, embedder=embedder)
        started = time.perf_counter()
        created = 0
        for start in range(0, len(claims), config.max_bulk_claims):
            created += sum(c for _, c in engine.ingest_claims(claims[start:start + config.max_bulk_claims]))
        print(f"claims: {len(claims)} imported through ingest_claims in {time.perf_counter() - started:.1f} s "
              f"({len(claims) - created} already stored under the same text)")
        print(f"queries: {len(queries)} with a relevant claim (of {len(all_queries)}); k = {args.k}, "
              f"stance model {config.stance_model}", flush=True)
        engines = [engine]
        if args.baseline:
            engines.insert(0, FactCheckEngine(config.with_overrides(**BASELINE), store=engine.store,
                                              embedder=embedder, stance_model=engine.stance_model))
        run_queries(engines, queries[:5], args.k)  # warm-up
        results = run_queries(engines, queries, args.k)
        for run_engine, (rankings, latencies) in zip(engines, results):
            metrics = scores(rankings, relevant)
            name = "configured" if run_engine is engine else "baseline"
            report(f"{name} [{describe(run_engine.config)}]", metrics, latencies)
        if isinstance(embedder, CachedEmbedder):
            embedder.save()
        engine.store.close()
    print(f"MAP@5: {metrics['MAP@5']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
