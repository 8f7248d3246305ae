"""Stance from a local sentence-transformers CrossEncoder NLI model (premise: the claim, hypothesis: the statement)."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import Stance, StanceInput
from .features import analyse, body_sentences
from .trained import EVIDENCE_SENTENCES, ArticleStance

NLI_TO_STANCE = {"entailment": "supports", "contradiction": "refutes", "neutral": "neutral"}
STANCE_TO_FNC = {"supports": "agree", "refutes": "disagree"}
DECISIVE_PROBABILITY = 0.5  # a sentence this sure of entailment/contradiction sets the article's stance
DISCUSS_COVERAGE = 0.5  # share of statement content words a sentence needs for "discuss" rather than "unrelated"


def stance_labels(id2label: dict) -> list[str]:
    """Stance label of each output index, from the model config's NLI labels (case-insensitive)."""
    labels = []
    for index in range(len(id2label)):
        raw = str(id2label.get(index, id2label.get(str(index), ""))).strip().lower()
        if raw not in NLI_TO_STANCE:
            raise ValueError(
                f"cross-encoder labels {dict(id2label)} are not NLI labels (entailment, contradiction, neutral)"
            )
        labels.append(NLI_TO_STANCE[raw])
    if sorted(labels) != sorted(NLI_TO_STANCE.values()):
        raise ValueError(f"cross-encoder labels {dict(id2label)} must name entailment, contradiction and neutral once")
    return labels


class CrossEncoderStanceModel:
    """NLI cross-encoder as a stance model: entailment → supports, contradiction → refutes, neutral → neutral."""

    name = "cross-encoder"

    def __init__(self, model_dir: str | Path, device: str = "cpu", batch_size: int = 32) -> None:
        path = Path(model_dir).expanduser()
        if not path.is_dir():
            raise ValueError(f"cross-encoder model {str(model_dir)!r} is not a local directory")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(str(path), device=device, local_files_only=True)
        self.labels = stance_labels(self._model.config.id2label)
        self.batch_size = batch_size
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads at once

    def _probabilities(self, premises: Sequence[str], hypothesis: str) -> np.ndarray:
        """(len(premises), 3) softmax probabilities in the model's label order."""
        with self._lock:
            scores = self._model.predict(
                [(premise, hypothesis) for premise in premises], batch_size=self.batch_size,
                apply_softmax=True, convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(scores, dtype=np.float32).reshape(len(premises), len(self.labels))

    def classify(
        self, statement: str, claims: Sequence[StanceInput], statement_vector: np.ndarray | None = None
    ) -> list[Stance]:
        """Each claim is the premise, the statement the hypothesis; vectors are not used."""
        if not claims:
            return []
        probabilities = self._probabilities([c.text for c in claims], statement)
        best = probabilities.argmax(axis=1)
        return [Stance(self.labels[int(i)], float(p[i])) for p, i in zip(probabilities, best)]

    def classify_article(self, statement: str, text: str) -> ArticleStance:
        """Agree/disagree from the most decisive sentence; else discuss if a sentence covers the statement's words."""
        sentences = body_sentences(text)
        if not sentences:
            return ArticleStance("unrelated", 1.0, [])
        probabilities = self._probabilities(sentences, statement)
        column = {label: self.labels.index(label) for label in ("supports", "refutes", "neutral")}
        strongest = max(("supports", "refutes"), key=lambda label: probabilities[:, column[label]].max())
        scores = probabilities[:, column[strongest]]
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:EVIDENCE_SENTENCES]]
        if scores.max() >= DECISIVE_PROBABILITY:
            return ArticleStance(STANCE_TO_FNC[strongest], float(scores.max()), order)
        topic = analyse(statement).content
        coverage = [len(topic & analyse(s).content) / len(topic) if topic else 0.0 for s in sentences]
        if max(coverage) >= DISCUSS_COVERAGE:
            by_coverage = [int(i) for i in np.argsort(-np.asarray(coverage), kind="stable")[:EVIDENCE_SENTENCES]]
            return ArticleStance("discuss", float(probabilities[by_coverage[0], column["neutral"]]), by_coverage)
        return ArticleStance("unrelated", float(probabilities[:, column["neutral"]].mean()), [])
