"""Check-worthiness: does a sentence contain a verifiable factual claim worth checking?

A MiniLM sentence classifier fine-tuned here on ClaimBuster and CLEF CheckThat! debate sentences
(scripts/train_checkworthiness.py, model card in models/checkworthiness/MODEL_CARD.md), run by ONNX Runtime with
the ``tokenizers`` library: no torch at query time. ``score`` gives a calibrated probability per sentence (a
temperature fitted on held-out debates); ``threshold`` is the shipped decision point (best F1 on those debates).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .onnx_classifier import OnnxClassifier

if TYPE_CHECKING:
    from .config import Config

DEFAULT_MAX_LENGTH = 64
DEFAULT_THRESHOLD = 0.5


class CheckWorthinessModel(OnnxClassifier):
    """The shipped sentence classifier: text -> probability that it is a check-worthy factual sentence."""

    training_script = "scripts/train_checkworthiness.py"
    labels = 2  # not check-worthy, check-worthy
    default_max_length = DEFAULT_MAX_LENGTH

    def __init__(self, model_dir: str | Path, threads: int = 1, model_file: str | Path | None = None,
                 temperature: float | None = None, parallel: int = 1) -> None:
        super().__init__(model_dir, threads, model_file, temperature, parallel)
        self.threshold = float(self.settings.get("threshold", DEFAULT_THRESHOLD))

    def logits(self, texts: Sequence[str], parallel: int | None = None) -> np.ndarray:
        """Raw logits (len(texts), 2): not check-worthy, check-worthy; whitespace runs read as one space."""
        return self.run([" ".join(str(t).split()) for t in texts], parallel)

    def score(self, texts: Sequence[str], parallel: int | None = None) -> list[float]:
        """Calibrated probability (0..1) that each sentence contains a factual claim worth checking (on
        ``parallel`` threads; default the configured number)."""
        logits = self.logits(texts, parallel) / self.temperature
        margin = np.clip(logits[:, 1] - logits[:, 0], -60.0, 60.0)
        return [round(float(p), 6) for p in 1.0 / (1.0 + np.exp(-margin))]

    def is_check_worthy(self, texts: Sequence[str]) -> list[bool]:
        """Whether each sentence reaches the shipped threshold."""
        return [p >= self.threshold for p in self.score(texts)]


_CACHE: dict[tuple[str, int, int], CheckWorthinessModel] = {}
_CACHE_LOCK = threading.Lock()


def load_checkworthiness_model(config: "Config") -> CheckWorthinessModel:
    """The model at ``config.checkworthiness_model`` (FACTCHECK_CHECKWORTHINESS_MODEL), loaded once per process;
    the sentences of one call run on ``checkworthiness_parallelism`` threads (one sentence per run, so a score does
    not depend on the sentences scored with it)."""
    directory = Path(config.checkworthiness_model).expanduser().resolve()
    threads = max(1, int(getattr(config, "torch_threads", 1) or 1))
    parallel = max(1, int(getattr(config, "checkworthiness_parallelism", 1) or 1))
    key = (str(directory), threads, parallel)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = CheckWorthinessModel(directory, threads=threads, parallel=parallel)
        return _CACHE[key]
