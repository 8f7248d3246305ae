"""The claim-level stance figures of the model card, for one or more trained models side by side in one run.

    python scripts/claim_stance_figures.py [--work var/claim_stance_train] [--limit 1000] [--model-alone]
                                           MODEL_DIR [MODEL_DIR ...]

Each model directory (``models/claim_stance`` or a training run's ``--out``) is served as the ``fact`` model
(``FACTCHECK_CLAIM_STANCE_MODEL``) and scored through the path of ``/v1/check`` (``evaluate_claim_stance.predict``)
on the hand-written hard pairs, each file reported apart:

- ``tests/data/hard_pairs.jsonl`` and ``hard_pairs_more.jsonl``, read while the models and the parse's fact checks
  were made;
- ``hard_pairs_fresh.jsonl``, written by someone who saw neither, first scored once the checks were done, its
  misses read since;
- ``hard_pairs_blind2.jsonl``, written the same way on 2026-12-02 and scored, by kind only, after that day's
  changes;
- ``hard_pairs_blind3.jsonl``, written the same way on 2026-12-03 (the same 12 kinds, 24 per label) and scored,
  by kind only;
- ``hard_pairs_blind4.jsonl``, written the same way on 2026-12-03, fifth session (the same 12 kinds, each with all
  three labels), and scored by kind only;
- ``hard_pairs_dev5.jsonl``, written the same way on 2026-12-04 (six of the weakest kinds: negated statement, both
  negated, paraphrase, antonym, entity, number; 8 pairs per kind and label), and read while that day's checks
  were written;
- ``hard_pairs_dev6.jsonl``, the same (the other six kinds: time, quantifier, hedge, denial, same topic, object);

and on sets written from the stage-one validation split in ``--work`` (never trained on): supported / refuted
claims (FEVER dev), news headline against lead (FNC-1 agree / disagree / discuss) and claim against evidence
sentence (VitaminC real), the first ``--limit`` pairs of each in file order; on the validation stories of
FNC-1 headline against headline (``claim_stance_data.headline_pairs`` over ``--data``), the first ``--limit``;
and on 600 unrelated pairings (``unrelated_pairings``: statements of those validation sets against other pairs'
claims, all neutral). Prints one table row per model.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from claim_stance_data import headline_pairs  # noqa: E402
from evaluate_claim_stance import predict, read_pairs, scores  # noqa: E402

HARD_PAIRS = [REPO_ROOT / "tests" / "data" / name for name in ("hard_pairs.jsonl", "hard_pairs_more.jsonl")]
FRESH_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_fresh.jsonl"
BLIND_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_blind2.jsonl"
BLIND3_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_blind3.jsonl"
BLIND4_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_blind4.jsonl"
DEV5_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_dev5.jsonl"
DEV6_HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs_dev6.jsonl"
# (column, validation sources, figure): the held-back kinds of issue 10, from the stage-one validation split
VALIDATION_SETS = (
    ("supported/refuted claims (accuracy)", ("fever_dev",), "accuracy"),
    ("headline vs lead (macro-F1)", ("fnc1-agree", "fnc1-disagree", "fnc1-discuss"), "macro_f1"),
    ("claim vs evidence (macro-F1)", ("vitaminc_real",), "macro_f1"),
)


def pair_sets(work: Path, limit: int, data: Path) -> list[tuple[str, list[dict], str]]:
    sets = [("hard pairs (accuracy)", [p for path in HARD_PAIRS for p in read_pairs(path)], "accuracy"),
            ("fresh hard pairs (accuracy)", read_pairs(FRESH_HARD_PAIRS), "accuracy"),
            ("blind hard pairs (accuracy)", read_pairs(BLIND_HARD_PAIRS), "accuracy"),
            ("blind hard pairs 3 (accuracy)", read_pairs(BLIND3_HARD_PAIRS), "accuracy"),
            ("blind hard pairs 4 (accuracy)", read_pairs(BLIND4_HARD_PAIRS), "accuracy"),
            ("dev hard pairs 5 (accuracy)", read_pairs(DEV5_HARD_PAIRS), "accuracy"),
            ("dev hard pairs 6 (accuracy)", read_pairs(DEV6_HARD_PAIRS), "accuracy")]
    validation = read_pairs(work / "validation.jsonl")
    for name, sources, figure in VALIDATION_SETS:
        sets.append((name, [p for p in validation if p["source"] in sources][:limit], figure))
    sets.append(("headline vs headline (macro-F1)", headline_pairs(data / "fnc1")[1][:limit], "macro_f1"))
    sets.append(("unrelated pairings (neutral)", unrelated_pairings(validation), "accuracy"))
    return sets


def unrelated_pairings(validation: list[dict], count: int = 600, seed: int = 1) -> list[dict]:
    """``count`` statements of the FEVER, FNC-1 and VitaminC validation pairs, each against another sampled pair's
    claim (the claims rotated by one after a seeded shuffle): unrelated, so neutral."""
    pool = [p for p in validation if p["source"] in {s for _, sources, _ in VALIDATION_SETS for s in sources}]
    sample = random.Random(seed).sample(pool, min(count, len(pool)))
    claims = [p["claim"] for p in sample[1:] + sample[:1]]
    return [{"statement": p["statement"], "claim": c, "label": "neutral", "source": "unrelated"}
            for p, c in zip(sample, claims)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", type=Path, help="model directories (model.int8.onnx, settings.json)")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "claim_stance_train",
                        help="the stage-one work directory (its validation.jsonl)")
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data",
                        help="the shared data directory (its fnc1/ for the headline pairs)")
    parser.add_argument("--limit", type=int, default=1000, help="pairs per validation set")
    parser.add_argument("--model-alone", action="store_true",
                        help="also score each model without the parse's fact checks (FACTCHECK_STANCE_FACT_CHECKS)")
    args = parser.parse_args(argv)

    from service.config import Config
    from service.engine import FactCheckEngine

    sets = pair_sets(args.work, args.limit, args.data)
    print("| model | " + " | ".join(f"{name}, {len(pairs)}" for name, pairs, _ in sets) + " |")
    print("|---" * (len(sets) + 1) + "|")
    for model in args.models:
        for checks in (True, False) if args.model_alone else (True,):
            cells = []
            with tempfile.TemporaryDirectory() as data_dir:
                engine = FactCheckEngine(Config.from_env(data_dir=data_dir, stance_model="fact",
                                                         claim_stance_model=str(model.resolve()),
                                                         stance_fact_checks=checks))
                for _, pairs, figure in sets:
                    result = scores([p["label"] for p in pairs], predict(engine, pairs, progress=False))
                    cells.append(f"{result[figure]:.3f}")
                engine.close()
            name = f"{model}" + ("" if checks else ", model alone")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
