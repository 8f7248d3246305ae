"""Score the check-worthiness model on labelled sentences.

    python scripts/evaluate_checkworthiness.py --sentences FILE.jsonl [--model-dir DIR] [--threshold P]

FILE.jsonl has one ``{"text", "label"}`` a line, label 1 (check-worthy: contains a verifiable factual claim
worth checking) or 0; ``true``/``false`` and ``Yes``/``No`` (CheckThat! style) are read too. The model is the
configured one (FACTCHECK_CHECKWORTHINESS_MODEL, default models/checkworthiness) at its shipped threshold unless
``--model-dir`` or ``--threshold`` say otherwise. Prints the counts, precision, recall and F1 of the positive
class, the mean average precision per document when rows carry a ``document`` field (the CLEF ranking measure),
and as the last line ``check-worthiness F1: 0.xxxx``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

POSITIVE = {"1", "true", "yes", "y"}
NEGATIVE = {"0", "false", "no", "n", "-1"}


def read_sentences(path: Path) -> list[dict]:
    """Rows of a JSON-lines file with text and a binary label; a malformed line stops the run, naming it."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{number}: not JSON ({exc})") from exc
            label = str(row.get("label", "")).strip().lower() if isinstance(row, dict) else ""
            text = row.get("text") if isinstance(row, dict) else None
            if not isinstance(text, str) or not text.strip() or label not in POSITIVE | NEGATIVE:
                raise SystemExit(f"{path}:{number}: needs text and a label 1 or 0, got {line.strip()[:200]!r}")
            rows.append({**row, "label": int(label in POSITIVE)})
    if not rows:
        raise SystemExit(f"{path}: no sentences")
    return rows


def binary_scores(truth: Sequence[int] | np.ndarray, predicted: Sequence[bool] | np.ndarray) -> dict:
    """Counts, precision, recall and F1 of the positive class."""
    truth, predicted = np.asarray(truth).astype(bool), np.asarray(predicted).astype(bool)
    tp = int((truth & predicted).sum())
    fp = int((~truth & predicted).sum())
    fn = int((truth & ~predicted).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"sentences": int(len(truth)), "positive": int(truth.sum()), "predicted_positive": int(predicted.sum()),
            "tp": tp, "fp": fp, "fn": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """Average precision of one ranking (by descending score); 0 when nothing is positive."""
    order = np.argsort(-scores, kind="stable")
    hits = truth[order].astype(bool)
    if not hits.any():
        return 0.0
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def mean_average_precision(scores: np.ndarray, truth: np.ndarray, documents: Sequence[str]) -> float:
    """Mean over documents with a positive sentence of the average precision of their ranking."""
    scores, truth, documents = np.asarray(scores), np.asarray(truth), np.asarray(documents)
    values = [average_precision(scores[documents == d], truth[documents == d])
              for d in sorted(set(documents.tolist())) if truth[documents == d].any()]
    return round(float(np.mean(values)), 4) if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=Path, required=True, help="JSON lines: {\"text\", \"label\": 1 or 0}")
    parser.add_argument("--model-dir", type=Path, help="a model directory (default: the configured model)")
    parser.add_argument("--threshold", type=float, help="decision threshold (default: the model's shipped one)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.sentences.is_file():
        raise SystemExit(f"{args.sentences}: no such file")
    rows = read_sentences(args.sentences)

    from service.checkworthiness import CheckWorthinessModel, load_checkworthiness_model
    from service.config import Config

    if args.model_dir:
        model = CheckWorthinessModel(args.model_dir, threads=args.threads)
    else:
        model = load_checkworthiness_model(Config.from_env(torch_threads=args.threads))
    threshold = model.threshold if args.threshold is None else args.threshold
    started = time.perf_counter()
    scores = np.array(model.score([r["text"] for r in rows]))
    elapsed = time.perf_counter() - started
    truth = np.array([r["label"] for r in rows])
    result = binary_scores(truth, scores >= threshold)
    print(f"model: {model.directory} (threshold {threshold:.2f}, temperature {model.temperature:.3f})")
    print(f"sentences: {result['sentences']}, check-worthy: {result['positive']}, "
          f"predicted check-worthy: {result['predicted_positive']} "
          f"({1000 * elapsed / len(rows):.2f} ms a sentence)")
    print(f"tp {result['tp']}  fp {result['fp']}  fn {result['fn']}")
    print(f"precision: {result['precision']:.4f}")
    print(f"recall: {result['recall']:.4f}")
    if all(isinstance(r.get("document"), str) for r in rows):
        print(f"MAP per document: {mean_average_precision(scores, truth, [r['document'] for r in rows]):.4f}")
    print(f"check-worthiness F1: {result['f1']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
