"""How to run the claim stance cross-encoder: one pair per ONNX run or batched, dynamic or static int8.

For each ONNX graph given, on the same validation pairs in the same run: CPU milliseconds per 10 pairs (the k of
a /v1/check) run one by one and as one padded batch, macro-F1 of the labels, and how often a pair's label changes
when it is batched with others (dynamic int8 quantises activations with one scale per run, so it can).
``--static OUT`` first writes a statically quantised graph (activation scales fixed by calibration on training
pairs) from the float32 one, to compare with.

    python scripts/bench_claim_stance_inference.py --float32 var/claim_stance_train/final/model.onnx \\
        --static var/claim_stance_static.int8.onnx --pairs 1000
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from evaluate_claim_stance import scores  # noqa: E402

from service.stance.claim_model import ClaimStanceClassifier, softmax  # noqa: E402

MODEL_DIR = ROOT / "models" / "claim_stance"
BATCH = 10


def read_pairs(path: Path, count: int, seed: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return random.Random(seed).sample(rows, min(count, len(rows)))


def write_static(float32: Path, out: Path, calibration: list[dict], tokenizer) -> None:  # noqa: ANN001
    """Static int8 (QDQ, per-channel weights) with activation ranges from ``calibration`` pairs."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Pairs(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter(feeds(tokenizer, [[row] for row in calibration]))

        def get_next(self) -> dict | None:
            return next(self.feeds, None)

    prepared = out.with_suffix(".pre.onnx")
    quant_pre_process(str(float32), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(out), Pairs(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul", "Gather"])
    prepared.unlink()


def feeds(tokenizer, chunks: list[list[dict]]) -> list[dict]:  # noqa: ANN001
    """ONNX inputs per chunk of pairs, padded to the chunk's longest pair."""
    out = []
    for chunk in chunks:
        tokenizer.enable_padding()
        encodings = tokenizer.encode_batch([(row["claim"], row["statement"]) for row in chunk])
        tokenizer.no_padding()
        out.append({"input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
                    "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--float32", type=Path, help="the float32 graph (scripts/train_claim_stance.py's export)")
    parser.add_argument("--static", type=Path, help="write a static int8 graph here from --float32, and measure it")
    parser.add_argument("--validation", type=Path, default=ROOT / "var" / "claim_stance_train" / "validation.jsonl")
    parser.add_argument("--train", type=Path, default=ROOT / "var" / "claim_stance_train" / "train.jsonl")
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args(argv)

    shipped = ClaimStanceClassifier(MODEL_DIR)
    tokenizer = shipped.tokenizer
    graphs = {"dynamic int8 (shipped)": MODEL_DIR / "model.int8.onnx"}
    if args.float32:
        graphs["float32"] = args.float32
        if args.static:
            write_static(args.float32, args.static, read_pairs(args.train, 400, args.seed), tokenizer)
            graphs["static int8"] = args.static
    rows = read_pairs(args.validation, args.pairs, args.seed)
    gold = [row["label"] for row in rows]
    singles = feeds(tokenizer, [[row] for row in rows])
    batches = feeds(tokenizer, [rows[i:i + BATCH] for i in range(0, len(rows), BATCH)])
    print(f"{len(rows)} validation pairs; CPU time of one thread; batches of {BATCH}")
    print(f"{'graph':24} {'one by one':>14} {'batched':>14} {'macro-F1':>9} {'labels same batched':>20}")
    for name, graph in graphs.items():
        model = ClaimStanceClassifier(MODEL_DIR, model_file=graph)
        run = lambda feed: model.session.run(["logits"], feed)[0]  # noqa: E731
        run(singles[0])
        started = time.process_time()
        one = np.concatenate([run(feed) for feed in singles])
        one_ms = (time.process_time() - started) / len(rows) * BATCH * 1000
        started = time.process_time()
        batched = np.concatenate([run(feed) for feed in batches])
        batched_ms = (time.process_time() - started) / len(rows) * BATCH * 1000
        labels = [model.decide(p).label for p in softmax(one / model.temperature)]
        labels_batched = [model.decide(p).label for p in softmax(batched / model.temperature)]
        same = float(np.mean([a == b for a, b in zip(labels, labels_batched)]))
        print(f"{name:24} {one_ms:11.1f} ms {batched_ms:11.1f} ms {scores(gold, labels)['macro_f1']:9.4f} "
              f"{same:20.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
