"""Fine-tuning the packaged all-MiniLM-L6-v2 transformer as a classifier, shared by the training scripts.

Reproducible and resumable: a fixed seed fixes the batch order and the initial head; a checkpoint (weights,
optimiser, schedule, RNG, step) is written every ``checkpoint_every`` steps, and a run started again resumes from
it. The trained classifier is exported to ONNX and quantised to int8 (dynamic, per-channel weights).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

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
    """Padded (input ids, attention mask, token types) tensors of the rows ``index``."""
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


@dataclass(frozen=True)
class Plan:
    """How to train: the command-line settings both training scripts share."""

    seed: int
    epochs: int
    batch_size: int
    lr: float
    threads: int
    checkpoint_every: int
    max_steps: int = 0  # train on the first N batches of the plan only
    stop_after: int = 0  # stop (as if interrupted) after this many steps
    log_every: int = 50
    init: Path | None = None  # a model (its directory) or a checkpoint.pt trained before, with the same labels, to
    # start from; default the packaged base
    layers: int = 0  # keep this many of the encoder's layers, evenly spaced (a smaller, faster student); 0: all
    device: str = "cpu"  # "cuda" where a GPU is lent: the same batches in the same order, faster

    @classmethod
    def from_args(cls, args, log_every: int = 50) -> Plan:  # noqa: ANN001 - argparse.Namespace
        return cls(args.seed, args.epochs, args.batch_size, args.lr, args.threads, args.checkpoint_every,
                   args.max_steps, args.stop_after, log_every, getattr(args, "init", None), getattr(args, "layers", 0),
                   getattr(args, "device", "cpu"))


def keep_layers(model, count: int) -> None:  # noqa: ANN001 - a transformers BERT classifier
    """Drop all but ``count`` evenly spaced layers of the encoder, first and last kept (as DistilBERT keeps every
    other layer of its teacher): the student starts from the trained weights, at a fraction of the cost."""
    import torch

    layers = model.base_model.encoder.layer
    if not 0 < count < len(layers):
        raise ValueError(f"keep between 1 and {len(layers) - 1} of {len(layers)} layers, not {count}")
    keep = sorted({round(i * (len(layers) - 1) / max(1, count - 1)) for i in range(count)})
    model.base_model.encoder.layer = torch.nn.ModuleList(layers[i] for i in keep)
    model.config.num_hidden_layers = len(keep)
    log(f"kept encoder layers {keep} of {len(layers)}")


def fine_tune(work: Path, tokenizer, tokens: dict, labels: Sequence[int] | np.ndarray,  # noqa: ANN001
              label_names: Sequence[str], plan: Plan, what: str = "rows") -> Path:
    """Train a classification head and the encoder on ``tokens`` / ``labels``; the model saved in ``work/final``.

    ``labels`` are class indices, or one row of class probabilities per input (a teacher's soft targets): the
    loss is the cross-entropy against either.

    A model already in ``work/final`` is returned as it is; a checkpoint in ``work`` is resumed from. With
    ``plan.stop_after`` the run stops after that many steps with exit status 3, as an interrupted run would.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup

    torch.set_num_threads(plan.threads)
    final = work / "final"
    if (final / "config.json").exists():
        log(f"trained model found in {final}")
        return final
    targets = torch.tensor(np.asarray(labels))
    lengths = np.array([len(x) for x in tokens["ids"]])
    torch.manual_seed(plan.seed)
    start_dir = base_model_dir()
    if plan.init and plan.init.is_dir():
        start_dir = plan.init if (plan.init / "config.json").exists() else dequantise(plan.init, work / "init")
    model = AutoModelForSequenceClassification.from_pretrained(
        str(start_dir), num_labels=len(label_names), id2label=dict(enumerate(label_names)),
        label2id={label: i for i, label in enumerate(label_names)})
    if plan.init and plan.init.is_file():  # a checkpoint of an earlier run: its weights
        model.load_state_dict(torch.load(plan.init, weights_only=False)["model"])
    if plan.layers:
        keep_layers(model, plan.layers)
    if plan.device != "cpu":
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 products on a GPU; the loss is still float32
        model.to(plan.device)
        targets = targets.to(plan.device)
    order = [b for epoch in range(plan.epochs) for b in batches(lengths, plan.batch_size, plan.seed, epoch)]
    order = order[: plan.max_steps or None]
    optimizer = torch.optim.AdamW(model.parameters(), lr=plan.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * len(order)), len(order))
    checkpoint = work / "checkpoint.pt"
    step = 0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False, map_location=plan.device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"].cpu())
        step = state["step"]
        log(f"resuming at step {step} of {len(order)}")
    log(f"{len(targets)} {what}, {len(order)} steps of {plan.batch_size}, mean length {lengths.mean():.0f} tokens")
    model.train()
    started, running = time.perf_counter(), []
    while step < len(order):
        ids, mask, types = (t.to(plan.device) for t in collate(tokens, order[step], tokenizer.pad_token_id))
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
        loss = torch.nn.functional.cross_entropy(logits, targets[order[step]])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step += 1
        running.append(loss.item())
        if step % plan.log_every == 0:
            rate = (time.perf_counter() - started) / len(running)
            log(f"step {step}/{len(order)} loss {np.mean(running[-plan.log_every:]):.4f} ({rate:.2f} s/step)")
        stopping = plan.stop_after and plan.stop_after <= step < len(order)
        if step % plan.checkpoint_every == 0 or step == len(order) or stopping:
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


def dequantise(shipped: Path, out: Path) -> Path:
    """A trainable float32 copy of a shipped classifier (``model.int8.onnx`` as ``export_int8`` writes it), saved
    as a transformers model in ``out``, so that a refine stage can start from the shipped model itself.

    Each int8 weight becomes ``scale * (q - zero_point)`` (per output channel); the float tensors (biases,
    LayerNorm) are copied as they are. A linear layer's weight is named in the graph only through the bias added
    to its product, so the graph is followed from each integer product to that bias.
    """
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    if (out / "config.json").exists():
        return out
    graph = onnx.load(str(shipped / "model.int8.onnx")).graph
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def float_weight(stem: str) -> np.ndarray:
        q = tensors[f"{stem}_quantized"].astype(np.float32)
        return (q - tensors[f"{stem}_zero_point"].astype(np.float32)) * tensors[f"{stem}_scale"]

    def bias_after(node) -> str:  # noqa: ANN001 - an ONNX node
        frontier = list(node.output)
        for _ in range(6):
            following = [n for name in frontier for n in consumers.get(name, [])]
            for n in following:
                bias = [i for i in n.input if i.endswith(".bias") and i in tensors]
                if n.op_type == "Add" and bias:
                    return bias[0]
            frontier = [o for n in following for o in n.output]
        raise ValueError(f"no bias follows {node.name} in {shipped}")

    state = {name: torch.tensor(value) for name, value in tensors.items() if name.endswith((".weight", ".bias"))}
    for stem in {name[: -len("_quantized")] for name in tensors if name.endswith("_quantized")}:
        if stem.endswith("_embeddings.weight"):  # Gather tables: (rows, width), as torch keeps them
            state[stem] = torch.tensor(float_weight(stem))
            continue
        (product,) = [n for n in consumers[f"{stem}_quantized"] if n.op_type == "MatMulInteger"]
        state[bias_after(product)[: -len(".bias")] + ".weight"] = torch.tensor(float_weight(stem).T.copy())
    config = AutoConfig.from_pretrained(str(base_model_dir()), num_labels=len(tensors["classifier.bias"]))
    model = AutoModelForSequenceClassification.from_config(config)
    missing = {name for name in model.state_dict() if not name.endswith("position_ids")} - set(state)
    if missing:
        raise ValueError(f"{shipped}: no weights for {sorted(missing)[:5]}")
    model.load_state_dict(state, strict=False)
    settings = json.loads((shipped / "settings.json").read_text()) if (shipped / "settings.json").exists() else {}
    if "labels" in settings:
        model.config.id2label = dict(enumerate(settings["labels"]))
        model.config.label2id = {label: i for i, label in enumerate(settings["labels"])}
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(shipped)).save_pretrained(str(out))
    log(f"dequantised {shipped / 'model.int8.onnx'} -> {out}")
    return out


def export_int8(trained: Path, out: Path, sample: Sequence[str] | Sequence[tuple[str, str]]) -> Path:
    """The float32 ONNX graph of the classifier in ``trained``, and its dynamic int8 quantisation with the
    tokenizer files in ``out`` (the shipped model); returns the float32 graph's path."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(trained)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(trained))
    first = [s[0] if isinstance(s, tuple) else s for s in sample]
    second = [s[1] for s in sample] if isinstance(sample[0], tuple) else None
    inputs = tokenizer(first, second, padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"logits": {0: "batch"}}
    plain = trained / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(model, (inputs["input_ids"], inputs["attention_mask"], inputs["token_type_ids"]),
                          str(plain), input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    out.mkdir(parents=True, exist_ok=True)
    # 7-bit weights (reduce_range): with 8-bit ones ONNX Runtime's u8 x s8 products overflowed for a refined stance
    # model (negated refutations 0.065 right in int8 against 0.98 in float32); 7-bit gave 0.98 (stance MODEL_CARD)
    quantize_dynamic(str(plain), str(out / "model.int8.onnx"), per_channel=True, reduce_range=True,
                     weight_type=QuantType.QInt8)
    for name in TOKENIZER_FILES:
        if (trained / name).exists():
            (out / name).write_bytes((trained / name).read_bytes())
    return plain
