"""How long an index save holds searches up: the whole write (before) against the in-memory snapshot (now).

    python scripts/bench_index_save.py [--claims 100000] [--kinds flat hnsw] [--dir /tmp/factcheck-save-bench]

Per index kind, over random unit vectors of the model's width (384) with a second vector for a tenth of the
claims: the time ``faiss.write_index`` takes under the index's lock (what a save held searches up for before),
the time of the in-memory snapshot (``VectorIndex.snapshot``, FAISS's serialised form; now only changes wait
for it, searches do not), the time of the disk write with fsync that now runs on the saver thread, and the
p50/max latency of searches issued from another thread while an old and a new save run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.index import make_index, write_snapshot  # noqa: E402

DIM = 384


def unit(rows: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def searches_during(save, index, queries: np.ndarray) -> tuple[float, list[float]]:
    """Run ``save`` while another thread searches continuously; the save's time and the search latencies (ms)."""
    latencies: list[float] = []
    done = threading.Event()

    def search() -> None:
        i = 0
        while not done.is_set():
            started = time.perf_counter()
            index.search(queries[i % len(queries)], 10)
            latencies.append((time.perf_counter() - started) * 1000)
            i += 1

    searcher = threading.Thread(target=search)
    searcher.start()
    time.sleep(0.05)
    started = time.perf_counter()
    save()
    took = time.perf_counter() - started
    done.set()
    searcher.join()
    return took, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw"])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    ids = np.arange(1, args.claims + 1, dtype=np.int64)
    vectors = unit(args.claims, rng)
    second = ids[: args.claims // 10]
    queries = unit(200, rng)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="factcheck-save-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'kind':<6} {'claims':>8} {'file MB':>8} {'old lock-held write s':>22} {'snapshot s':>11} "
          f"{'disk write s':>13} {'search p50/max ms (old save)':>29} {'(new save)':>18}")
    for kind in args.kinds:
        index = make_index(kind, DIM, "bench", True)
        index.add(ids, vectors)
        index.add(second, unit(len(second), rng), np.ones(len(second), dtype=np.int64))
        path = folder / f"{kind}.faiss"

        def old_save() -> None:  # what a save did before: the whole write under the index's lock
            with index._lock:
                faiss.write_index(index._index, str(path))

        def new_save() -> None:  # now: a snapshot that searches do not wait for (changes do), then the write
            write_snapshot(index.snapshot(hold_searches=False), path)

        old_took, old_latencies = searches_during(old_save, index, queries)
        snapshot_started = time.perf_counter()
        snapshot = index.snapshot(hold_searches=False)
        snapshot_took = time.perf_counter() - snapshot_started
        write_started = time.perf_counter()
        write_snapshot(snapshot, path)
        write_took = time.perf_counter() - write_started
        _, new_latencies = searches_during(new_save, index, queries)
        print(f"{kind:<6} {args.claims:>8} {path.stat().st_size / 2**20:>8.0f} {old_took:>22.3f} {snapshot_took:>11.3f} "
              f"{write_took:>13.3f} "
              f"{statistics.median(old_latencies):>14.2f}/{max(old_latencies):>8.1f} "
              f"{statistics.median(new_latencies):>10.2f}/{max(new_latencies):>7.1f}")


if __name__ == "__main__":
    main()
