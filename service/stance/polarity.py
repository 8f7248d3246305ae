"""A transparent rule-based stance model: polarity agreement between statement and claim.

It learns nothing. A claim about the same thing as the statement (cosine similarity at or above a
threshold) supports it when both have the same polarity and refutes it when one of them denies or
negates; everything else is neutral. Polarity comes from extraction (reporting verb such as "denied",
negation and rejection cues), so a denial and an admission of the same fact get opposite labels.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..extraction.attribution import polarity_of
from .base import Stance, StanceInput


class PolarityStanceModel:
    name = "polarity"

    def __init__(self, related_threshold: float = 0.45) -> None:
        self.related_threshold = related_threshold

    def classify(
        self, statement: str, claims: Sequence[StanceInput], statement_vector: np.ndarray | None = None
    ) -> list[Stance]:
        statement_polarity = polarity_of(statement, "asserts", None)
        return [self._one(statement_polarity, claim) for claim in claims]

    def _one(self, statement_polarity: str, claim: StanceInput) -> Stance:
        if claim.voice == "refuses_to_confirm" or claim.similarity < self.related_threshold:
            distance = max(0.0, self.related_threshold - claim.similarity)
            return Stance("neutral", min(1.0, 0.5 + distance))
        # The further above the threshold, the surer that the two are about the same thing.
        confidence = min(1.0, 0.5 + (claim.similarity - self.related_threshold))
        label = "supports" if claim.polarity == statement_polarity else "refutes"
        return Stance(label, confidence)
