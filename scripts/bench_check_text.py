"""Time the whole-text check (POST /v1/check/text's engine call) on the seed articles, against a baseline measured
in the same run: checking the same check-worthy claims one by one, as a client of POST /v1/check would.

    python scripts/bench_check_text.py [--repeat 3] [--k 5]

Prints, per seed article, its characters, claims found, claims checked and both timings, then the totals and the
ratio (whole-text / one by one): the cost of extraction and check-worthiness scoring on top of the checks.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.config import PROJECT_ROOT, Config  # noqa: E402
from service.engine import FactCheckEngine  # noqa: E402
from service.ingest import ingest_paths  # noqa: E402
from service.text_check import check_text  # noqa: E402


def median_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    seeds = PROJECT_ROOT / "seeds"
    with tempfile.TemporaryDirectory() as data_dir:
        engine = FactCheckEngine(Config.from_env({}, data_dir=Path(data_dir), index_save_interval_s=0.0))
        list(ingest_paths(engine, [seeds]))
        check_text(engine, "Warm-up: the minister said the bridge opens in March.", k=args.k)
        whole_total = single_total = 0.0
        print(f"{'article':<28} {'chars':>6} {'claims':>6} {'checked':>7} {'whole s':>8} {'1-by-1 s':>8}")
        for path in sorted(seeds.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            result = check_text(engine, text, k=args.k)
            claims = [c["text"] for c in result["claims"]]
            whole = median_seconds(lambda: check_text(engine, text, k=args.k), args.repeat)
            single = median_seconds(lambda: [engine.check(c, k=args.k, include_sources=False) for c in claims],
                                    args.repeat)
            whole_total, single_total = whole_total + whole, single_total + single
            print(f"{path.name:<28} {len(text):>6} {result['sentences']:>6} {len(claims):>7} {whole:>8.3f} "
                  f"{single:>8.3f}")
        engine.store.close()
    print(f"total: whole-text {whole_total:.3f} s, the same claims one by one {single_total:.3f} s")
    print(f"whole-text / one-by-one: {whole_total / single_total:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
