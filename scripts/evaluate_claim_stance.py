"""Score the configured claim-level stance model on sentence pairs, through the code path of /v1/check.

    python scripts/evaluate_claim_stance.py --pairs FILE.jsonl [--stance-model fact|trained|polarity]
                                            [--group-by FIELD] [--limit N]

FILE.jsonl has one ``{"statement", "claim", "label"}`` a line (label: supports, refutes or neutral; the
synonyms SUPPORTS/REFUTES/NOT ENOUGH INFO, for/against/observing and entailment/contradiction are mapped).
Each claim is read by the configured extractor (reporting verb and voice, as ingestion stores them) and judged
by the engine's stance model, exactly as ``POST /v1/stance`` with ``claims`` and ``/v1/check`` do.
Prints per-label precision, recall and F1, the confusion matrix, accuracy and macro-F1 over the labels present;
the last line is ``claim stance macro-F1: 0.xxxx``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

LABELS = ("supports", "refutes", "neutral")
SYNONYMS = {"supports": "supports", "support": "supports", "supported": "supports", "entailment": "supports",
            "for": "supports", "agree": "supports", "true": "supports",
            "refutes": "refutes", "refute": "refutes", "refuted": "refutes", "contradiction": "refutes",
            "against": "refutes", "disagree": "refutes", "false": "refutes",
            "neutral": "neutral", "not enough info": "neutral", "nei": "neutral", "observing": "neutral",
            "discuss": "neutral", "unrelated": "neutral"}


def read_pairs(path: Path) -> list[dict]:
    pairs = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            label = SYNONYMS.get(str(row.get("label", "")).strip().lower())
            if label is None or not row.get("statement") or not row.get("claim"):
                raise SystemExit(f"{path}:{number}: needs statement, claim and a stance label, got {row!r}")
            pairs.append({**row, "label": label})
    return pairs


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Per-label precision / recall / F1, accuracy and macro-F1 over the labels present in ``gold``."""
    present = [label for label in LABELS if label in gold]
    per_label = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        predicted_n = sum(p == label for p in predicted)
        gold_n = sum(g == label for g in gold)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": gold_n}
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0
    macro = float(np.mean([per_label[label]["f1"] for label in present])) if present else 0.0
    return {"accuracy": round(accuracy, 4), "macro_f1": round(macro, 4), "pairs": len(gold), "labels": per_label}


def report(gold: Sequence[str], predicted: Sequence[str]) -> list[str]:
    result = scores(gold, predicted)
    lines = [f"{'label':<10} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    for label, s in result["labels"].items():
        lines.append(f"{label:<10} {s['precision']:>9.4f} {s['recall']:>7.4f} {s['f1']:>7.4f} {s['support']:>8d}")
    lines.append("confusion matrix (rows gold, columns predicted):")
    lines.append(" " * 10 + "".join(f"{label:>10}" for label in LABELS))
    for g in LABELS:
        lines.append(f"{g:<10}" + "".join(f"{sum(a == g and b == p for a, b in zip(gold, predicted)):>10d}"
                                          for p in LABELS))
    lines.append(f"accuracy: {result['accuracy']:.4f}")
    return lines


def predict(engine, pairs: Sequence[dict], progress: bool = True) -> list[str]:  # noqa: ANN001
    """The engine's claim-level stance for each pair, grouped by statement as /v1/stance would be called."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        groups[pair["statement"]].append(i)
    predicted = [""] * len(pairs)
    done, started = 0, time.perf_counter()
    for statement, indexes in groups.items():
        for start in range(0, len(indexes), 50):
            chunk = indexes[start:start + 50]
            result = engine.claim_stances(statement, [pairs[i]["claim"] for i in chunk])
            for i, stance in zip(chunk, result["stances"]):
                predicted[i] = stance["label"]
        done += len(indexes)
        if progress and done % 2000 < len(indexes):
            print(f"  {done}/{len(pairs)} pairs, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return predicted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", required=True, type=Path, help="JSONL: statement, claim, label")
    parser.add_argument("--stance-model", default=None, help="FACTCHECK_STANCE_MODEL to evaluate (default: configured)")
    parser.add_argument("--group-by", metavar="FIELD", help="also print accuracy and macro-F1 per value of FIELD")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pairs")
    args = parser.parse_args(argv)

    from service.config import Config
    from service.engine import FactCheckEngine

    pairs = read_pairs(args.pairs)[: args.limit or None]
    overrides = {"stance_model": args.stance_model} if args.stance_model else {}
    with tempfile.TemporaryDirectory() as data_dir:
        config = Config.from_env(data_dir=data_dir, **overrides)
        engine = FactCheckEngine(config)
        started = time.perf_counter()
        predicted = predict(engine, pairs)
        elapsed = time.perf_counter() - started
        engine.close()
    gold = [p["label"] for p in pairs]
    print(f"{len(pairs)} pairs, stance model {engine.stance_model.name!r}, {elapsed:.1f} s "
          f"({1000 * elapsed / max(len(pairs), 1):.1f} ms a pair)")
    if args.group_by:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, pair in enumerate(pairs):
            groups[str(pair.get(args.group_by, "-"))].append(i)
        for source, indexes in sorted(groups.items()):
            s = scores([gold[i] for i in indexes], [predicted[i] for i in indexes])
            print(f"  {source:<24} pairs {s['pairs']:>6}  accuracy {s['accuracy']:.4f}  macro-F1 {s['macro_f1']:.4f}")
    print("\n".join(report(gold, predicted)))
    print(f"claim stance macro-F1: {scores(gold, predicted)['macro_f1']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
