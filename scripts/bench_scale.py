"""Index scale benchmark: flat vs HNSW vs IVF at 100k and 1M claims, and embedding backends on real text.

    python scripts/bench_scale.py [--sizes 100000 1000000] [--kinds flat hnsw ivf] [--queries 1000]
                                  [--cache /tmp/factcheck-bench] [--encode-statements 300] [--skip-encode]

Real texts: CLEF 2020 verified claims and their titles, FNC-1 article sentences (the corpus the synthetic
vectors grow from) and FNC-1 headlines (the queries), all encoded once with the packaged MiniLM model and
cached under --cache.

Synthetic claim vectors (how they are made): each is a real claim vector moved towards one of its 10
nearest real neighbours by a random fraction (0..0.5) plus Gaussian noise drawn from the covariance of the
real vectors (so the noise stays in the directions real claims vary in), scaled to ``--noise``, then
L2-normalised. --noise 0.35 makes a collection of the real corpus' size look like the real one from real
queries (mean similarity of the 10th nearest 0.66 both; nearest other claim 0.60 vs 0.61). So the collection is a clustered mixture around real claims ("paraphrases" of them), not
uniform random vectors, which would make every index look good or bad for the wrong reasons.

Per size and index kind, in a child process of its own (so memory is measured cleanly): build time, memory
per claim (resident-set growth over the build, and the saved file size), p50/p99 search latency for one
query with one thread (``faiss.omp_set_num_threads(1)``), recall@10 against exact search.
Encode figures: single-statement latency (one thread, p50 over --encode-statements real headlines) for each
embedding backend in one run, and batch throughput.
"""
from __future__ import annotations

import argparse
import csv
import ctypes
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
RAW_BYTES_PER_CLAIM = 384 * 4
csv.field_size_limit(10**9)


# --- real texts and their vectors ---------------------------------------------------------
def corpus_texts(max_sentences: int) -> list[str]:
    """Real claim-like texts: CLEF verified claims and titles, FNC-1 article sentences."""
    from service.extraction.sentences import split_sentences

    texts: list[str] = []
    with (DATA / "clef2020" / "verified_claims.docs.tsv").open(encoding="utf-8") as f:
        for row in list(csv.reader(f, delimiter="\t"))[1:]:
            texts += [row[1], row[2]]
    sentences: list[str] = []
    with (DATA / "fnc1" / "train_bodies.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            sentences += [s.text for s in split_sentences(row["articleBody"]) if 40 <= len(s.text) <= 300]
    texts += sentences[:max_sentences]
    return sorted({t.strip() for t in texts if t and t.strip()})


def query_texts() -> list[str]:
    """Real statements: FNC-1 headlines (never part of the corpus)."""
    with (DATA / "fnc1" / "train_stances.csv").open(encoding="utf-8") as f:
        return sorted({row["Headline"].strip() for row in csv.DictReader(f)})


def encode_cached(texts: list[str], cache: Path, name: str) -> np.ndarray:
    """MiniLM vectors of ``texts`` (torch backend), cached on disk by the hash of the text list."""
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
    path = cache / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    from service.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", threads=int(os.environ.get("BENCH_THREADS", "2")))
    started = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=128)
    print(f"encoded {len(texts)} {name} texts in {time.perf_counter() - started:.0f} s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


# --- synthetic collections -------------------------------------------------------------------
def synthetic_vectors(real: np.ndarray, count: int, noise: float, seed: int = 0) -> np.ndarray:
    """``count`` claim-like vectors grown from the real ones (see the module docstring), L2-normalised."""
    import faiss

    rng = np.random.default_rng(seed)
    knn = faiss.IndexFlatIP(real.shape[1])
    knn.add(real)
    _, neighbours = knn.search(real, 11)  # itself and its 10 nearest
    centred = real - real.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred / len(real))
    spread = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))).T.astype(np.float32)  # z @ spread ~ N(0, cov)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        base = rng.integers(0, len(real), n)
        other = neighbours[base, rng.integers(1, 11, n)]
        mix = rng.uniform(0.0, 0.5, (n, 1)).astype(np.float32)
        chunk = (1 - mix) * real[base] + mix * real[other]
        chunk += noise * (rng.standard_normal((n, real.shape[1]), dtype=np.float32) @ spread)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        out[start:start + n] = chunk
    return out


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (scores, row numbers) of each query, by brute force on all cores."""
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index.search(queries, k)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def trim_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


# --- one index kind, in a child process ---------------------------------------------------------
SWEEPS = {"flat": [("exact", None)], "hnsw": [("ef_search", v) for v in (32, 64, 128, 256)],
          "ivf": [("nprobe", v) for v in (16, 32, 64, 128)]}


def run_kind(kind: str, data: Path, params: dict) -> dict:
    import faiss

    from service.index import iter_batches, make_index

    vectors = np.load(data / "vectors.npy")
    queries = np.load(data / "queries.npy")
    truth = np.load(data / "truth.npy")  # row numbers; claim id = row + 1
    ids = np.arange(1, len(vectors) + 1, dtype=np.int64)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    trim_memory()
    before = rss_bytes()
    started = time.perf_counter()
    index = make_index(kind, vectors.shape[1], "bench", **params)
    index.build(iter_batches(ids, vectors))
    build_s = time.perf_counter() - started
    trim_memory()
    memory = (rss_bytes() - before) / len(vectors)
    with tempfile.TemporaryDirectory() as folder:
        index.save(Path(folder) / "index.faiss")
        file_bytes = (Path(folder) / "index.faiss").stat().st_size / len(vectors)

    faiss.omp_set_num_threads(1)
    rows = []
    for name, value in SWEEPS[kind]:
        if name != "exact":
            index.set_search_params(**{name: value})
        for query in queries[:50]:  # warm-up
            index.search(query, 10)
        latencies, recalls = [], []
        for query, expected in zip(queries, truth):
            t = time.perf_counter()
            found = index.search(query, 10)
            latencies.append((time.perf_counter() - t) * 1000)
            recalls.append(len({i for i, _ in found} & set((expected + 1).tolist())) / 10)
        rows.append({"param": name, "value": value, "p50_ms": float(np.percentile(latencies, 50)),
                     "p99_ms": float(np.percentile(latencies, 99)), "recall10": float(np.mean(recalls))})
    index.set_search_params(ef_search=params.get("hnsw_ef_search", 128), nprobe=params.get("ivf_nprobe", 16))
    filtered = filtered_search_figures(index, vectors, ids, queries[:200], kind)
    return {"kind": kind, "size": len(vectors), "build_s": build_s, "bytes_per_claim": memory,
            "file_bytes_per_claim": file_bytes, "params": index.params(), "sweep": rows, "filtered": filtered}


def filtered_search_figures(index, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, kind: str) -> list:
    """Latency and recall@10 of filtered searches (random allowed sets of two sizes) against exact filtered."""
    from service.index import EXACT_FILTER_LIMIT, GATHER_FILTER_LIMIT

    rng = np.random.default_rng(1)
    out = []
    for share in (0.005, 0.1):
        allowed_rows = np.sort(rng.choice(len(ids), int(share * len(ids)), replace=False))
        allowed = ids[allowed_rows]
        latencies, recalls = [], []
        for query in queries:
            t = time.perf_counter()
            found = index.search(query, 10, allowed)
            latencies.append((time.perf_counter() - t) * 1000)
            scores = vectors[allowed_rows] @ query
            expected = set(allowed[np.argpartition(-scores, 9)[:10]].tolist())
            recalls.append(len({i for i, _ in found} & expected) / 10)
        path = ("exact scan" if kind == "flat" else "exact, gathered" if len(allowed) <= GATHER_FILTER_LIMIT
                else "exact scan" if len(allowed) <= EXACT_FILTER_LIMIT else "index + selector")
        out.append({"share": share, "allowed": len(allowed), "path": path,
                    "p50_ms": float(np.percentile(latencies, 50)), "recall10": float(np.mean(recalls))})
    return out


# --- embedding backends on real text ----------------------------------------------------------------
def encode_figures(statements: list[str], batch_texts: list[str], export_dir: Path) -> dict:
    """Single-statement latency per backend (1 thread, backends interleaved statement by statement so that
    load from elsewhere hits all alike) and batch throughput, in one process."""
    from service.embeddings import OnnxEmbedder, SentenceTransformerEmbedder, export_onnx, resolve_model_path

    export_onnx(Path(resolve_model_path("all-MiniLM-L6-v2")), export_dir)  # a no-op when already exported
    backends = {"torch": SentenceTransformerEmbedder("all-MiniLM-L6-v2", threads=1),
                "onnx": OnnxEmbedder(export_dir=export_dir, threads=1),
                "onnx-int8": OnnxEmbedder(export_dir=export_dir, quantized=True, threads=1)}
    for embedder in backends.values():
        embedder.encode(statements[:20])
    latencies: dict[str, list[float]] = {name: [] for name in backends}
    for statement in statements:
        for name, embedder in backends.items():
            t = time.perf_counter()
            embedder.encode([statement])
            latencies[name].append((time.perf_counter() - t) * 1000)
    out = {}
    reference = backends["torch"].encode(batch_texts)
    for name, embedder in backends.items():
        t = time.perf_counter()
        vectors = embedder.encode(batch_texts, batch_size=64)
        rate = len(batch_texts) / (time.perf_counter() - t)
        cosine = np.sum(vectors * reference, axis=1)
        out[name] = {"p50_ms": float(np.percentile(latencies[name], 50)),
                     "p90_ms": float(np.percentile(latencies[name], 90)), "batch_per_s": rate,
                     "cosine_to_torch_min": float(cosine.min()), "cosine_to_torch_mean": float(cosine.mean())}
    for name in out:
        out[name]["speedup_p50"] = out["torch"]["p50_ms"] / out[name]["p50_ms"]
    return out


# --- driver ----------------------------------------------------------------------------------------------
def prepare_size(cache: Path, size: int, real: np.ndarray, queries: np.ndarray, noise: float) -> Path:
    folder = cache / f"synthetic-{size}-noise{noise}"
    if (folder / "truth.npy").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    vectors = synthetic_vectors(real, size, noise)
    np.save(folder / "vectors.npy", vectors)
    np.save(folder / "queries.npy", queries)
    scores, rows = exact_neighbours(vectors, queries, 10)
    np.save(folder / "truth_scores.npy", scores)
    np.save(folder / "truth.npy", rows)
    base_cos = float(np.mean(np.sum(vectors[:20000] * vectors[:20000], axis=1)))  # 1.0: normalised
    (folder / "about.json").write_text(json.dumps({"size": size, "noise": noise, "normalised": base_cos,
                                                   "seconds": time.perf_counter() - started}))
    print(f"synthetic {size}: made in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def resemblance(real: np.ndarray, folder: Path, queries: np.ndarray) -> dict:
    """How the synthetic collection compares with the real vectors it grew from, seen from real queries."""
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    sample = np.asarray(vectors[:len(real)])
    top_real, _ = exact_neighbours(real, queries, 10)
    top_same_size, _ = exact_neighbours(sample, queries, 10)
    top_full = np.load(folder / "truth_scores.npy")
    inner = exact_neighbours(sample[:5000], sample[:5000], 2)[0][:, 1]
    real_inner = exact_neighbours(real[:5000], real[:5000], 2)[0][:, 1]
    return {"query_top1_real": float(top_real[:, 0].mean()), "query_top1_synthetic_same_size": float(top_same_size[:, 0].mean()),
            "query_top10_real": float(top_real[:, 9].mean()), "query_top10_synthetic_same_size": float(top_same_size[:, 9].mean()),
            "query_top1_synthetic_full": float(top_full[:, 0].mean()), "query_top10_synthetic_full": float(top_full[:, 9].mean()),
            "nearest_other_real": float(real_inner.mean()), "nearest_other_synthetic": float(inner.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=0.35)
    parser.add_argument("--corpus-sentences", type=int, default=40_000, help="FNC-1 sentences in the real corpus")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "factcheck-bench")
    parser.add_argument("--encode-statements", type=int, default=300)
    parser.add_argument("--skip-encode", action="store_true")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--hnsw-ef-construction", type=int, default=40)
    parser.add_argument("--ivf-nlist", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write all figures as JSON here")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    params = {"hnsw_m": args.hnsw_m, "hnsw_ef_construction": args.hnsw_ef_construction, "ivf_nlist": args.ivf_nlist}
    if args.worker:
        print(json.dumps(run_kind(args.worker[0], Path(args.worker[1]), params)))
        return

    started = time.perf_counter()
    statements = query_texts()
    query_vectors = encode_cached(statements, args.cache, "queries")
    corpus = corpus_texts(args.corpus_sentences)
    real = encode_cached(corpus, args.cache, "corpus")
    rng = np.random.default_rng(0)
    picked = np.sort(rng.choice(len(statements), min(args.queries, len(statements)), replace=False))
    queries = query_vectors[picked]
    print(f"real corpus: {len(real)} vectors; queries: {len(queries)} real headlines", flush=True)
    results: dict = {"corpus": len(real), "queries": len(queries), "noise": args.noise, "indexes": [], "resemblance": {}}
    for size in args.sizes:
        folder = prepare_size(args.cache, size, real, queries, args.noise)
        results["resemblance"][size] = resemblance(real, folder, queries)
        print(f"resemblance {size}: {json.dumps(results['resemblance'][size])}", flush=True)
        for kind in args.kinds:
            command = [sys.executable, __file__, "--worker", kind, str(folder), "--hnsw-m", str(args.hnsw_m),
                       "--hnsw-ef-construction", str(args.hnsw_ef_construction), "--ivf-nlist", str(args.ivf_nlist)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            results["indexes"].append(row)
            print(json.dumps(row), flush=True)
    if not args.skip_encode:
        export_dir = args.cache / "onnx"
        batch_texts = [corpus[i] for i in rng.choice(len(corpus), 2000, replace=False)]
        chosen = [statements[i] for i in picked[:args.encode_statements]]
        results["encode"] = encode_figures(chosen, batch_texts, export_dir)
        print(json.dumps(results["encode"]), flush=True)
    results["seconds"] = time.perf_counter() - started
    print_tables(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


def print_tables(results: dict) -> None:
    print("\n| claims | index | parameter | build s | bytes/claim (ratio to 1536) | p50 ms | p99 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in results["indexes"]:
        memory = f"{row['bytes_per_claim']:.0f} ({row['bytes_per_claim'] / RAW_BYTES_PER_CLAIM:.2f})"
        for point in row["sweep"]:
            setting = "exact" if point["value"] is None else f"{point['param']}={point['value']}"
            print(f"| {row['size']:,} | {row['kind']} | {setting} | {row['build_s']:.1f} | {memory} | "
                  f"{point['p50_ms']:.2f} | {point['p99_ms']:.2f} | {point['recall10']:.4f} |")
    print("\n| claims | index | allowed claims | search | p50 ms | recall@10 |")
    print("|---|---|---|---|---|---|")
    for row in results["indexes"]:
        for f in row["filtered"]:
            print(f"| {row['size']:,} | {row['kind']} | {f['allowed']:,} | {f['path']} | {f['p50_ms']:.2f} | "
                  f"{f['recall10']:.4f} |")
    if "encode" in results:
        print("\n| backend | one statement p50 ms | p90 ms | speed-up (p50) | batch texts/s | cosine to torch min / mean |")
        print("|---|---|---|---|---|---|")
        for name, e in results["encode"].items():
            print(f"| {name} | {e['p50_ms']:.2f} | {e['p90_ms']:.2f} | {e['speedup_p50']:.2f} | {e['batch_per_s']:.0f} | "
                  f"{e['cosine_to_torch_min']:.4f} / {e['cosine_to_torch_mean']:.4f} |")
    print(f"\ntotal {results['seconds']:.0f} s")


if __name__ == "__main__":
    main()
