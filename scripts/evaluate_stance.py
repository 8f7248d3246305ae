"""Run the shipped stance model on an FNC-1 CSV pair and print its scores.

    python scripts/evaluate_stance.py --bodies FILE --stances FILE [--stance-model fact|trained] [--model models/stance]

``fact`` (the default): relatedness from the FNC-1 article head, agree / disagree / discuss from the fact-level
claim stance model over the body's lead and the sentences nearest the headline. ``trained``: the FNC-1 model alone.

The last line printed is ``FNC-1 score: 0.xxxx`` (the official weighting, relative to a perfect run).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

FNC_LABELS = ("agree", "disagree", "discuss", "unrelated")


def read_bodies(path: str | Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}


def read_stances(path: str | Path) -> list[tuple[str, str, str]]:
    """(headline, body id, stance) rows; the stance is "" when the file has no Stance column."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["Headline"], row["Body ID"], row.get("Stance", "")) for row in csv.DictReader(handle)]


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Official FNC-1 score divided by the best possible score."""
    score = best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        g_related, p_related = g != "unrelated", p != "unrelated"
        best += 0.25 + (0.75 if g_related else 0.0)
        if g_related == p_related:
            score += 0.25
        if g_related and g == p:
            score += 0.75
    return score / best if best else 0.0


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(FNC_LABELS)}
    matrix = np.zeros((len(FNC_LABELS), len(FNC_LABELS)), dtype=np.int64)
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g], index[p]] += 1
    return matrix


def report(gold: Sequence[str], predicted: Sequence[str]) -> tuple[list[str], float, float]:
    """Per-class P/R/F1, the confusion matrix and macro-F1 as text lines; also macro-F1 and FNC-1 score."""
    matrix = confusion(gold, predicted)
    lines = [f"{'class':<10} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    f1s = []
    for i, label in enumerate(FNC_LABELS):
        tp = matrix[i, i]
        precision = tp / matrix[:, i].sum() if matrix[:, i].sum() else 0.0
        recall = tp / matrix[i].sum() if matrix[i].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        lines.append(f"{label:<10} {precision:>9.4f} {recall:>7.4f} {f1:>7.4f} {matrix[i].sum():>8d}")
    lines.append("confusion matrix (rows gold, columns predicted):")
    lines.append(" " * 10 + "".join(f"{label:>10}" for label in FNC_LABELS))
    for i, label in enumerate(FNC_LABELS):
        lines.append(f"{label:<10}" + "".join(f"{v:>10d}" for v in matrix[i]))
    macro_f1 = float(np.mean(f1s))
    lines.append(f"macro-F1: {macro_f1:.4f}")
    return lines, macro_f1, fnc_score(gold, predicted)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bodies", required=True, help="FNC-1 bodies CSV (Body ID, articleBody)")
    parser.add_argument("--stances", required=True, help="FNC-1 stances CSV (Headline, Body ID, Stance)")
    parser.add_argument("--model", default=str(REPO_ROOT / "models" / "stance"), help="model directory")
    parser.add_argument("--embedding-model", default="all-MiniLM-L6-v2")
    parser.add_argument("--stance-model", choices=("fact", "trained"), default="fact")
    parser.add_argument("--claim-model", type=Path, help="the fact model's directory (default the shipped one)")
    args = parser.parse_args(argv)

    from service.embeddings import SentenceTransformerEmbedder
    from service.stance import CLAIM_MODEL_DIR
    from service.stance.claim_model import FactStanceModel
    from service.stance.trained import TrainedStanceModel

    bodies = read_bodies(args.bodies)
    rows = read_stances(args.stances)
    gold = [stance for _, _, stance in rows]
    unknown = sorted(set(gold) - set(FNC_LABELS))
    if unknown:
        parser.error(f"unknown stance labels in {args.stances}: {unknown}")
    started = time.perf_counter()
    model = TrainedStanceModel.load(args.model, SentenceTransformerEmbedder(args.embedding_model))
    if args.stance_model == "fact":
        model = FactStanceModel.load(args.claim_model or CLAIM_MODEL_DIR, related=model, threads=2)
    predicted = model.predict_pairs([h for h, _, _ in rows], [body_id for _, body_id, _ in rows], bodies)
    lines, _, score = report(gold, predicted)
    print(f"{len(rows)} pairs, {len(bodies)} bodies, {time.perf_counter() - started:.1f} s")
    print("\n".join(lines))
    print(f"FNC-1 score: {score:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
