"""Vector indexes over claim embeddings: derived from the store, saved beside it, rebuilt from it at any time.

Three kinds behind one interface (``VectorIndex``), all keyed by claim id, inner product on L2-normalised
vectors (= cosine similarity). A claim has up to ``SLOTS`` vectors: its own words (slot 0) and, for a claim that
answers something ("We strongly reject this information"), its resolved, self-contained text (slot 1). Inside
FAISS a vector's label is ``claim id * SLOTS + slot``; search takes each claim's best vector and returns the claim
once, removing a claim removes all its vectors, and ``size`` counts claims.

- ``flat``: exact search (``IndexIDMap2(IndexFlatIP)``); for collections under ``index_auto_threshold``.
- ``hnsw``: graph search (``IndexHNSWFlat``). FAISS cannot delete from HNSW, so a removed claim becomes a
  tombstone (its label is set to -1 and a bitmap selector skips it) and ``needs_rebuild`` asks the engine for
  a rebuild once tombstones pass ``TOMBSTONE_REBUILD_FRACTION``.
- ``ivf``: inverted lists (``IndexIVFFlat`` with a hash-table direct map, so claims are removed in place);
  trained on the collection at build time, ``needs_rebuild`` once it has grown or shrunk 4x since.

Filtered search (``allowed_ids``) returns only allowed claims for every kind; on the approximate kinds a
small allowed set is searched exactly (its vectors are scored directly), a large one through the index with an
id selector and a search breadth widened by the inverse of its share of the collection.
"""
from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import faiss
import numpy as np

log = logging.getLogger(__name__)

INDEX_KINDS = ("flat", "hnsw", "ivf")
EXACT_FILTER_LIMIT = 20_000  # an allowed set this small is scored exactly on the approximate kinds
GATHER_FILTER_LIMIT = 2_000  # ... and one this small by gathering its vectors (cheaper than a selector scan)
TOMBSTONE_REBUILD_FRACTION = 0.2  # hnsw: rebuild once this share of the entries are deleted claims
IVF_REGROW_FACTOR = 4  # ivf: retrain once the collection is 4x larger or smaller than at training
IVF_TRAIN_POINTS_PER_LIST = 40  # training sample per inverted list (FAISS asks for at least 39)
MAX_SEARCH_BREADTH = 4096  # cap on efSearch / nprobe when widened for a filter
SLOTS = 2  # vectors per claim: 0 the claim's own words, 1 its resolved text
LAYOUT = 2  # label layout of saved indexes: claim id * SLOTS + slot (1, before: the claim id alone)


def vector_keys(claim_ids: np.ndarray, slots: np.ndarray | None = None) -> np.ndarray:
    """FAISS labels of the claims' vectors in ``slots`` (default: their own words)."""
    keys = np.asarray(claim_ids, dtype=np.int64) * SLOTS
    return keys if slots is None else keys + np.asarray(slots, dtype=np.int64)


def claims_of_keys(keys: np.ndarray) -> np.ndarray:
    return np.asarray(keys, dtype=np.int64) // SLOTS


def best_per_claim(hits: Iterable[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    """(label, score) pairs, best first, as the ``k`` best claims: each claim once, at its best vector."""
    best: dict[int, float] = {}
    for key, score in hits:
        claim_id = int(key) // SLOTS
        if claim_id not in best:
            best[claim_id] = score
            if len(best) == k:
                break
    return list(best.items())


def all_keys(claim_ids: np.ndarray) -> np.ndarray:
    """Every possible label of these claims, sorted when the claims are."""
    ids = np.asarray(claim_ids, dtype=np.int64)
    return (ids[:, None] * SLOTS + np.arange(SLOTS, dtype=np.int64)).ravel()


def _unique_keys(ids: np.ndarray, vectors: np.ndarray,
                 slots: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels of a batch and their vectors; the last vector of a repeated label wins."""
    keys = vector_keys(np.ascontiguousarray(ids, dtype=np.int64), slots)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(keys), -1)
    keys, keep = np.unique(keys[::-1], return_index=True)
    return keys, np.ascontiguousarray(vectors[::-1][keep])


def set_search_threads(threads: int) -> None:
    """FAISS's OpenMP threads for this process (0 keeps its default). One query gains nothing from more
    threads, and under gunicorn workers they wait on each other: a 10k flat search took 24 ms with two, 2.5 with one."""
    if threads > 0:
        faiss.omp_set_num_threads(threads)


@dataclass(frozen=True)
class IndexState:
    """What a saved index reflects: the store generation and claim count it was built from, its label layout and
    whether it holds the claims' resolved texts (``second_vectors``)."""

    generation: int
    count: int
    model: str
    dim: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    layout: int = 1
    second_vectors: bool = False


class VectorIndex:
    """Exact inner-product search keyed by claim id (``IndexIDMap2(IndexFlatIP)``); the base of every kind."""

    kind = "flat"

    def __init__(self, dim: int, model: str, second_vectors: bool = True) -> None:
        """``second_vectors``: whether the index is filled with the claims' resolved texts (recorded when saved)."""
        self.dim = dim
        self.model = model
        self.generation = 0
        self.second_vectors = second_vectors
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._lock = threading.RLock()
        self._init_claims()

    def _init_claims(self, keys: np.ndarray | None = None) -> None:
        """Which claims hold a second vector, from the labels present (none for an empty index)."""
        self._second: set[int] = set()
        self._second_ids: np.ndarray | None = None  # the same, sorted, built when a filter needs it
        if keys is not None and len(keys):
            self._second.update((keys[keys % SLOTS == 1] // SLOTS).tolist())

    # --- the interface every kind keeps ----------------------------------------------------------
    @property
    def size(self) -> int:
        """Claims in the index (deleted ones not counted; a claim with two vectors counts once)."""
        return self.vectors - len(self._second)

    @property
    def vectors(self) -> int:
        """Vectors in the index: one per claim, plus one per claim with a resolved text."""
        return int(self._index.ntotal)

    @property
    def needs_rebuild(self) -> bool:
        """Whether a rebuild from the store would make this index markedly better (never for flat)."""
        return False

    def params(self) -> dict[str, Any]:
        """The kind's parameters, as saved and as reported by /v1/stats."""
        return {}

    def set_search_params(self, **params: Any) -> None:
        """Apply search-time parameters (efSearch, nprobe) that need no rebuild."""

    def add(self, ids: np.ndarray, vectors: np.ndarray, slots: np.ndarray | None = None) -> None:
        """Insert claims' vectors; ``slots`` says whose each row is (0 the claim's words, 1 its resolved text;
        default 0). A claim in the batch is replaced whole by the batch's rows, so replaying a change is harmless."""
        if len(ids) == 0:
            return
        keys, vectors = _unique_keys(ids, vectors, slots)
        claims = np.unique(claims_of_keys(keys))
        with self._lock:
            self._index.remove_ids(faiss.IDSelectorBatch(all_keys(claims)))
            self._index.add_with_ids(vectors, keys)
            self._note_claims(claims, keys)

    def build(self, batches: Iterable[tuple[np.ndarray, ...]]) -> "VectorIndex":
        """Fill an empty index from (ids, vectors) or (ids, vectors, slots) batches (``store.all_index_vectors()``)."""
        for batch in batches:
            self.add(*batch)
        return self

    def remove(self, ids: Iterable[int]) -> int:
        """Remove claims with all their vectors; the number of claims removed."""
        ids = np.unique(np.fromiter(ids, dtype=np.int64))
        if len(ids) == 0:
            return 0
        with self._lock:
            removed = int(self._index.remove_ids(faiss.IDSelectorBatch(all_keys(ids))))
            return removed - self._forget_claims(ids)

    def search(self, vector: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest claims as (claim id, cosine similarity of its best vector), best first, each claim
        once; only ``allowed_ids`` if given."""
        with self._lock:
            if self.size == 0 or k <= 0:
                return []
            query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            params, candidates = None, self.vectors
            if allowed_ids is not None:
                if len(allowed_ids) == 0:
                    return []
                keys = self._keys_of(allowed_ids)
                params, candidates = faiss.SearchParameters(sel=faiss.IDSelectorBatch(keys)), len(keys)
            scores, labels = self._index.search(query, min(self._fetch(k), candidates), params=params)
        return best_per_claim(((int(i), float(s)) for i, s in zip(labels[0], scores[0]) if i != -1), k)

    # --- claims and their vectors ------------------------------------------------------------------
    def _fetch(self, k: int) -> int:
        """Vectors to fetch so that ``k`` distinct claims are among them: each claim appears at most twice."""
        return k + min(k, len(self._second))

    def _note_claims(self, claims: np.ndarray, keys: np.ndarray) -> None:
        """``claims`` now have exactly the vectors ``keys`` (of the batch that replaced them)."""
        self._second.difference_update(claims.tolist())
        self._second.update(claims_of_keys(keys[keys % SLOTS == 1]).tolist())
        self._second_ids = None

    def _forget_claims(self, claims: np.ndarray) -> int:
        """``claims`` are gone; how many of them had a second vector."""
        had = [c for c in claims.tolist() if c in self._second]
        self._second.difference_update(had)
        if had:
            self._second_ids = None
        return len(had)

    def _keys_of(self, claim_ids: np.ndarray) -> np.ndarray:
        """The labels of every vector of these claims (their second vectors only where they have one)."""
        ids = np.unique(np.asarray(claim_ids, dtype=np.int64))
        keys = vector_keys(ids)
        if not self._second:
            return keys
        if self._second_ids is None:
            self._second_ids = np.sort(np.fromiter(self._second, dtype=np.int64, count=len(self._second)))
        with_second = ids[np.isin(ids, self._second_ids, assume_unique=True)]
        return np.concatenate([keys, vector_keys(with_second, np.ones(len(with_second), dtype=np.int64))])

    def _stored_keys(self) -> np.ndarray:
        """Every live label (for restoring the claim bookkeeping after a load)."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    # --- saving and loading ------------------------------------------------------------------------
    def state(self) -> IndexState:
        return IndexState(self.generation, self.size, self.model, self.dim, self.kind, self.params(), LAYOUT,
                          self.second_vectors)

    def snapshot(self, hold_searches: bool = True) -> "IndexSnapshot":
        """The index serialised to memory with its state, so that the slow part of a save, the write to disk,
        holds nothing up. ``hold_searches=False``: the caller guarantees that nothing modifies the index
        meanwhile (FAISS searches only read it), and searches go on during the copy."""
        if not hold_searches:
            return IndexSnapshot(faiss.serialize_index(self._index), self.state())
        with self._lock:
            return IndexSnapshot(faiss.serialize_index(self._index), self.state())

    def save(self, path: Path) -> None:
        """Write the index and its state atomically (see :func:`write_snapshot`)."""
        write_snapshot(self.snapshot(), path)

    @classmethod
    def load(cls, path: Path) -> "VectorIndex | None":
        """The saved index of whichever kind it is, or None when it is missing, unreadable, inconsistent or of an
        older label layout (one vector per claim, labelled by claim id): the caller rebuilds it from the store."""
        meta = state_path(path)
        try:
            remove_leftover_temporary_files(path)
        except OSError:  # a read-only data directory: nothing to clean up, loading still works
            log.warning("index: could not remove temporary files beside %s", path, exc_info=True)
        if not path.exists() or not meta.exists():
            return None
        try:
            with _file_lock(path, exclusive=False):  # the pair as one save wrote it
                state = IndexState(**json.loads(meta.read_text()))
                if state.layout != LAYOUT:
                    return None
                loaded = faiss.read_index(str(path))
            kind_class = KIND_CLASSES[state.kind]
            index = kind_class._from_faiss(loaded, state)
            if index is not None:
                index.second_vectors = bool(state.second_vectors)
                index._init_claims(index._stored_keys())
        except (OSError, ValueError, TypeError, KeyError, RuntimeError):
            return None
        if index is None or index.size != state.count or index.dim != state.dim:
            return None
        index.generation = state.generation
        return index

    @classmethod
    def _from_faiss(cls, loaded: faiss.Index, state: IndexState) -> "VectorIndex | None":
        if not isinstance(loaded, faiss.IndexIDMap2):
            return None
        index = cls(state.dim, state.model)
        index._index = loaded
        return index


FlatIndex = VectorIndex


class HNSWIndex(VectorIndex):
    """Approximate search on an HNSW graph; deletions are tombstones until the next rebuild."""

    kind = "hnsw"

    def __init__(self, dim: int, model: str, m: int = 32, ef_construction: int = 40, ef_search: int = 128,
                 second_vectors: bool = True) -> None:
        self.dim = dim
        self.model = model
        self.generation = 0
        self.second_vectors = second_vectors
        self._lock = threading.RLock()
        self._index = faiss.index_factory(dim, f"IDMap,HNSW{int(m)},Flat", faiss.METRIC_INNER_PRODUCT)
        self._graph = faiss.downcast_index(self._index.index)
        self._graph.hnsw.efConstruction = int(ef_construction)
        self.ef_search = int(ef_search)
        self._reset_caches()
        self._init_claims()

    def _reset_caches(self) -> None:
        labels = self._labels()
        self._dead = int(np.count_nonzero(labels < 0))
        self._max_id = int(labels.max()) if len(labels) else -1  # the largest label
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # (sorted labels, their positions)
        self._live_bits: np.ndarray | None = None

    def _labels(self) -> np.ndarray:
        """Label per graph position (-1: deleted); a writable view of the FAISS id map, valid until an add."""
        n = int(self._index.id_map.size())
        return faiss.rev_swig_ptr(self._index.id_map.data(), n) if n else np.zeros(0, dtype=np.int64)

    def _stored_keys(self) -> np.ndarray:
        labels = self._labels()
        return labels[labels >= 0].copy()

    def _vectors(self) -> np.ndarray:
        """All stored vectors by graph position (a view of the flat storage, no copy)."""
        storage = faiss.downcast_index(self._graph.storage)
        n = int(storage.ntotal)
        return faiss.rev_swig_ptr(storage.get_xb(), n * self.dim).reshape(n, self.dim) if n else np.zeros((0, self.dim), np.float32)

    @property
    def vectors(self) -> int:
        return int(self._index.ntotal) - self._dead

    @property
    def deleted(self) -> int:
        return self._dead

    @property
    def needs_rebuild(self) -> bool:
        return self._dead > TOMBSTONE_REBUILD_FRACTION * max(int(self._index.ntotal), 1)

    def params(self) -> dict[str, Any]:
        hnsw = self._graph.hnsw
        return {"m": int(hnsw.nb_neighbors(1)), "ef_construction": int(hnsw.efConstruction),
                "ef_search": self.ef_search, "deleted": self._dead}

    def set_search_params(self, ef_search: int | None = None, **_: Any) -> None:
        if ef_search:
            self.ef_search = int(ef_search)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Graph position of each live label, -1 where absent or deleted."""
        labels = self._labels()
        if self._lookup is None:
            order = np.argsort(labels, kind="stable")
            self._lookup = (labels[order], order)
        ordered, order = self._lookup
        found = np.full(len(ids), -1, dtype=np.int64)
        if len(ordered) == 0 or len(ids) == 0:
            return found
        slot = np.searchsorted(ordered, ids, side="right") - 1
        valid = slot >= 0
        candidates = order[slot[valid]]
        found[valid] = np.where(labels[candidates] == ids[valid], candidates, -1)
        return found

    def add(self, ids: np.ndarray, vectors: np.ndarray, slots: np.ndarray | None = None) -> None:
        if len(ids) == 0:
            return
        keys, vectors = _unique_keys(ids, vectors, slots)
        claims = np.unique(claims_of_keys(keys))
        with self._lock:
            new_keys = keys
            old_keys = all_keys(claims)
            if self._max_id >= 0 and old_keys[0] <= self._max_id:
                present = self._positions(old_keys)
                found = present >= 0
                if found.any():  # the claims' vectors already there: an identical one stays, the rest go
                    old_keys, present = old_keys[found], present[found]
                    at = np.minimum(np.searchsorted(keys, old_keys), len(keys) - 1)
                    same = keys[at] == old_keys
                    same[same] = np.all(self._vectors()[present[same]] == vectors[at[same]], axis=1)
                    self._tombstone(present[~same])
                    keep = np.ones(len(keys), dtype=bool)
                    keep[at[same]] = False
                    keys, vectors = keys[keep], vectors[keep]
                if len(keys) and keys[0] <= self._max_id:
                    self._lookup = None  # a label below the largest: the sorted lookup no longer appends
            self._note_claims(claims, new_keys)
            if len(keys) == 0:
                return
            start = int(self._index.ntotal)
            self._index.add_with_ids(vectors, keys)
            if self._lookup is not None:
                ordered, order = self._lookup
                self._lookup = (np.concatenate([ordered, keys]),
                                np.concatenate([order, np.arange(start, start + len(keys), dtype=np.int64)]))
            self._max_id = max(self._max_id, int(keys[-1]))
            self._live_bits = None

    def _tombstone(self, positions: np.ndarray) -> None:
        if len(positions):
            self._labels()[positions] = -1
            self._dead += len(positions)
            self._live_bits = None

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.unique(np.fromiter(ids, dtype=np.int64))
        if len(ids) == 0:
            return 0
        with self._lock:
            keys = all_keys(ids)
            positions = self._positions(keys)
            live = positions >= 0
            removed = int(np.count_nonzero(keys[live] % SLOTS == 0))
            self._tombstone(positions[live])
            self._forget_claims(ids)
            return removed

    def search(self, vector: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        with self._lock:
            if self.size == 0 or k <= 0:
                return []
            query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            labels = self._labels()
            total = len(labels)
            fetch = self._fetch(k)
            if allowed_ids is None:
                if not self._dead:
                    return best_per_claim(self._graph_search(query, fetch, None, self.ef_search, labels), k)
                if self._live_bits is None:
                    self._live_bits = np.packbits(labels >= 0, bitorder="little")
                bits, allowed = self._live_bits, self.size
            else:
                positions = self._positions(self._keys_of(allowed_ids))
                positions = positions[positions >= 0]
                if len(positions) == 0:
                    return []
                if len(positions) <= GATHER_FILTER_LIMIT:
                    return best_per_claim(gathered_top_k(query[0], self._vectors()[positions], labels[positions],
                                                         fetch), k)
                mask = np.zeros(total, dtype=bool)
                mask[positions] = True
                bits = np.packbits(mask, bitorder="little")
                allowed = int(np.count_nonzero(labels[positions] % SLOTS == 0))
            if allowed > EXACT_FILTER_LIMIT:  # through the graph, wider by the inverse of the allowed share
                hits = best_per_claim(self._graph_search(query, fetch, bits, self.ef_search * total / allowed,
                                                         labels), k)
                if len(hits) >= min(k, allowed):
                    return hits
            return best_per_claim(self._scan(query, fetch, bits, labels), k)

    def _scan(self, query: np.ndarray, k: int, bits: np.ndarray, labels: np.ndarray) -> list[tuple[int, float]]:
        """Exact search over the allowed graph positions (the flat storage scanned with a bitmap selector)."""
        selector = faiss.IDSelectorBitmap(len(labels), faiss.swig_ptr(bits))
        scores, positions = faiss.downcast_index(self._graph.storage).search(
            query, min(k, len(labels)), params=faiss.SearchParameters(sel=selector))
        return [(int(labels[p]), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0 and labels[p] >= 0]

    def _graph_search(self, query: np.ndarray, k: int, bits: np.ndarray | None, breadth: float,
                      labels: np.ndarray) -> list[tuple[int, float]]:
        """The ``k`` best (label, score) through the graph, over the positions set in ``bits`` if given."""
        params = faiss.SearchParametersHNSW()
        params.efSearch = int(min(max(breadth, k), MAX_SEARCH_BREADTH))
        if bits is not None:
            selector = faiss.IDSelectorBitmap(len(labels), faiss.swig_ptr(bits))
            params.sel = selector
        scores, positions = self._graph.search(query, min(k, len(labels)), params=params)
        return [(int(labels[p]), float(s)) for p, s in zip(positions[0], scores[0]) if p >= 0 and labels[p] >= 0]

    @classmethod
    def _from_faiss(cls, loaded: faiss.Index, state: IndexState) -> "HNSWIndex | None":
        if not isinstance(loaded, faiss.IndexIDMap) or not isinstance(faiss.downcast_index(loaded.index),
                                                                          faiss.IndexHNSWFlat):
            return None
        index = cls.__new__(cls)
        index.dim, index.model, index.generation = state.dim, state.model, 0
        index._lock = threading.RLock()
        index._index = loaded
        index._graph = faiss.downcast_index(loaded.index)
        index.ef_search = int(state.params.get("ef_search", 128))
        index._reset_caches()
        return index


class IVFIndex(VectorIndex):
    """Approximate search on inverted lists, trained on the collection when built; claims removed in place."""

    kind = "ivf"

    def __init__(self, dim: int, model: str, nlist: int = 0, nprobe: int = 16, second_vectors: bool = True) -> None:
        self.dim = dim
        self.model = model
        self.generation = 0
        self.second_vectors = second_vectors
        self._lock = threading.RLock()
        self.nlist_setting = int(nlist)  # 0: chosen from the collection size at build time
        self.nprobe = int(nprobe)
        self.trained_size = 0
        self._index = self._new_faiss(1)
        self._init_claims()

    def _new_faiss(self, nlist: int) -> faiss.Index:
        index = faiss.index_factory(self.dim, f"IVF{int(nlist)},Flat", faiss.METRIC_INNER_PRODUCT)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return index

    @property
    def nlist(self) -> int:
        return int(faiss.extract_index_ivf(self._index).nlist)

    @staticmethod
    def auto_nlist(count: int) -> int:
        """About 4 sqrt(n) lists, a power of two, with enough training points for each."""
        if count < 2 * IVF_TRAIN_POINTS_PER_LIST:
            return 1
        target = 2 ** round(math.log2(4 * math.sqrt(count)))
        return int(max(1, min(target, count // IVF_TRAIN_POINTS_PER_LIST)))

    @property
    def needs_rebuild(self) -> bool:
        if self.nlist_setting:  # fixed list count: retrain only to follow large changes in the data
            return False
        low, high = self.trained_size / IVF_REGROW_FACTOR, self.trained_size * IVF_REGROW_FACTOR
        return self.auto_nlist(self.vectors) != self.nlist and not (low <= self.vectors <= high)

    def params(self) -> dict[str, Any]:
        return {"nlist": self.nlist, "nprobe": self.nprobe, "trained_size": self.trained_size,
                "nlist_setting": self.nlist_setting}

    def set_search_params(self, nprobe: int | None = None, **_: Any) -> None:
        if nprobe:
            self.nprobe = int(nprobe)

    def build(self, batches: Iterable[tuple[np.ndarray, ...]]) -> "IVFIndex":
        """Gather the collection, train the lists on a random sample of it, then add it."""
        key_parts, vector_parts = [], []
        for ids, vectors, *slots in batches:
            key_parts.append(vector_keys(ids, slots[0] if slots else None))
            vector_parts.append(np.asarray(vectors, dtype=np.float32))
        keys = np.concatenate(key_parts) if key_parts else np.zeros(0, dtype=np.int64)
        vectors = np.vstack(vector_parts) if vector_parts else np.zeros((0, self.dim), dtype=np.float32)
        del vector_parts
        self.train(vectors)
        with self._lock:
            self._fill(keys, vectors)
            self._init_claims(keys)
        return self

    def _fill(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add a whole collection list by list, so that each inverted list is allocated once at its size
        (``add`` grows them in 64k blocks, leaving about a fifth of spare capacity)."""
        if len(ids) == 0:
            return
        ivf = self._index
        ivf.set_direct_map_type(faiss.DirectMap.NoMap)
        _, assigned = ivf.quantizer.search(vectors, 1)
        order = np.argsort(assigned[:, 0], kind="stable")
        bounds = np.searchsorted(assigned[order, 0], np.arange(self.nlist + 1))
        for list_no in range(self.nlist):
            rows = order[bounds[list_no]:bounds[list_no + 1]]
            if len(rows):
                list_ids = np.ascontiguousarray(ids[rows], dtype=np.int64)
                codes = np.ascontiguousarray(vectors[rows], dtype=np.float32).view(np.uint8)
                ivf.invlists.add_entries(list_no, len(rows), faiss.swig_ptr(list_ids), faiss.swig_ptr(codes))
        ivf.ntotal = len(ids)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # built from the lists

    def train(self, vectors: np.ndarray) -> None:
        nlist = self.nlist_setting or self.auto_nlist(len(vectors))
        nlist = max(1, min(nlist, len(vectors) or 1))
        index = self._new_faiss(nlist)
        if len(vectors):
            sample = min(len(vectors), nlist * IVF_TRAIN_POINTS_PER_LIST * 2)
            rows = np.random.default_rng(0).choice(len(vectors), sample, replace=False) if sample < len(vectors) else slice(None)
            faiss.extract_index_ivf(index).cp.max_points_per_centroid = IVF_TRAIN_POINTS_PER_LIST * 2
            index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
        else:
            index.train(np.zeros((1, self.dim), dtype=np.float32))
        with self._lock:
            self._index = index
            self.trained_size = len(vectors)

    def add(self, ids: np.ndarray, vectors: np.ndarray, slots: np.ndarray | None = None) -> None:
        if len(ids) == 0:
            return
        keys, vectors = _unique_keys(ids, vectors, slots)
        claims = np.unique(claims_of_keys(keys))
        old_keys = all_keys(claims)
        with self._lock:
            self._index.remove_ids(faiss.IDSelectorArray(len(old_keys), faiss.swig_ptr(old_keys)))
            self._index.add_with_ids(vectors, keys)
            self._note_claims(claims, keys)

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.unique(np.fromiter(ids, dtype=np.int64))
        if len(ids) == 0:
            return 0
        keys = all_keys(ids)
        with self._lock:
            removed = int(self._index.remove_ids(faiss.IDSelectorArray(len(keys), faiss.swig_ptr(keys))))
            return removed - self._forget_claims(ids)

    def _stored_keys(self) -> np.ndarray:
        invlists = faiss.extract_index_ivf(self._index).invlists
        parts = [faiss.rev_swig_ptr(invlists.get_ids(n), invlists.list_size(n)).copy()
                 for n in range(invlists.nlist) if invlists.list_size(n)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def search(self, vector: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        with self._lock:
            if self.size == 0 or k <= 0:
                return []
            query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            fetch = self._fetch(k)
            if allowed_ids is None:
                return best_per_claim(self._list_search(query, fetch, None, self.nprobe), k)
            if len(allowed_ids) == 0:
                return []
            keys = self._keys_of(allowed_ids)
            if len(keys) <= GATHER_FILTER_LIMIT:
                try:
                    return best_per_claim(gathered_top_k(query[0], self._index.reconstruct_batch(keys), keys, fetch), k)
                except RuntimeError:  # some allowed claim is not indexed (yet): the scan below skips it
                    pass
            selector = faiss.IDSelectorBatch(keys)
            allowed = min(len(allowed_ids), self.size)
            if allowed > EXACT_FILTER_LIMIT:  # the nearest lists, more of them the smaller the allowed share
                hits = best_per_claim(self._list_search(
                    query, fetch, selector, min(self.nprobe * self.size / allowed, MAX_SEARCH_BREADTH)), k)
                if len(hits) >= min(k, allowed):
                    return hits
            # every list: exact over the allowed claims
            return best_per_claim(self._list_search(query, fetch, selector, self.nlist), k)

    def _list_search(self, query: np.ndarray, k: int, selector: faiss.IDSelector | None,
                     nprobe: float) -> list[tuple[int, float]]:
        params = faiss.SearchParametersIVF()
        params.nprobe = int(min(max(nprobe, 1), self.nlist))
        if selector is not None:
            params.sel = selector
        scores, ids = self._index.search(query, min(k, self.vectors), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    @classmethod
    def _from_faiss(cls, loaded: faiss.Index, state: IndexState) -> "IVFIndex | None":
        if not isinstance(loaded, faiss.IndexIVFFlat):
            return None
        index = cls.__new__(cls)
        index.dim, index.model, index.generation = state.dim, state.model, 0
        index._lock = threading.RLock()
        index._index = loaded
        index.nlist_setting = int(state.params.get("nlist_setting", 0))
        index.nprobe = int(state.params.get("nprobe", 16))
        index.trained_size = int(state.params.get("trained_size", loaded.ntotal))
        return index


KIND_CLASSES: dict[str, type[VectorIndex]] = {"flat": VectorIndex, "hnsw": HNSWIndex, "ivf": IVFIndex}


def gathered_top_k(query: np.ndarray, vectors: np.ndarray, labels: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Exact top ``k`` of a few gathered ``vectors`` as (label, score), best first."""
    if len(vectors) == 0:
        return []
    scores = np.einsum("ij,j->i", vectors, query)  # one thread: BLAS threads cost more than they save here
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(labels[b]), float(scores[b])) for b in best]


def choose_kind(index_type: str, count: int, threshold: int, current: str | None = None,
                approximate: str = "hnsw", hysteresis: float = 0.9) -> str:
    """The index kind for a collection of ``count`` claims: ``index_type`` unless it is ``auto``.

    ``auto``: flat under ``threshold``, ``approximate`` from it on; an approximate index goes back to flat only
    under ``hysteresis * threshold``, so a collection hovering at the threshold does not flip back and forth.
    """
    if index_type != "auto":
        if index_type not in INDEX_KINDS:
            raise ValueError(f"index type {index_type!r} is not one of auto, {', '.join(INDEX_KINDS)}")
        return index_type
    if count >= threshold:
        return approximate
    if current is not None and current != "flat" and count >= hysteresis * threshold:
        return current
    return "flat"


def make_index(kind: str, dim: int, model: str, second_vectors: bool = True, **params: Any) -> VectorIndex:
    """An empty index of ``kind``; ``params`` as in ``index_params`` (unknown keys for the kind ignored);
    ``second_vectors``: whether it is to hold the claims' resolved texts (recorded in its saved state)."""
    if kind == "hnsw":
        return HNSWIndex(dim, model, m=params.get("hnsw_m", 32), ef_construction=params.get("hnsw_ef_construction", 40),
                         ef_search=params.get("hnsw_ef_search", 128), second_vectors=second_vectors)
    if kind == "ivf":
        return IVFIndex(dim, model, nlist=params.get("ivf_nlist", 0), nprobe=params.get("ivf_nprobe", 16),
                        second_vectors=second_vectors)
    if kind == "flat":
        return VectorIndex(dim, model, second_vectors=second_vectors)
    raise ValueError(f"unknown index kind {kind!r}")


@dataclass(frozen=True)
class IndexSnapshot:
    """A serialised index (FAISS's own file format, in memory) and the state it reflects."""

    data: np.ndarray
    state: IndexState


def write_snapshot(snapshot: IndexSnapshot, path: Path) -> None:
    """Write a snapshot as ``index.faiss`` + ``index.json`` atomically (temporary files, then renames).

    The renames happen under an exclusive lock on ``index.lock`` that every saver and loader takes: otherwise two
    processes saving at once can leave one's index beside the other's state, a generation that the content does
    not reflect, and the changes in between are never applied after a load.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp{os.getpid()}.{threading.get_ident()}"
    meta = state_path(path)
    tmp, tmp_meta = path.with_suffix(path.suffix + suffix), meta.with_suffix(meta.suffix + suffix)
    with _file_lock(path, exclusive=True):
        try:
            with open(tmp, "wb") as handle:
                handle.write(memoryview(snapshot.data))
                handle.flush()
                os.fsync(handle.fileno())
            tmp_meta.write_text(json.dumps(snapshot.state.__dict__))
            os.replace(tmp, path)
            os.replace(tmp_meta, meta)
        finally:  # a failed write (disk full) leaves no temporary file behind
            tmp.unlink(missing_ok=True)
            tmp_meta.unlink(missing_ok=True)


def state_path(index_path: Path) -> Path:
    return index_path.with_suffix(".json")


def remove_leftover_temporary_files(index_path: Path) -> int:
    """Delete the ``index.faiss.tmp*`` and ``index.json.tmp*`` files of saves that never finished (a kill, a full
    disk). Taken under the savers' exclusive lock, so no save is writing one at the time; returns how many."""
    if not index_path.parent.is_dir():
        return 0
    removed = 0
    with _file_lock(index_path, exclusive=True):
        for pattern in (index_path.name + ".tmp*", state_path(index_path).name + ".tmp*"):
            for leftover in index_path.parent.glob(pattern):
                leftover.unlink(missing_ok=True)
                removed += 1
    if removed:
        log.info("index: removed %d temporary files left by unfinished saves", removed)
    return removed


@contextmanager
def _file_lock(index_path: Path, exclusive: bool) -> Iterator[None]:
    """flock on ``index.lock`` beside the index; separate opens exclude each other across threads too."""
    with open(index_path.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def iter_batches(ids: np.ndarray, vectors: np.ndarray, size: int = 50_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size], vectors[start:start + size]
