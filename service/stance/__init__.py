"""Stance models behind one interface, chosen by configuration (``FACTCHECK_STANCE_MODEL``)."""
from __future__ import annotations

from pathlib import Path

from ..config import PROJECT_ROOT, Config
from ..embeddings import Embedder
from .base import LABELS, Stance, StanceInput, StanceModel
from .polarity import PolarityStanceModel

__all__ = ["LABELS", "Stance", "StanceInput", "StanceModel", "PolarityStanceModel", "load_stance_model"]

TRAINED_MODEL_DIR = PROJECT_ROOT / "models" / "stance"
CLAIM_MODEL_DIR = Config.claim_stance_model  # the shipped one: the default of FACTCHECK_CLAIM_STANCE_MODEL
STANCE_MODELS = ("fact", "trained", "polarity")


def load_stance_model(config: Config, embedder: Embedder) -> StanceModel:
    """'fact' (``config.claim_stance_model``, models/claim_stance by default), 'trained' (models/stance),
    'polarity' (rules) or a path to a local CrossEncoder NLI directory."""
    choice = config.stance_model
    if choice == "polarity":
        return PolarityStanceModel(config.stance_related_threshold)
    if choice in ("trained", "fact"):
        from .trained import TrainedStanceModel

        trained = TrainedStanceModel.load(TRAINED_MODEL_DIR, embedder)
        if choice == "trained":
            return trained
        from .claim_model import FactStanceModel

        return FactStanceModel.load(config.claim_stance_model, related=trained, threads=max(1, config.torch_threads),
                                    parallel=config.stance_parallelism, fact_checks=config.stance_fact_checks)
    if Path(choice).is_dir():
        from .crossencoder import CrossEncoderStanceModel

        return CrossEncoderStanceModel(choice)
    raise ValueError(f"FACTCHECK_STANCE_MODEL={choice!r}: expected one of {', '.join(STANCE_MODELS)} "
                     "or a local directory")
