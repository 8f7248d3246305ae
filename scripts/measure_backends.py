"""Worker memory and encode speed of the embedding backends, torch against ONNX Runtime, in one run.

For each backend it starts the real server (``factcheck serve``, the seeds ingested, default 2 workers) on a fresh
data directory, sends a few checks so that every worker has loaded its models, then prints the resident memory (RSS)
and the proportional share (PSS: shared pages split between the processes that map them) of the master and of
each worker, and whether torch is mapped. Then, in this process, one-statement encode latency of each backend on
one thread (interleaved statement by statement, so that load from elsewhere hits both alike), and the ratios
against torch measured in the same run.

    python scripts/measure_backends.py                   # needs the ONNX export: factcheck export-embedder
    python scripts/measure_backends.py --workers 1 --statements 100
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from load_test import STATEMENTS, Server, children, request, rss_mb  # noqa: E402

BACKENDS = ("torch", "onnx")


def pss_mb(pid: int) -> float:
    """Proportional set size in MB (Pss from /proc/<pid>/smaps_rollup)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def loads_torch(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def server_memory(backend: str, workers: int, scratch: Path) -> dict:
    """Start the server with ``backend``, warm every worker, read its processes' memory, stop it."""
    os.environ["FACTCHECK_EMBEDDING_BACKEND"] = backend
    data_dir = scratch / backend
    data_dir.mkdir()
    server = Server(workers, 2, data_dir, scratch / f"{backend}.log")
    try:
        ready_s = server.wait_ready()
        connection = server.connect()
        for statement in STATEMENTS * workers * 2:  # gunicorn spreads them: each worker answers some
            status, _ = request(connection, "POST", "/v1/check", {"statement": statement})
            assert status == 200, status
        time.sleep(1)
        pids = children(server.process.pid)
        return {"backend": backend, "ready_s": round(ready_s, 1),
                "master": {"rss_mb": round(rss_mb(server.process.pid)), "pss_mb": round(pss_mb(server.process.pid)),
                           "torch": loads_torch(server.process.pid)},
                "workers": [{"rss_mb": round(rss_mb(p)), "pss_mb": round(pss_mb(p)), "torch": loads_torch(p)}
                            for p in pids]}
    finally:
        server.stop()
        os.environ.pop("FACTCHECK_EMBEDDING_BACKEND", None)


def seed_sentences() -> list[str]:
    """Sentences of the seed articles, 20 to 300 characters: statements of realistic lengths."""
    import re

    found = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        found += [s.strip() for s in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8"))
                  if 20 <= len(s.strip()) <= 300]
    return found


def encode_latency(statements: list[str]) -> dict[str, float]:
    """Median milliseconds to encode one statement, per backend, one thread each."""
    from service.config import Config
    from service.embeddings import make_embedder

    embedders = {name: make_embedder(Config.from_env(embedding_backend=name, torch_threads=1)) for name in BACKENDS}
    for embedder in embedders.values():
        embedder.encode(statements[:10])
    times: dict[str, list[float]] = {name: [] for name in embedders}
    for statement in statements:
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.encode([statement])
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--statements", type=int, default=200, help="statements timed per backend (default 200)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    results: dict = {"servers": []}
    with tempfile.TemporaryDirectory(prefix="factcheck-backends-") as scratch:
        for backend in BACKENDS:
            row = server_memory(backend, args.workers, Path(scratch))
            results["servers"].append(row)
            print(json.dumps(row), flush=True)
    by_backend = {row["backend"]: row for row in results["servers"]}
    print(f"\nserver with {args.workers} worker(s), seeds ingested, after {len(STATEMENTS) * args.workers * 2} checks")
    print(f"{'backend':8} {'master RSS':>11} {'worker RSS':>11} {'worker PSS':>11} {'all PSS':>9}  torch loaded")
    for name, row in by_backend.items():
        worker_rss = statistics.mean(w["rss_mb"] for w in row["workers"])
        worker_pss = statistics.mean(w["pss_mb"] for w in row["workers"])
        total_pss = row["master"]["pss_mb"] + sum(w["pss_mb"] for w in row["workers"])
        row["summary"] = {"worker_rss_mb": worker_rss, "worker_pss_mb": worker_pss, "total_pss_mb": total_pss}
        torch = row["master"]["torch"] or any(w["torch"] for w in row["workers"])
        print(f"{name:8} {row['master']['rss_mb']:>8} MB {worker_rss:>8.0f} MB {worker_pss:>8.0f} MB "
              f"{total_pss:>6} MB  {'yes' if torch else 'no'}")
    torch_row, onnx_row = by_backend["torch"]["summary"], by_backend["onnx"]["summary"]
    print(f"onnx / torch: worker RSS {onnx_row['worker_rss_mb'] / torch_row['worker_rss_mb']:.2f}, "
          f"worker PSS {onnx_row['worker_pss_mb'] / torch_row['worker_pss_mb']:.2f}, "
          f"all processes PSS {onnx_row['total_pss_mb'] / torch_row['total_pss_mb']:.2f}")

    sentences = seed_sentences()
    statements = (sentences * (args.statements // len(sentences) + 1))[:args.statements]
    latency = encode_latency(statements)
    results["encode_ms_median"] = latency
    print(f"\none-statement encode, 1 thread, median of {len(statements)}: "
          + ", ".join(f"{name} {ms:.1f} ms" for name, ms in latency.items())
          + f"; torch / onnx {latency['torch'] / latency['onnx']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
