"""Stance models behind one interface, chosen by configuration (``FACTCHECK_STANCE_MODEL``)."""
from __future__ import annotations

from pathlib import Path

from ..config import PROJECT_ROOT, Config
from ..embeddings import Embedder
from .base import LABELS, Stance, StanceInput, StanceModel
from .polarity import PolarityStanceModel

__all__ = ["LABELS", "Stance", "StanceInput", "StanceModel", "PolarityStanceModel", "load_stance_model"]

TRAINED_MODEL_DIR = PROJECT_ROOT / "models" / "stance"


def load_stance_model(config: Config, embedder: Embedder) -> StanceModel:
    """'polarity' (rules), 'trained' (models/stance) or a path to a local CrossEncoder NLI directory."""
    choice = config.stance_model
    if choice == "polarity":
        return PolarityStanceModel(config.stance_related_threshold)
    if choice == "trained":
        from .trained import TrainedStanceModel

        return TrainedStanceModel.load(TRAINED_MODEL_DIR, embedder)
    if Path(choice).is_dir():
        from .crossencoder import CrossEncoderStanceModel

        return CrossEncoderStanceModel(choice)
    raise ValueError(f"FACTCHECK_STANCE_MODEL={choice!r}: expected 'polarity', 'trained' or a local directory")
