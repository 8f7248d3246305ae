"""Check-worthiness: does a sentence contain a verifiable factual claim worth checking?

A MiniLM sentence classifier fine-tuned here on ClaimBuster and CLEF CheckThat! debate sentences
(scripts/train_checkworthiness.py, model card in models/checkworthiness/MODEL_CARD.md), run by ONNX Runtime with
the ``tokenizers`` library: no torch at query time. ``score`` gives a calibrated probability per sentence (a
temperature fitted on held-out debates); ``threshold`` is the shipped decision point (best F1 on those debates).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from .config import Config

MODEL_FILE = "model.int8.onnx"
SETTINGS_FILE = "settings.json"
DEFAULT_MAX_LENGTH = 64
DEFAULT_THRESHOLD = 0.5


class CheckWorthinessModel:
    """The shipped sentence classifier: text -> probability that it is a check-worthy factual sentence."""

    def __init__(self, model_dir: str | Path, threads: int = 1, model_file: str | Path | None = None,
                 temperature: float | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        directory = Path(model_dir)
        graph = Path(model_file) if model_file else directory / MODEL_FILE
        if not graph.is_file():
            raise FileNotFoundError(f"no check-worthiness model at {graph}; run scripts/train_checkworthiness.py")
        settings_path = directory / SETTINGS_FILE
        self.settings: dict = json.loads(settings_path.read_text()) if settings_path.is_file() else {}
        self.temperature = float(temperature if temperature is not None else self.settings.get("temperature", 1.0))
        self.threshold = float(self.settings.get("threshold", DEFAULT_THRESHOLD))
        self.max_length = int(self.settings.get("max_length", DEFAULT_MAX_LENGTH))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.directory = directory

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits (len(texts), 2): not check-worthy, check-worthy; one sentence per run.

        Sentences are not batched: int8 activations are quantised with one scale per run, so a sentence's score
        would depend on the sentences (and the padding) it was batched with.
        """
        out = np.zeros((len(texts), 2), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([" ".join(str(t).split()) for t in texts])
        for row, encoding in enumerate(encodings):
            feeds = {"input_ids": np.asarray([encoding.ids], dtype=np.int64),
                     "attention_mask": np.ones((1, len(encoding.ids)), dtype=np.int64),
                     "token_type_ids": np.zeros((1, len(encoding.ids)), dtype=np.int64)}
            out[row] = self.session.run(["logits"], {k: v for k, v in feeds.items() if k in self._inputs})[0][0]
        return out

    def score(self, texts: Sequence[str]) -> list[float]:
        """Calibrated probability (0..1) that each sentence contains a factual claim worth checking."""
        logits = self.logits(texts) / self.temperature
        margin = np.clip(logits[:, 1] - logits[:, 0], -60.0, 60.0)
        return [round(float(p), 6) for p in 1.0 / (1.0 + np.exp(-margin))]

    def is_check_worthy(self, texts: Sequence[str]) -> list[bool]:
        """Whether each sentence reaches the shipped threshold."""
        return [p >= self.threshold for p in self.score(texts)]


_CACHE: dict[tuple[str, int], CheckWorthinessModel] = {}
_CACHE_LOCK = threading.Lock()


def load_checkworthiness_model(config: "Config") -> CheckWorthinessModel:
    """The model at ``config.checkworthiness_model`` (FACTCHECK_CHECKWORTHINESS_MODEL), loaded once per process."""
    directory = Path(config.checkworthiness_model).expanduser().resolve()
    threads = max(1, int(getattr(config, "torch_threads", 1) or 1))
    key = (str(directory), threads)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = CheckWorthinessModel(directory, threads=threads)
        return _CACHE[key]
