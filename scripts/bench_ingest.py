"""Benchmark: ingestion rate against the raw encode rate of the same claim texts, in one run.

    python scripts/bench_ingest.py [--articles 120] [--rounds 3] [--batch 32] [--fnc1 ../shared/data/fnc1]

Articles are real news bodies from FNC-1. Their claims are extracted once first (which also loads every model),
then each round takes its share of the articles and times, in an order that rotates from round to round so that
a change in machine load falls on all of them alike:

- raw encode: the embedder alone over the round's claim texts (one call, the configured batch size and threads);
- one by one: ``engine.ingest_article`` per article into a store of its own (the path of ``POST /v1/articles``);
- bulk: ``engine.ingest_articles`` over the round's articles into another store (the path of ``factcheck ingest``
  and the seeds): per batch of articles, spaCy parses their sentences together, then one encode call (on a
  thread of its own) runs beside one check-worthiness call and the next batch's extraction (the first batch is a
  quarter of the others: nothing runs beside its extraction);
- the other parts alone, for the breakdown: extraction of the round's articles, and the check-worthiness model
  over the same claim texts;
- the raw encode again at another encode batch size (``--other-encode-batch``, default 64, the default before
  2026-12-04), so that the configured size is compared with it in the same run.

Each engine runs the configured stance model, so that the stance model's parses of the new claims (a background
thread, service/stance/warming.py; FACTCHECK_STANCE_WARM_CLAIMS=0 turns it off) take their share of the CPU as
they do in the service; the time they go on after an ingestion call returns is waited for outside the timings,
and printed.

Ingestion means extract + embed (claims and their resolved texts) + check-worthiness + store + index. It prints
claims/s and process CPU seconds (all threads) of each, the ratios to the raw encode rate, and checks that the two
stores hold the same claims with the same vectors.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import Config  # noqa: E402
from service.engine import ArticleInput, FactCheckEngine  # noqa: E402

csv.field_size_limit(10**8)


def load_bodies(folder: Path, count: int, seed: int) -> list[str]:
    with (folder / "train_bodies.csv").open(encoding="utf-8") as f:
        bodies = sorted({row["articleBody"] for row in csv.DictReader(f) if row["articleBody"].strip()})
    return random.Random(seed).sample(bodies, min(count, len(bodies)))


def stored_vectors(engine: FactCheckEngine) -> dict[tuple[str, str], np.ndarray]:
    """``{(article id, claim text): vector}`` of every claim in the engine's store."""
    rows = {}
    for ids, _ in engine.store.all_claim_texts():
        vectors = engine.store.embeddings_of(ids)
        for claim_id, row in engine.store.claims_by_ids(ids).items():
            rows[row["article_id"], row["text"]] = vectors[claim_id]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fnc1", type=Path, default=ROOT.parent / "shared" / "data" / "fnc1")
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32, help="articles per model call in bulk ingestion")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--other-encode-batch", type=int, default=64,
                        help="also time the raw encode at this encode batch size (texts per model run), against "
                             "the configured one (FACTCHECK_EMBEDDING_BATCH_SIZE); 0: not")
    args = parser.parse_args()

    bodies = load_bodies(args.fnc1, args.articles, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config.from_env(data_dir=Path(tmp) / "one")
        one = FactCheckEngine(config)
        bulk = FactCheckEngine(config.with_overrides(data_dir=Path(tmp) / "bulk"), embedder=one.embedder,
                               extractor=one.extractor, checkworthiness=one.checkworthiness)
        texts = [[c.text for c in one.extractor.extract(body).claims] for body in bodies]  # loads spaCy too
        one.embedder.encode(texts[0]), one.checkworthiness.score(texts[0])  # warm-up

        def raw_encode(share: list[int]) -> None:
            one.embedder.encode([t for i in share for t in texts[i]])

        def raw_encode_other(share: list[int]) -> None:
            one.embedder.encode([t for i in share for t in texts[i]], args.other_encode_batch)

        def one_by_one(share: list[int]) -> None:
            for i in share:
                one.ingest_article(bodies[i], outlet="FNC-1")

        def in_bulk(share: list[int]) -> None:
            for result in bulk.ingest_articles([ArticleInput(text=bodies[i], outlet="FNC-1") for i in share],
                                               batch=args.batch):
                assert not isinstance(result, Exception), result

        def extraction(share: list[int]) -> None:
            one.extractor.extract_many([(bodies[i], None) for i in share])

        def check_worthiness(share: list[int]) -> None:
            one.checkworthiness.score([t for i in share for t in texts[i]])

        modes = {"raw encode": raw_encode, "one by one": one_by_one, "bulk": in_bulk,
                 "extraction alone": extraction, "check-worthiness alone": check_worthiness}
        other_encode = f"raw encode, batch {args.other_encode_batch}"
        if args.other_encode_batch:
            modes[other_encode] = raw_encode_other
        wall = dict.fromkeys(modes, 0.0)
        cpu = dict.fromkeys(modes, 0.0)
        warming = {"one by one": (one.stance_warmer, [0.0, 0.0]), "bulk": (bulk.stance_warmer, [0.0, 0.0])}
        for number in range(args.rounds):
            share = list(range(number, len(bodies), args.rounds))
            names = list(modes)
            for name in names[number % len(names):] + names[:number % len(names)]:
                started, started_cpu = time.perf_counter(), time.process_time()
                modes[name](share)
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
                if name in warming:  # the stance model's parses of the new claims, finishing in the background
                    warmer, spent = warming[name]
                    started, started_cpu = time.perf_counter(), time.process_time()
                    warmer.wait(600)
                    spent[0] += time.perf_counter() - started
                    spent[1] += time.process_time() - started_cpu

        claims = sum(len(t) for t in texts)
        first, second = stored_vectors(one), stored_vectors(bulk)
        same_claims = first.keys() == second.keys()
        largest = max((float(np.abs(first[key] - second[key]).max()) for key in first.keys() & second.keys()),
                      default=0.0)
        resolved = sum(1 for ids, _ in one.store.all_claim_texts()
                       for row in one.store.claims_by_ids(ids).values() if row.get("resolved_text"))
        one.close(), bulk.close()

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; embedder "
          f"{one.embedder.name} ({getattr(one.embedder, 'backend', 'torch')}), {config.torch_threads} thread(s) "
          f"per model, extractor {one.extractor.name}")
    print(f"corpus: {len(bodies)} FNC-1 articles -> {claims} claims ({resolved} with a resolved text), "
          f"{args.rounds} rounds, bulk batch {args.batch} articles, encode batch {config.embedding_batch_size} "
          f"texts")
    rate = {name: claims / wall[name] for name in modes}
    for name in modes:
        print(f"{name}: {rate[name]:.1f} claims/s ({wall[name]:.2f} s wall, {cpu[name]:.2f} s CPU)")
    parts = cpu["raw encode"] + cpu["extraction alone"] + cpu["check-worthiness alone"]
    print(f"CPU seconds of the parts alone (raw encode + extraction + check-worthiness): {parts:.2f}; "
          f"bulk ingestion's CPU / the parts: {cpu['bulk'] / parts:.2f}")
    for name in ("one by one", "bulk"):
        print(f"{name} ingestion / raw encode: {rate[name] / rate['raw encode']:.2f} "
              f"(CPU seconds, raw encode / {name}: {cpu['raw encode'] / cpu[name]:.2f})")
    print(f"bulk / one by one: {rate['bulk'] / rate['one by one']:.2f}x")
    if other_encode in rate:
        print(f"raw encode at batch {config.embedding_batch_size} / at batch {args.other_encode_batch}: "
              f"{rate['raw encode'] / rate[other_encode]:.2f}x; bulk ingestion / raw encode at batch "
              f"{args.other_encode_batch}: {rate['bulk'] / rate[other_encode]:.2f}")
    for name, (warmer, (after_wall, after_cpu)) in warming.items():
        print(f"{name}: the stance model's parses of the new claims ({warmer.parsed} parsed in the background, "
              f"FACTCHECK_STANCE_WARM_CLAIMS={config.stance_warm_claims}) finished {after_wall:.2f} s after the "
              f"last article was stored ({after_cpu:.2f} s CPU then)")
    print(f"same claims in both stores: {same_claims}; largest vector difference {largest:.2e}")


if __name__ == "__main__":
    main()
