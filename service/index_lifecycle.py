"""The FAISS index's life in a process: load, catch-up from the change log, background rebuilds, saves, compaction.

:class:`IndexKeeper` owns the engine's :class:`~service.index.VectorIndex`. Readers search ``keeper.index``;
writers commit to the store and call :meth:`IndexKeeper.apply_changes`. Everything slow happens on the keeper's
own threads:

- one background rebuild at a time, when the collection wants another kind (auto by size) or the index asks
  for one (HNSW tombstones, IVF grown out of its training): the current index serves until the new one is caught
  up and swapped in;
- saves, debounced by ``index_save_interval_s``: a snapshot is taken in memory (memory speed; changes wait for
  it, searches do not) and written to disk on the saver thread, so no request waits for a disk write; a failed
  save is logged and tried again after ``index_save_retry_s``; :meth:`IndexKeeper.close` saves once more;
- compaction of the change log after a save: rows every recently saved index reflects are deleted, except the
  newest ``index_change_log_keep`` (a process a little behind catches up from them). A process whose index is
  older than what the log still holds notices it and rebuilds from the store.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from .config import Config
from .embeddings import Embedder
from .index import VectorIndex, choose_kind, make_index, write_snapshot
from .store import Store, net_changes

log = logging.getLogger(__name__)

REBUILD_RETRY_S = 60.0  # after a failed background rebuild, wait this long before trying again


class IndexKeeper:
    """Keeps one process's vector index loaded, current with the store and saved."""

    def __init__(self, config: Config, store: Store, embedder: Embedder, allow_model_change: bool = False) -> None:
        """``allow_model_change``: the store may hold another model's vectors; the index starts empty (flat)."""
        self.config, self.store, self.embedder = config, store, embedder
        self._allow_model_change = allow_model_change
        self._sync_lock = threading.RLock()  # changes applied to, and swaps of, the serving index
        self._rebuild_lock = threading.Lock()  # deciding whether to start the (single) rebuild thread
        self._rebuild_thread: threading.Thread | None = None
        self.rebuilding: str | None = None  # the kind being built in the background
        self._rebuild_retry_at = 0.0
        self._save_lock = threading.Lock()  # one writer of index.faiss + index.json per process
        self._save_wanted = threading.Event()
        self._stopping = threading.Event()
        self._last_save = time.monotonic()
        self._saved_generation = -1
        self.save_failures = 0
        self.saver_name = f"{socket.gethostname()}:{config.index_path.resolve()}"
        self.index = self._open()
        self._saver = threading.Thread(target=self._save_loop, name="index-saver", daemon=True)
        self._saver.start()

    # --- loading -------------------------------------------------------------------------------------------
    def _open(self) -> VectorIndex:
        """Load the saved index; catch it up from the change log, or rebuild it when it cannot be trusted.

        A missing index of an approximate kind is first built flat (quick, exact) so that the engine serves at
        once; the approximate one is then built in the background and swapped in.
        """
        if not self._model_matches_store():  # another model's vectors: reindex(reembed=True) fills it
            self.index = make_index("flat", self.embedder.dim, self.embedder.name, self.config.index_resolved_text)
            return self.index
        self.embed_resolved_texts()
        index = VectorIndex.load(self.config.index_path)
        if (index is None or index.model != self.embedder.name or index.dim != self.embedder.dim
                or index.second_vectors != self.config.index_resolved_text):
            log.info("index missing, of an older layout, or built for another model or setting: "
                     "rebuilding from the store")
            self.build("flat")
            self.maybe_rebuild()
            return self.index
        index.set_search_params(**self.index_params())
        self.index = index
        self._saved_generation = index.generation
        self.apply_changes()
        if self.index.size != self.store.counts()["claims"]:
            log.warning("index count differs from the store after catching up: rebuilding")
            self.build("flat")
            self.maybe_rebuild()
        return self.index

    def embed_resolved_texts(self, batch: int = 256) -> int:
        """Encode the resolved texts that have no vector yet (a store from before they were indexed, or after a
        model change); the change log carries them to every process's index. The number encoded."""
        if not self.config.index_resolved_text or self.store.vector_writes_refused() is not None:
            return 0  # a re-embedding in progress encodes them with its own model
        done = 0
        while missing := self.store.claims_missing_second_vector(batch):
            ids, texts = zip(*missing)
            self.store.set_resolved_embeddings(list(ids), self.embedder.encode(list(texts)))
            done += len(ids)
        if done:
            log.info("index: encoded the resolved text of %d stored claims", done)
        return done

    def _model_matches_store(self) -> bool:
        stored = self.store.get_meta("embedding_model")
        if stored is None:
            self.store.set_meta("embedding_model", self.embedder.name)
            self.store.set_meta("embedding_dim", str(self.embedder.dim))
        elif stored != self.embedder.name:
            if self._allow_model_change:
                return False
            raise RuntimeError(
                f"the store holds embeddings of {stored!r} but the configured model is {self.embedder.name!r}: "
                "run `factcheck reindex --reembed` to re-encode the claims"
            )
        return True

    def index_params(self) -> dict[str, Any]:
        c = self.config
        return {"hnsw_m": c.index_hnsw_m, "hnsw_ef_construction": c.index_hnsw_ef_construction,
                "hnsw_ef_search": c.index_hnsw_ef_search, "ivf_nlist": c.index_ivf_nlist,
                "ivf_nprobe": c.index_ivf_nprobe, "ef_search": c.index_hnsw_ef_search, "nprobe": c.index_ivf_nprobe}

    def _new_index(self, kind: str) -> VectorIndex:
        return make_index(kind, self.embedder.dim, self.embedder.name, self.config.index_resolved_text,
                          **self.index_params())

    def _wanted_kind(self, count: int) -> str:
        """The index kind configuration asks for at ``count`` claims (``index_type``, auto by size)."""
        current = self.index.kind if getattr(self, "index", None) is not None else None
        return choose_kind(self.config.index_type, count, self.config.index_auto_threshold, current)

    # --- building and catching up ----------------------------------------------------------------------------
    def build(self, kind: str | None = None, save: bool = True) -> VectorIndex:
        """Build an index of ``kind`` (default: the one wanted at the store's size) from the stored embeddings,
        in this thread, and serve it; saved at once with ``save``, else by the saver thread. Changes made while
        building are applied by the next catch-up."""
        with self._sync_lock:
            kind = kind or self._wanted_kind(self.store.counts()["claims"])
            index = self._new_index(kind)
            index.generation = self.store.generation()
            index.build(self.store.all_index_vectors(second=index.second_vectors))
            self.index = index
        if save:
            self.save()
        else:
            self.request_save()
        return index

    def _catch_up(self, index: VectorIndex) -> int | None:
        """Apply the change log past ``index.generation`` to ``index``; the number of changes, or None when the
        log no longer reaches back that far (compacted): the index must be rebuilt. The caller holds the lock."""
        changes = self.store.changes_since(index.generation)
        # read after the rows: a compaction that removed rows this index needed has recorded its floor by now
        if index.generation + 1 < self.store.changes_kept_from():
            return None
        if not changes:
            return 0
        added, deleted = net_changes(changes)
        index.remove(deleted)
        # add replaces a claim already present (all its vectors), so a replayed change is harmless
        index.add(*self.store.index_vectors_of(added, second=index.second_vectors))
        index.generation = changes[-1][0]
        return len(changes)

    def apply_changes(self) -> int:
        """Apply store changes the index has not seen yet (from this or any other process); a save is scheduled
        and a background rebuild started when the index wants one. The number of changes applied."""
        applied = 0
        if self.store.generation() != self.index.generation:
            with self._sync_lock:
                applied = self._catch_up(self.index)
                if applied is None:
                    log.warning("index: generation %d is older than the compacted change log: rebuilding",
                                self.index.generation)
                    self.build(self.index.kind, save=False)
                    applied = 0
            if applied:
                self.request_save()
        self.maybe_rebuild()
        return applied

    def maybe_rebuild(self) -> bool:
        """Start a background rebuild when the collection wants another kind or the index asks for one; at most
        one runs at a time. Whether one was started."""
        with self._rebuild_lock:
            running = self._rebuild_thread
            if running is not None and running.is_alive() and running is not threading.current_thread():
                return False
            kind = self._wanted_kind(self.index.size)
            if (kind == self.index.kind and not self.index.needs_rebuild) or time.monotonic() < self._rebuild_retry_at:
                return False
            log.info("index: building %s for %d claims in the background (%s in use)", kind, self.index.size,
                     self.index.kind)
            self.rebuilding = kind
            self._rebuild_thread = threading.Thread(target=self._rebuild_in_background, args=(kind,),
                                                    name="index-rebuild", daemon=True)
            self._rebuild_thread.start()
            return True

    def _rebuild_in_background(self, kind: str) -> None:
        """Build ``kind`` from the store while readers use the current index; catch up, then swap atomically."""
        started = time.perf_counter()
        try:
            index = self._new_index(kind)
            index.generation = self.store.generation()  # writes from here on are replayed below
            index.build(self.store.all_index_vectors(second=index.second_vectors))
            with self._sync_lock:
                if self._catch_up(index) is None:
                    raise RuntimeError("the change log was compacted past the new index during its build")
            snapshot = index.snapshot()  # not serving yet: written without holding anything up
            with self._save_lock:
                write_snapshot(snapshot, self.config.index_path)
            self._saved(snapshot.state.generation)
            with self._sync_lock:
                if self._catch_up(index) is None:
                    raise RuntimeError("the change log was compacted past the new index during its build")
                self.index = index
            log.info("index: %s with %d claims in use after %.1f s", kind, index.size, time.perf_counter() - started)
        except Exception:  # the current index keeps serving; the next catch-up tries again
            log.exception("index: background rebuild of %s failed; next try in a minute", kind)
            self._rebuild_retry_at = time.monotonic() + REBUILD_RETRY_S
            self.rebuilding = None
            return
        self.rebuilding = None
        self.maybe_rebuild()  # the collection may have crossed the threshold again meanwhile

    def wait_for_rebuild(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild to finish; False if one is still running after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (thread := self._rebuild_thread) is not None:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                return False
            if thread is self._rebuild_thread:  # no follow-up rebuild was started when it ended
                return True
        return True

    # --- saving ------------------------------------------------------------------------------------------------
    def request_save(self) -> None:
        """Ask the saver thread to save the index (debounced by ``index_save_interval_s``); returns at once."""
        self._save_wanted.set()

    def save(self) -> bool:
        """Save the serving index now, in this thread (CLI, shutdown); whether it was written. A failure is
        logged, never raised: the change log covers what the file on disk lacks."""
        with self._sync_lock:  # no change is applied meanwhile: content and generation from one moment
            snapshot = self.index.snapshot(hold_searches=False)  # searches go on during the copy
        try:
            with self._save_lock:
                write_snapshot(snapshot, self.config.index_path)
        except (OSError, RuntimeError):  # disk full or I/O error
            self.save_failures += 1
            log.warning("index: save failed; tried again in %.0f s", self.config.index_save_retry_s, exc_info=True)
            return False
        self._saved(snapshot.state.generation)
        return True

    def _saved(self, generation: int) -> None:
        self._last_save = time.monotonic()
        self._saved_generation = max(self._saved_generation, generation)
        try:
            self.store.record_saved_index(self.saver_name, generation)
            self.compact_change_log()
        except Exception:  # noqa: BLE001 - compaction is housekeeping: the next save tries again
            log.warning("index: could not record the save or compact the change log", exc_info=True)

    def _save_loop(self) -> None:
        """The saver thread: wait for a request, let writes settle for the interval, save; retry a failed save."""
        while not self._stopping.is_set():
            self._save_wanted.wait()
            if self._stopping.is_set():
                return
            wait = self._last_save + self.config.index_save_interval_s - time.monotonic()
            if wait > 0 and self._stopping.wait(wait):
                return
            self._save_wanted.clear()
            if self.index.generation == self._saved_generation:
                continue
            if not self.save():
                self._save_wanted.set()
                if self._stopping.wait(self.config.index_save_retry_s):
                    return

    # --- change log ---------------------------------------------------------------------------------------
    def compact_change_log(self) -> int:
        """Delete change-log rows that every recently saved index reflects, keeping the newest
        ``index_change_log_keep``; the number deleted."""
        now = time.time()
        saved = [generation for generation, at in self.store.saved_indexes().values()
                 if now - at <= self.config.index_saver_ttl_s]
        if not saved:
            return 0
        keep_from = min(saved) + 1 - self.config.index_change_log_keep
        pruned = self.store.compact_changes(keep_from) if keep_from > 1 else 0
        if pruned:
            log.info("index: compacted the change log: %d rows below %d deleted", pruned, keep_from)
        return pruned

    def close(self) -> None:
        """Stop the saver (after a save in progress), wait a little for a rebuild, save once more."""
        self._stopping.set()
        self._save_wanted.set()  # wakes the saver, which sees the stop
        self._saver.join(60)
        self.wait_for_rebuild(60)
        self.save()
