"""Stored claims' facts parsed ahead of the checks that judge them, on a background thread.

The 'fact' stance model parses a related claim with spaCy (facts.py) the first time a check judges it, and keeps
the parse (FactReader). That parse used to be paid on the request path by the claim's first check, after every
start and for every new claim. The warmer parses the most recent claims when the service starts, and then follows
the store's change log (as the indexes do) to parse every claim added, by this process or any other.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Sequence

from ..store import net_changes
from .framing import StatementFrame, claim_input

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger(__name__)

BATCH = 64  # claim rows read from the store and parsed at a time (about 0.3 s)
NICE = 10  # the thread's scheduling priority: it parses when the request threads leave a core free


class StanceWarmer:
    """Feeds stored claims to the stance model's ``warm`` (when it has one) on a thread that runs while there is
    work.

    ``start`` queues the ``limit`` most recent claims; ``follow`` (after the store changed) queues the claims added
    since the last look. At most ``limit`` claims wait; the oldest are dropped first, as the model keeps only the
    most recent parses anyway. The thread is not a daemon: it stops after its batch once the main thread has ended,
    so that the interpreter never shuts down under a parse (spaCy's BLIS aborts the process then).
    """

    def __init__(self, model: object, store: Store, limit: int) -> None:
        self._warm = getattr(model, "warm", None)
        self._store = store
        self.limit = max(0, limit)
        self._waiting: list[int] = []
        self._generation: int | None = None  # the change log's position followed so far; None: not looked yet
        self._changed = False
        self._stopped = False
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.parsed = 0  # claims parsed so far

    @property
    def enabled(self) -> bool:
        return self._warm is not None and self.limit > 0

    def start(self) -> None:
        """Parse the most recent claims, then follow the change log."""
        self.follow()

    def follow(self) -> None:
        """The store changed: parse the claims added since the last look."""
        if not self.enabled:
            return
        with self._lock:
            if self._stopped:
                return
            self._changed = True
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="stance-warmer")
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the thread has parsed every claim seen so far, or has stopped (closed, the store away: the
        next change resumes it); False if it is still at work after ``timeout``."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the batch being parsed."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        try:  # below the request threads where the system allows (Linux: a thread's own nice value)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except (AttributeError, OSError):
            pass
        try:
            while True:
                with self._lock:
                    changed, self._changed = self._changed, False
                    ids, self._waiting = self._waiting[-BATCH:], self._waiting[:-BATCH]
                    if self._stopped or not threading.main_thread().is_alive() or not (changed or ids):
                        self._thread = None
                        self._idle.set()
                        return
                try:
                    if changed:
                        self._look()
                    self._parse(ids)
                except Exception:  # the store is away: the next change looks again; a check parses what it needs
                    log.warning("stance warm-up stopped until the next change", exc_info=True)
                    with self._lock:
                        self._waiting = ids + self._waiting
                        self._changed = self._changed or changed
                        self._thread = None
                        self._idle.set()
                    return
        finally:
            self._store.close()  # this thread's connection

    def _look(self) -> None:
        """Queue the claims added since the last look (the most recent ``limit`` at the first)."""
        if self._generation is None:
            generation = self._store.generation()
            added = self._store.recent_claim_ids(self.limit)[::-1]
        else:
            changes = self._store.changes_since(self._generation)
            if not changes:
                return
            generation = changes[-1][0]
            added, _ = net_changes(changes)
        with self._lock:
            self._generation = generation
            self._waiting = (self._waiting + added)[-self.limit:]  # newest last: parsed first

    def _parse(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        rows = self._store.claims_by_ids(ids)
        frame = StatementFrame("")  # as a plain statement judges them (not a reference, not a denial)
        self.parsed += self._warm([claim_input(rows[i], 1.0, None, frame) for i in ids if i in rows])
