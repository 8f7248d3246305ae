"""Seed statements: are the claims a fact-checker expects in the top 5 of /v1/check, with the right stance?

    python scripts/evaluate_statements.py [--gold tests/gold/seed_statements.json] [--k 5] [--no-baseline]
                                          [--split validation|held_out] [--show-misses]

The five seed articles are ingested into a fresh data directory; every statement of the gold file goes through
``FactCheckEngine.check`` (what POST /v1/check calls) with the default threshold and grouping. An expected claim
is shown when it is one of the k matches or one of their ``reported_by`` copies; its stance is the one given
there. Unrelated statements (no expected claim) must come back empty. The baseline (unless ``--no-baseline``)
is the same store searched without the claims' resolved texts (FACTCHECK_INDEX_RESOLVED_TEXT=0): the FAISS
index holds one vector per claim and BM25 one document. Also printed: the two targets of claims in context
("Iranian personnel are on the ground in Crimea." finds "We strongly reject this information" in the top 10
with context naming Crimea; "Iran provided missiles to Russia." finds "The missile part is completely wrong."
with context naming the missiles, labelled refutes). Each half of the gold file (``split``: validation, the half
looked at while tuning; held_out, scored only) is reported on its own and both together; ``--split`` scores one
half, and ``--show-misses`` lists the misses of the halves scored. The last line is
``shown@k: 0.xxxx stance: 0.xxxx`` over the statements scored.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import Config  # noqa: E402
from service.engine import FactCheckEngine  # noqa: E402
from service.ingest import ingest_paths  # noqa: E402

CRIMEA = ("Iranian personnel are on the ground in Crimea.", "We strongly reject this information", "Crimea", 10)
MISSILES = ("Iran provided missiles to Russia.", "The missile part is completely wrong.", "missile", 5)


@dataclass
class Tally:
    expected: int = 0
    shown: int = 0
    stance_right: int = 0
    unrelated: int = 0
    unrelated_empty: int = 0
    misses: list[str] = field(default_factory=list)


def resolve_claims(engine: FactCheckEngine, statements: Sequence[dict]) -> dict[str, int]:
    """Each expected claim's id: the one stored claim whose text starts with the given words."""
    stored = [(int(i), text) for ids, texts in engine.store.all_claim_texts() for i, text in zip(ids, texts)]
    ids: dict[str, int] = {}
    for item in statements:
        for expected in item["expected"]:
            found = [i for i, text in stored if text.startswith(expected["claim"])]
            if len(found) != 1:
                raise SystemExit(f"{expected['claim']!r} names {len(found)} stored claims, not one")
            ids[expected["claim"]] = found[0]
    return ids


def shown_stances(result: dict[str, Any]) -> dict[int, str]:
    """Every claim the response shows (matches and their reported copies) with its stance label."""
    shown: dict[int, str] = {}
    for match in result["matches"]:
        shown.setdefault(match["claim_id"], match["stance"]["label"])
        for report in match.get("reported_by", []):
            shown.setdefault(report["claim_id"], report["stance"]["label"])
    return shown


def evaluate(engine: FactCheckEngine, statements: Sequence[dict], ids: dict[str, int], k: int) -> Tally:
    tally = Tally()
    for item in statements:
        result = engine.check(item["statement"], k=k, include_sources=False)
        if not item["expected"]:
            tally.unrelated += 1
            tally.unrelated_empty += not result["matches"]
            if result["matches"]:
                tally.misses.append(f"not empty: {item['statement']!r} -> {result['matches'][0]['text'][:60]!r}")
            continue
        shown = shown_stances(result)
        for expected in item["expected"]:
            tally.expected += 1
            label = shown.get(ids[expected["claim"]])
            if label is None:
                tally.misses.append(f"not in top {k}: {item['statement']!r} -> {expected['claim'][:60]!r}")
                continue
            tally.shown += 1
            if label == expected["stance"]:
                tally.stance_right += 1
            else:
                tally.misses.append(f"stance {label} (expected {expected['stance']}): {item['statement']!r} -> "
                                    f"{expected['claim'][:60]!r}")
    return tally


def target(engine: FactCheckEngine, statement: str, claim: str, context_word: str, k: int) -> str:
    matches = engine.check(statement, k=k, include_sources=False)["matches"]
    rank = next((n for n, m in enumerate(matches, 1) if m["text"] == claim), None)
    if rank is None:
        return f"{statement!r} -> {claim!r}: not in the top {k}"
    match = matches[rank - 1]
    context = (match["context"] or {}).get("text") or ""
    return (f"{statement!r} -> {claim!r}: rank {rank} of {k}, stance {match['stance']['label']}, "
            f"context names {context_word!r}: {context_word.lower() in context.lower()}")


def combined(tallies: Sequence[Any] | Any) -> Any:
    """The sum of several halves' tallies (dataclasses of one type, every field added; a :class:`Tally` of none)."""
    tallies = list(tallies)
    total = type(tallies[0])() if tallies else Tally()
    for tally in tallies:
        for name in fields(total):
            setattr(total, name.name, getattr(total, name.name) + getattr(tally, name.name))
    return total


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.3f})" if whole else "0/0"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "gold" / "seed_statements.json")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without resolved texts")
    parser.add_argument("--split", choices=("validation", "held_out"), help="score only this half of the gold file")
    parser.add_argument("--show-misses", action="store_true", help="list every miss of the statements scored")
    args = parser.parse_args(argv)
    statements = [s for s in json.loads(args.gold.read_text(encoding="utf-8"))["statements"]
                  if args.split is None or s.get("split", "validation") == args.split]
    halves = sorted({s.get("split", "validation") for s in statements}, key=("validation", "held_out").index)

    with tempfile.TemporaryDirectory() as tmp:
        engine = FactCheckEngine(Config.from_env(data_dir=Path(tmp) / "resolved", index_resolved_text=True))
        list(ingest_paths(engine, [args.seeds]))
        engine.save_index()
        ids = resolve_claims(engine, statements)
        runs = {"resolved texts indexed": engine}
        if not args.no_baseline:
            shutil.copytree(Path(tmp) / "resolved", Path(tmp) / "baseline")
            runs["baseline: claim text only"] = FactCheckEngine(
                Config.from_env(data_dir=Path(tmp) / "baseline", index_resolved_text=False),
                embedder=engine.embedder, stance_model=engine.stance_model, extractor=engine.extractor)
        tallies = {name: {half: evaluate(run, [s for s in statements if s.get("split", "validation") == half],
                                         ids, args.k) for half in halves}
                   for name, run in runs.items()}
        targets = {name: [target(run, *CRIMEA), target(run, *MISSILES)] for name, run in runs.items()}
        index_sizes = {name: (run.index.size, run.index.vectors) for name, run in runs.items()}

    related = sum(1 for s in statements if s["expected"])
    print(f"{len(statements)} statements ({related} with {sum(len(s['expected']) for s in statements)} expected "
          f"claims, {len(statements) - related} unrelated), k={args.k}, stance model {engine.stance_model.name!r}")
    for name, by_half in tallies.items():
        claims, vectors = index_sizes[name]
        print(f"\n{name} (index: {claims} claims, {vectors} vectors)")
        for half, tally in [*by_half.items(), *([("both halves", combined(by_half.values()))] if len(by_half) > 1
                                                 else [])]:
            print(f"  {half}: expected claims shown in the top {args.k}: {share(tally.shown, tally.expected)}; "
                  f"their stance right: {share(tally.stance_right, tally.shown)} "
                  f"(of all expected: {share(tally.stance_right, tally.expected)}); "
                  f"unrelated statements empty: {share(tally.unrelated_empty, tally.unrelated)}")
        for line in targets[name]:
            print(f"  target: {line}")
        if args.show_misses:
            for half, tally in by_half.items():
                for miss in tally.misses:
                    print(f"  miss ({half}): {miss}")
    main_tally = combined(next(iter(tallies.values())).values())
    print(f"\nshown@{args.k}: {main_tally.shown / main_tally.expected:.4f} "
          f"stance: {main_tally.stance_right / max(main_tally.shown, 1):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
