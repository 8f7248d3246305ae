"""A classifier fine-tuned here (scripts/finetune.py) and shipped as int8 ONNX beside its tokenizer and settings,
run by ONNX Runtime with the ``tokenizers`` library: no torch at query time."""
from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_FILE = "model.int8.onnx"
SETTINGS_FILE = "settings.json"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities of each row of logits (numerically stable)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class OnnxClassifier:
    """``model_dir`` holds ``model.int8.onnx``, ``tokenizer.json`` and ``settings.json`` (temperature, max length
    and what the training script fitted). Inputs are run one per call: int8 activations are quantised with one
    scale per run, so a batched input's answer would depend on the inputs (and the padding) it was batched with.
    Several inputs of one call are run on ``parallel`` threads at once (ONNX Runtime releases the GIL), and an
    input given twice is run once; neither changes an answer."""

    training_script = "the training script"  # named when the model is missing
    labels = 2
    default_max_length = 128

    def __init__(self, model_dir: str | Path, threads: int = 1, model_file: str | Path | None = None,
                 temperature: float | None = None, parallel: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.directory = Path(model_dir)
        graph = Path(model_file) if model_file else self.directory / MODEL_FILE
        if not graph.is_file():
            raise FileNotFoundError(f"no model at {graph}; run {self.training_script}")
        settings_path = self.directory / SETTINGS_FILE
        self.settings: dict = json.loads(settings_path.read_text()) if settings_path.is_file() else {}
        self.temperature = float(temperature if temperature is not None else self.settings.get("temperature", 1.0))
        self.max_length = int(self.settings.get("max_length", self.default_max_length))
        self.tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length, strategy="longest_first")
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.parallel = max(1, parallel)
        self._pool: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): made after a fork, not before
        self._pool_lock = threading.Lock()

    def run(self, inputs: Sequence[str] | Sequence[tuple[str, str]], parallel: int | None = None) -> np.ndarray:
        """Raw logits (len(inputs), labels) of single texts or text pairs, one input per run, on ``parallel``
        threads (default the classifier's own; 1 where another model already runs beside this call)."""
        out = np.zeros((len(inputs), self.labels), dtype=np.float32)
        distinct = list(dict.fromkeys(inputs))
        if not distinct:
            return out
        encodings = self.tokenizer.encode_batch(distinct)
        if (self.parallel if parallel is None else parallel) > 1 and len(encodings) > 1:
            rows = list(self.pool().map(self.run_one, encodings))
        else:
            rows = [self.run_one(encoding) for encoding in encodings]
        logits = dict(zip(distinct, rows))
        for row, item in enumerate(inputs):
            out[row] = logits[item]
        return out

    def run_one(self, encoding) -> np.ndarray:  # noqa: ANN001 - tokenizers.Encoding
        """Logits of one tokenised input."""
        feeds = {"input_ids": np.asarray([encoding.ids], dtype=np.int64),
                 "attention_mask": np.ones((1, len(encoding.ids)), dtype=np.int64),
                 "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64)}
        return self.session.run(["logits"], {k: v for k, v in feeds.items() if k in self._inputs})[0][0]

    def pool(self) -> ThreadPoolExecutor:
        """This process's threads for running inputs side by side (a pool made before a fork has no threads)."""
        with self._pool_lock:
            if self._pool is None or self._pool[0] != os.getpid():
                self._pool = (os.getpid(), ThreadPoolExecutor(self.parallel, thread_name_prefix="onnx-classifier"))
            return self._pool[1]
