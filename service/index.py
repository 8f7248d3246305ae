"""The FAISS index: derived from the store, saved beside it, rebuilt from stored embeddings at any time."""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import faiss
import numpy as np


@dataclass(frozen=True)
class IndexState:
    """What a saved index reflects: the store generation and claim count it was built from."""

    generation: int
    count: int
    model: str
    dim: int
    kind: str


class VectorIndex:
    """Inner-product search over L2-normalised vectors, keyed by claim id (exact, ``IndexFlatIP``)."""

    kind = "flat"

    def __init__(self, dim: int, model: str) -> None:
        self.dim = dim
        self.model = model
        self.generation = 0
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._lock = threading.RLock()

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        with self._lock:
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                     np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.fromiter(ids, dtype=np.int64)
        if len(ids) == 0:
            return 0
        with self._lock:
            return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def search(self, vector: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest claims as (claim id, cosine similarity), best first."""
        with self._lock:
            if self.size == 0 or k <= 0:
                return []
            query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            params = None
            if allowed_ids is not None:
                if len(allowed_ids) == 0:
                    return []
                params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_ids.astype(np.int64)))
                k = min(k, len(allowed_ids))
            scores, ids = self._index.search(query, min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def state(self) -> IndexState:
        return IndexState(self.generation, self.size, self.model, self.dim, self.kind)

    def save(self, path: Path) -> None:
        """Write the index and its state atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
            faiss.write_index(self._index, str(tmp))
            state = self.state()
        os.replace(tmp, path)
        meta = state_path(path)
        tmp_meta = meta.with_suffix(meta.suffix + f".tmp{os.getpid()}")
        tmp_meta.write_text(json.dumps(state.__dict__))
        os.replace(tmp_meta, meta)

    @classmethod
    def load(cls, path: Path) -> "VectorIndex | None":
        """The saved index, or None when it is missing or unreadable."""
        meta = state_path(path)
        if not path.exists() or not meta.exists():
            return None
        try:
            state = IndexState(**json.loads(meta.read_text()))
            loaded = faiss.read_index(str(path))
        except (OSError, ValueError, TypeError, RuntimeError):
            return None
        if state.kind != cls.kind or loaded.ntotal != state.count or loaded.d != state.dim:
            return None
        index = cls(state.dim, state.model)
        index._index = loaded
        index.generation = state.generation
        return index


def state_path(index_path: Path) -> Path:
    return index_path.with_suffix(".json")
