"""What a claim answers, on articles written blind to the rules (tests/gold/responds_to_blind.json).

    python scripts/evaluate_references.py [--gold FILE] [--k 5] [--split validation|held_out] [--no-baseline]
                                          [--errors]

Every article of the gold file is ingested into a fresh data directory through ``FactCheckEngine.ingest_articles``
(what ``factcheck ingest`` and the seeds use). Each gold entry names a referring claim by words of it, and the
sentence it answers by words of that sentence (``antecedent``; null for a control: a claim that names its own
content or answers nothing earlier). Per half of the file (``split``: validation, read while working on the rules;
held_out, scored only):

- extracted: the referring claim is a stored claim (a stored claim's text holds the entry's words);
- linked right: its stored ``context`` is the gold sentence (token overlap as extraction's gold matching:
  ``shared / min(len) >= 0.75``), or it has none where the gold has none; reported for answers and controls apart;
- found: the gold ``statement`` (a journalist's wording of what was answered) through ``FactCheckEngine.check``
  (what POST /v1/check calls) shows the referring claim in the top k (a match or one of its ``reported_by``
  copies), and with the gold stance.

The baseline (unless ``--no-baseline``) is the same store searched without the claims' resolved texts
(FACTCHECK_INDEX_RESOLVED_TEXT=0). ``--errors`` lists the validation half's misses; the held-out half's are not
printed. The last line is ``responds_to accuracy: 0.xxxx`` over the entries scored (a claim not extracted counts
as wrong).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluate_statements import combined, share, shown_stances  # noqa: E402
from service.config import Config  # noqa: E402
from service.engine import ArticleInput, FactCheckEngine  # noqa: E402
from service.extraction.evaluation import ReferenceScore, load_reference_articles, score_reference  # noqa: E402

HALVES = ("validation", "held_out")


@dataclass
class ReferenceTally(ReferenceScore):
    """A half's linking (:class:`ReferenceScore`), and its statements: the referring claim in the top k, with the
    gold stance."""

    statements: int = 0
    shown: int = 0
    stance_right: int = 0


def ingest(engine: FactCheckEngine, articles: Sequence[dict]) -> dict[str, list[dict]]:
    """Each gold article's stored claims, by the gold id."""
    items = [ArticleInput(text=a["text"], outlet=a.get("outlet"), title=a.get("title"), published=a.get("published"))
             for a in articles]
    stored: dict[str, list[dict]] = {}
    for article, result in zip(articles, engine.ingest_articles(items)):
        if not hasattr(result, "article_id"):
            raise SystemExit(f"{article['id']}: not ingested: {result}")
        stored[article["id"]] = engine.store.claims_of_article(result.article_id)
    return stored


def score(engine: FactCheckEngine, articles: Sequence[dict], stored: dict[str, list[dict]],
          k: int) -> dict[str, ReferenceTally]:
    tallies = {half: ReferenceTally() for half in HALVES}
    for article in articles:
        tally = tallies[article["split"]]
        claims = stored[article["id"]]
        for entry in article["referring"]:
            position = score_reference(tally, article, entry, [(c["text"], c["responds_to_text"]) for c in claims])
            if not entry.get("statement"):
                continue
            tally.statements += 1
            if position is None:
                continue
            claim_id = claims[position]["id"]
            label = shown_stances(engine.check(entry["statement"], k=k, include_sources=False)).get(claim_id)
            where = f"{article['id']} {entry['claim'][:40]!r}"
            if label is None:
                tally.misses.append(f"{where}: not in the top {k} for {entry['statement']!r}")
                continue
            tally.shown += 1
            tally.stance_right += label == entry["stance"]
            if label != entry["stance"]:
                tally.misses.append(f"{where}: stance {label} (expected {entry['stance']}) "
                                    f"for {entry['statement']!r}")
    return tallies


def report(name: str, tallies: dict[str, ReferenceTally], k: int, link: bool) -> None:
    print(name)
    halves = [(h, t) for h, t in tallies.items() if t.entries]
    for half, tally in [*halves, *([("both halves", combined([t for _, t in halves]))] if len(halves) > 1 else [])]:
        line = f"  {half}: referring claims extracted {share(tally.extracted, tally.entries)}"
        if link:
            line += (f"; linked right {share(tally.linked_right, tally.entries)} (answers "
                     f"{share(tally.answers_right, tally.answers)}, controls {share(tally.controls_right, tally.controls)})")
        line += (f"; found in the top {k} by the statement {share(tally.shown, tally.statements)}, "
                 f"stance right {share(tally.stance_right, tally.shown)}")
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "gold" / "responds_to_blind.json")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--split", choices=HALVES, help="score only this half of the gold file")
    parser.add_argument("--no-baseline", action="store_true", help="skip the search without resolved texts")
    parser.add_argument("--errors", action="store_true", help="list the validation half's misses")
    args = parser.parse_args(argv)
    articles: list[dict[str, Any]] = load_reference_articles(args.gold)
    scored = [a for a in articles if args.split is None or a["split"] == args.split]

    with tempfile.TemporaryDirectory() as tmp:
        engine = FactCheckEngine(Config.from_env(data_dir=Path(tmp) / "resolved", index_resolved_text=True))
        stored = ingest(engine, articles)  # every article, whichever half is scored: the same store
        engine.save_index()
        tallies = score(engine, scored, stored, args.k)
        baseline = None
        if not args.no_baseline:
            shutil.copytree(Path(tmp) / "resolved", Path(tmp) / "baseline")
            plain = FactCheckEngine(Config.from_env(data_dir=Path(tmp) / "baseline", index_resolved_text=False),
                                    embedder=engine.embedder, stance_model=engine.stance_model,
                                    extractor=engine.extractor)
            baseline = score(plain, scored, stored, args.k)

    claims = sum(len(c) for c in stored.values())
    print(f"{len(articles)} articles ({claims} claims stored), {sum(len(a['referring']) for a in scored)} entries "
          f"scored, k={args.k}, stance model {engine.stance_model.name!r}")
    report("resolved texts indexed", tallies, args.k, link=True)
    if baseline:
        report("baseline: claim text only", baseline, args.k, link=False)
    if args.errors:
        for miss in tallies["validation"].misses:
            print(f"  miss (validation): {miss}")
    total = combined(list(tallies.values()))
    print(f"\nresponds_to accuracy: {total.linked_right / max(total.entries, 1):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
