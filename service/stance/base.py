"""The stance interface shared by every stance model."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

LABELS = ("supports", "refutes", "neutral")


@dataclass(frozen=True, eq=False)
class StanceInput:
    """One claim to judge against the statement."""

    text: str
    similarity: float  # cosine similarity of statement and claim embeddings
    polarity: str = "positive"  # "positive" or "negative", from extraction
    voice: str | None = None  # reporting-verb meaning (asserts, denies, admits, ...), if known
    verb: str | None = None  # the reporting verb as written ("denied"), if known
    context: str | None = None  # what the claim answers ("this information" -> the accusation), if known
    vector: np.ndarray | None = None  # the claim's stored, L2-normalised embedding, if at hand


@dataclass(frozen=True, eq=False)
class SourceInput:
    """One stored source (an article) to judge as a whole against the statement, from its stored claims."""

    key: str  # the article id: the same key always means the same text and claims
    text: str  # the article's cleaned text
    claim_texts: Sequence[str]
    claim_vectors: np.ndarray  # (len(claim_texts), dim), the claims' stored embeddings


@dataclass(frozen=True)
class ArticleStance:
    """Stance of a whole article toward a statement (FNC-1 labels), with the sentences or claims that drove it."""

    label: str  # agree, disagree, discuss or unrelated
    confidence: float
    evidence: list[int] = field(default_factory=list)  # indexes of sentences (or of a source's claims), best first

    def as_dict(self) -> dict:
        return {"label": self.label, "confidence": round(float(self.confidence), 4), "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Stance:
    label: str  # one of LABELS
    confidence: float  # 0..1

    def as_dict(self) -> dict:
        return {"label": self.label, "confidence": round(float(self.confidence), 4)}

    def flipped(self) -> "Stance":
        """The stance toward the opposite of the statement (supports and refutes swap; neutral stays)."""
        return Stance({"supports": "refutes", "refutes": "supports"}.get(self.label, self.label), self.confidence)


class StanceModel(Protocol):
    """Judges the stance of each claim toward a statement."""

    name: str

    def classify(
        self, statement: str, claims: Sequence[StanceInput], statement_vector: np.ndarray | None = None
    ) -> list[Stance]: ...
