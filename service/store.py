"""The store: source of truth for articles, claims, speakers and claim embeddings (SQLite by default).

Every write appends to a change log (``changes``); its highest sequence number is the store's
generation, which the FAISS index records so that it can tell whether it is stale and catch up.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

from .extraction.cleaning import speaker_key  # noqa: F401 - part of the store's interface

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    outlet TEXT, title TEXT, url TEXT, published TEXT,
    raw_text TEXT NOT NULL,
    text TEXT NOT NULL,
    extractor TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS speakers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT,
    is_person INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT REFERENCES articles(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    span_start INTEGER, span_end INTEGER,
    speaker_id INTEGER REFERENCES speakers(id),
    verb TEXT, voice TEXT, polarity TEXT NOT NULL DEFAULT 'positive',
    claimant TEXT, rating TEXT, source TEXT, url TEXT, published TEXT,
    external_id TEXT UNIQUE,
    text_hash TEXT,
    embedding BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_article ON claims(article_id);
CREATE INDEX IF NOT EXISTS articles_created ON articles(created_at, id);
CREATE INDEX IF NOT EXISTS claims_speaker ON claims(speaker_id);
CREATE UNIQUE INDEX IF NOT EXISTS claims_standalone_text ON claims(text_hash) WHERE article_id IS NULL;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('add', 'delete'))
);
"""

# Speakers as entities, added to databases made before them by ``_migrate_speakers``: one row per
# person or body across articles (``name_key`` merges spelling variants), the names each was called by, and
# every speaker of a claim ("Moscow and Tehran have denied ...": two rows; the first is claims.speaker_id).
SPEAKER_SCHEMA = """
CREATE TABLE IF NOT EXISTS speaker_aliases (
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    alias_key TEXT NOT NULL,
    PRIMARY KEY (speaker_id, alias)
);
CREATE INDEX IF NOT EXISTS speaker_aliases_key ON speaker_aliases(alias_key);
CREATE TABLE IF NOT EXISTS claim_speakers (
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (claim_id, speaker_id)
);
CREATE INDEX IF NOT EXISTS claim_speakers_speaker ON claim_speakers(speaker_id);
"""
ADDED_COLUMNS = {  # table -> (column, type) added when missing
    "speakers": [("organisation", "TEXT"), ("name_key", "TEXT")],
    "claims": [("claim_date", "TEXT"), ("time_text", "TEXT"), ("title", "TEXT"),
               # what the claim answers: the antecedent claim of the same article (or only its text, when it is a
               # sentence that is no claim), and the claim with its reference resolved
               ("responds_to_claim_id", "BIGINT"), ("responds_to_text", "TEXT"), ("resolved_text", "TEXT"),
               # the resolved text's embedding, the claim's second vector in the index (where the text differs)
               ("resolved_embedding", "BLOB"),
               # probability (0..1) that the claim is a check-worthy factual sentence (service/checkworthiness.py);
               # NULL until scored: at ingestion, or by the backfill when the service opens an older store
               ("check_worthiness", "DOUBLE PRECISION")],  # 8 bytes: PostgreSQL's REAL would round what a filter compares
}
# A claim has a second vector when its resolved text says something its own words do not.
CHANGES_KEPT_FROM = "changes_kept_from"  # meta: the change log holds every row from this sequence number on
REEMBED_TARGET = "reembed_target"  # meta: the model a running or interrupted `reindex --reembed` encodes with
REEMBED_DONE_THROUGH = "reembed_done_through"  # meta: claims up to this id carry the target model's vectors
SAVED_INDEX_PREFIX = "index_saved:"  # meta: per saved index file (host:path), the generation it reflects
NEEDS_SECOND_VECTOR = "resolved_text IS NOT NULL AND resolved_text <> text"
# User text in a LIKE pattern is escaped with a backslash (``containing``); both SQLite and PostgreSQL read this.
LIKE_ESCAPE = "ESCAPE '\\'"
STANDALONE_TEXT = "COALESCE(resolved_text, text)"  # a claim as it stands alone (ExtractedClaim.standalone_text)

# Newsroom formats: the page's byline, and a fact-check's numeric rating on its scale (schema.org Rating).
ADDED_COLUMNS["articles"] = [("author", "TEXT")]
ADDED_COLUMNS["claims"] = ADDED_COLUMNS["claims"] + [
    ("rating_value", "DOUBLE PRECISION"), ("best_rating", "DOUBLE PRECISION"), ("worst_rating", "DOUBLE PRECISION")]


CLAIM_COLUMNS = """
    c.id, c.article_id, c.text, c.span_start, c.span_end, c.verb, c.voice, c.polarity,
    c.claimant, c.rating, c.source AS claim_source, c.url AS claim_url, c.published AS claim_published,
    c.external_id, c.claim_date, c.time_text, s.id AS speaker_id, s.name AS speaker_name, s.role AS speaker_role,
    s.organisation AS speaker_organisation, c.title AS claim_title,
    c.responds_to_claim_id, c.responds_to_text, c.resolved_text, c.check_worthiness,
    a.outlet, a.title, a.url AS article_url, a.published AS article_published
"""
CLAIM_JOINS = "FROM claims c LEFT JOIN speakers s ON s.id = c.speaker_id LEFT JOIN articles a ON a.id = c.article_id"
# What listings and the schema.org view show beside CLAIM_COLUMNS.
RECORD_COLUMNS = """, c.created_at, c.rating_value, c.best_rating, c.worst_rating, s.is_person AS speaker_is_person,
    a.author AS article_author"""
ARTICLE_LIST_COLUMNS = ("a.id, a.outlet, a.title, a.url, a.published, a.author, a.extractor, a.created_at, "
                        "(SELECT COUNT(*) FROM claims c WHERE c.article_id = a.id) AS claim_count")


class StoreUnavailable(Exception):
    """The store cannot serve the request now (disk full, I/O error, database unreachable); nothing was written.

    ``status`` is the HTTP answer: 507 when the disk is full, 503 otherwise; ``retry_after`` in seconds."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def sqlite_unavailable(error: sqlite3.Error) -> StoreUnavailable | None:
    """The answer to give for an SQLite error that a later try may not meet (disk full, I/O, locked), else None."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        return StoreUnavailable(507, "insufficient_storage",
                                "the store's disk is full: nothing was written; try again when space is freed", 30)
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreUnavailable(503, "store_unavailable",
                                f"the store cannot be written now ({name}): nothing was written; try again later")
    return None


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).casefold().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewClaim:
    """A claim ready to store: extracted from an article, or a standalone fact-check record."""

    text: str
    embedding: np.ndarray
    span_start: int | None = None
    span_end: int | None = None
    speaker: str | None = None
    speaker_role: str | None = None
    speaker_is_person: bool = True
    verb: str | None = None
    voice: str | None = None
    polarity: str = "positive"
    claimant: str | None = None
    rating: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    external_id: str | None = None
    speaker_organisation: str | None = None
    speaker_aliases: tuple[str, ...] = ()  # other names the article used for the speaker
    co_speakers: tuple["NewSpeaker", ...] = ()  # further speakers of the same claim
    claim_date: str | None = None  # "YYYY-MM-DD" or "YYYY-MM": the claim's own time expression, resolved
    time_text: str | None = None  # that expression as written ("on Saturday")
    title: str | None = None  # a fact-check record's headline (standalone claims); searched with the text
    responds_to_index: int | None = None  # the antecedent's position among the claims stored with this one
    responds_to_text: str | None = None  # the antecedent claim's or sentence's text
    resolved_text: str | None = None  # the claim with its reference replaced by what it refers to
    resolved_embedding: np.ndarray | None = None  # the resolved text's vector (where it differs from the text)
    check_worthiness: float | None = None  # probability that it is a check-worthy factual sentence
    rating_value: float | None = None  # a fact-check's numeric rating, on the scale worst_rating..best_rating
    best_rating: float | None = None
    worst_rating: float | None = None


@dataclass(frozen=True)
class NewSpeaker:
    name: str
    role: str | None = None
    organisation: str | None = None
    is_person: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchFilters:
    outlets: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    published_after: str | None = None
    published_before: str | None = None
    min_check_worthiness: float | None = None  # claims scored at least this (unscored claims are left out)

    def __bool__(self) -> bool:
        return bool(self.outlets or self.speakers or self.published_after or self.published_before
                    or self.min_check_worthiness is not None)


@dataclass(frozen=True)
class ListingFilters:
    """What a listing keeps: outlets (any, case ignored), speakers (any, by any of their names), publication dates
    from ``since`` to ``until`` inclusive, and for claims whether they carry a fact-check rating."""

    outlets: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    rated: bool | None = None


class Store(Protocol):
    """What the rest of the service needs from a store; SQLite and PostgreSQL both provide it."""

    kind: str  # "sqlite" or "postgresql", reported by /v1/stats

    def generation(self) -> int: ...
    def generation_and_claims(self) -> tuple[int, int]: ...
    def find_article(self, article_id: str) -> dict | None: ...
    def add_article(self, article: dict, claims: Sequence[NewClaim]) -> None: ...
    def delete_article(self, article_id: str) -> bool: ...
    def add_standalone_claims(self, claims: Sequence[NewClaim]) -> list[tuple[int, bool]]: ...
    def claims_by_ids(self, ids: Sequence[int]) -> dict[int, dict]: ...
    def recent_claim_ids(self, limit: int) -> list[int]: ...
    def claims_of_article(self, article_id: str) -> list[dict]: ...
    def source_claims(self, article_ids: Sequence[str]) -> dict[str, dict]: ...
    def claim_ids_matching(self, filters: SearchFilters) -> np.ndarray: ...
    def all_embeddings(self, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...
    def all_index_vectors(self, second: bool = True,
                          batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]: ...
    def index_vectors_of(self, ids: Sequence[int],
                         second: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def claims_missing_second_vector(self, batch: int = 1_000) -> list[tuple[int, str]]: ...
    def set_resolved_embeddings(self, ids: Sequence[int], vectors: np.ndarray) -> None: ...
    def clear_resolved_embeddings(self) -> None: ...
    def all_claim_documents(self, batch: int = 5_000) -> Iterator[list[tuple[int, str, str | None, str | None]]]: ...
    def all_claim_texts(self, batch: int = 5_000, after: int = 0,
                        standalone: bool = False) -> Iterator[tuple[list[int], list[str]]]: ...
    def begin_reembed(self, model: str) -> int: ...
    def finish_reembed(self, model: str, dim: int) -> None: ...
    def vector_writes_refused(self, conn: Any = None) -> str | None: ...
    def unscored_claim_range(self) -> tuple[int | None, int | None]: ...
    def unscored_claim_texts(self, batch: int = 1_000, after: int = 0,
                             until: int | None = None) -> Iterator[tuple[list[int], list[str]]]: ...
    def set_check_worthiness(self, ids: Sequence[int], scores: Sequence[float]) -> None: ...
    def embeddings_of(self, ids: Sequence[int]) -> dict[int, np.ndarray]: ...
    def changes_since(self, seq: int) -> list[tuple[int, int, str]]: ...
    def changes_kept_from(self) -> int: ...
    def compact_changes(self, keep_from: int) -> int: ...
    def record_saved_index(self, saver: str, generation: int) -> None: ...
    def saved_indexes(self) -> dict[str, tuple[int, float]]: ...
    def counts(self) -> dict[str, int]: ...
    def counted_snapshot(self) -> tuple[int, dict[str, int]]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def search_speakers(self, query: str, limit: int = 20) -> list[dict]: ...
    def list_articles(self, filters: ListingFilters, limit: int, after: tuple[str, str] | None = None) -> list[dict]: ...
    def list_claims(self, filters: ListingFilters, limit: int, after: int | None = None) -> list[dict]: ...
    def claim_record(self, claim_id: int) -> dict | None: ...
    def find_speaker(self, speaker_id: int) -> dict | None: ...
    def claims_of_speaker(self, speaker_id: int) -> list[dict]: ...
    def close(self) -> None: ...


CONNECT_TIMEOUT = 30.0  # seconds a connection waits for another process's lock


def _set_wal(conn: sqlite3.Connection, timeout: float = CONNECT_TIMEOUT) -> None:
    """WAL mode (kept in the file once set). Right after a crash the first process to open the file recovers its
    write-ahead log under an exclusive lock, and SQLite answers another opener's journal-mode pragma "database is
    locked" at once instead of waiting (seen when a restarted server's workers boot together): so try again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class SQLiteStore:
    """SQLite in WAL mode; one connection per thread, every write in one transaction."""

    kind = "sqlite"
    vector_model: str | None = None  # the model whose vectors this process writes (set by the engine)

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._connection() as conn:
            conn.executescript(SCHEMA)
        self._migrate_speakers()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=CONNECT_TIMEOUT, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            _set_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(CONNECT_TIMEOUT * 1000)}")
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. Whatever fails (a statement, or the COMMIT itself on a full disk or an I/O
        error) leaves the connection out of any transaction, so the thread's next request starts clean; disk and
        I/O failures become :class:`StoreUnavailable`."""
        conn = self._connection()
        with self._write_lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    self._end_failed_transaction(conn)
                    raise
            except sqlite3.Error as error:
                unavailable = sqlite_unavailable(error)
                if unavailable is None:
                    raise
                raise unavailable from error

    def _end_failed_transaction(self, conn: sqlite3.Connection) -> None:
        """Roll back what SQLite has not already rolled back; a connection that cannot is closed and replaced."""
        if not conn.in_transaction:
            return
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.warning("store: rollback after a failed write failed; reopening the connection", exc_info=True)
            conn.close()
            if getattr(self._local, "conn", None) is conn:
                self._local.conn = None

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- meta and change log -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (key, value))

    def generation(self) -> int:
        row = self._connection().execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def generation_and_claims(self) -> tuple[int, int]:
        """The generation and the claim count from one snapshot (one statement), so that they agree."""
        row = self._connection().execute(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM changes), (SELECT COUNT(*) FROM claims)").fetchone()
        return int(row[0]), int(row[1])

    def changes_since(self, seq: int) -> list[tuple[int, int, str]]:
        rows = self._connection().execute(
            "SELECT seq, claim_id, op FROM changes WHERE seq > ? ORDER BY seq", (seq,)
        ).fetchall()
        return [(int(r[0]), int(r[1]), r[2]) for r in rows]

    def changes_kept_from(self) -> int:
        """The lowest sequence number the change log still holds every row from (0: never compacted). An index
        at a generation below this minus one cannot be caught up from the log: it is rebuilt from the store."""
        return int(self.get_meta(CHANGES_KEPT_FROM) or 0)

    def compact_changes(self, keep_from: int) -> int:
        """Delete the change-log rows below ``keep_from`` (never the newest row, which carries the generation);
        how many. The new floor is recorded in the same transaction, so a reader that sees rows missing sees it."""
        with self._transaction() as conn:
            newest = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0])
            kept_from = conn.execute("SELECT value FROM meta WHERE key = ?", (CHANGES_KEPT_FROM,)).fetchone()
            keep_from = min(keep_from, newest)
            if keep_from <= int(kept_from[0] if kept_from else 0):
                return 0
            pruned = int(conn.execute("SELECT COUNT(*) FROM changes WHERE seq < ?", (keep_from,)).fetchone()[0])
            conn.execute("DELETE FROM changes WHERE seq < ?", (keep_from,))
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (CHANGES_KEPT_FROM, str(keep_from)))
        return pruned

    def record_saved_index(self, saver: str, generation: int) -> None:
        """Note that the index file saved by ``saver`` (host and path) reflects the change log up to ``generation``."""
        self.set_meta(SAVED_INDEX_PREFIX + saver, json.dumps({"generation": generation, "saved_at": time.time()}))

    def saved_indexes(self) -> dict[str, tuple[int, float]]:
        """Every saver's last recorded save: {saver: (generation, unix time)}."""
        rows = self._connection().execute(
            "SELECT key, value FROM meta WHERE key >= ? AND key < ?",
            (SAVED_INDEX_PREFIX, SAVED_INDEX_PREFIX[:-1] + chr(ord(SAVED_INDEX_PREFIX[-1]) + 1))).fetchall()
        saved = {}
        for key, value in rows:
            record = json.loads(value)
            saved[key[len(SAVED_INDEX_PREFIX):]] = (int(record["generation"]), float(record["saved_at"]))
        return saved

    def vector_writes_refused(self, conn: Any = None) -> str | None:
        """Why this process may not store vectors now (None: it may): the store holds another model's vectors,
        or ``reindex --reembed`` is converting it. Read inside the write transaction, which every writer
        serialises: a write either commits before a re-embedding starts (and is re-encoded by it) or sees it."""
        if self.vector_model is None:
            return None
        rows = (conn or self._connection()).execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", ("embedding_model", REEMBED_TARGET)).fetchall()
        meta = {r[0]: r[1] for r in rows}
        target = meta.get(REEMBED_TARGET)
        if target is not None:
            return None if target == self.vector_model else f"the store is being re-encoded with {target!r}"
        stored = meta.get("embedding_model")
        if stored is not None and stored != self.vector_model:
            return f"the store holds vectors of {stored!r}, this process encodes with {self.vector_model!r}"
        return None

    def _refuse_foreign_vectors(self, conn: Any) -> None:
        reason = self.vector_writes_refused(conn)
        if reason is not None:
            raise StoreUnavailable(503, "reembedding", f"writes are paused: {reason}", retry_after=60)

    def begin_reembed(self, model: str) -> int:
        """Start (or resume) re-encoding every claim with ``model``; the claim id to resume after. A fresh start
        forgets the resolved texts' vectors in the same transaction (they are encoded again)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (REEMBED_TARGET,)).fetchone()
            if row is not None and row[0] == model:
                done = conn.execute("SELECT value FROM meta WHERE key = ?", (REEMBED_DONE_THROUGH,)).fetchone()
                return int(done[0]) if done else 0
            for key, value in ((REEMBED_TARGET, model), (REEMBED_DONE_THROUGH, "0")):
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
            conn.execute("UPDATE claims SET resolved_embedding = NULL WHERE resolved_embedding IS NOT NULL")
        return 0

    def finish_reembed(self, model: str, dim: int) -> None:
        """Every claim carries ``model``'s vectors: record it as the store's model and end the re-embedding."""
        with self._transaction() as conn:
            for key, value in (("embedding_model", model), ("embedding_dim", str(dim))):
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
            conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (REEMBED_TARGET, REEMBED_DONE_THROUGH))

    # --- articles ------------------------------------------------------------------------
    def find_article(self, article_id: str) -> dict | None:
        row = self._connection().execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return dict(row) if row else None

    def add_article(self, article: dict, claims: Sequence[NewClaim]) -> None:
        """Insert an article and all its claims in one transaction."""
        with self._transaction() as conn:
            self._refuse_foreign_vectors(conn)
            conn.execute(
                "INSERT INTO articles(id, outlet, title, url, published, author, raw_text, text, extractor, created_at) "
                "VALUES (:id, :outlet, :title, :url, :published, :author, :raw_text, :text, :extractor, :created_at)",
                {"author": None, **article, "created_at": utcnow()},
            )
            ids = [self._insert_claim(conn, claim, article["id"]) for claim in claims]
            links = [(ids[c.responds_to_index], claim_id) for c, claim_id in zip(claims, ids)
                     if c.responds_to_index is not None and 0 <= c.responds_to_index < len(ids)]
            conn.executemany("UPDATE claims SET responds_to_claim_id = ? WHERE id = ?", links)

    def delete_article(self, article_id: str) -> bool:
        with self._transaction() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE article_id = ?", (article_id,))]
            deleted = conn.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
            conn.execute("DELETE FROM claims WHERE article_id = ?", (article_id,))
            conn.executemany("INSERT INTO changes(claim_id, op) VALUES (?, 'delete')", [(i,) for i in ids])
            self._drop_orphan_speakers(conn)
        return bool(deleted)

    @staticmethod
    def _drop_orphan_speakers(conn: sqlite3.Connection) -> None:
        """Speakers left without claims go, and their aliases with them (ON DELETE CASCADE)."""
        conn.execute("DELETE FROM speakers WHERE id NOT IN (SELECT speaker_id FROM claims WHERE speaker_id IS NOT NULL) "
                     "AND id NOT IN (SELECT speaker_id FROM claim_speakers)")

    # --- speakers --------------------------------------------------------------------------
    @staticmethod
    def _column_type(kind: str) -> str:
        """A column type of ``ADDED_COLUMNS`` in this database's dialect."""
        return kind

    @staticmethod
    def _column_names(conn: sqlite3.Connection, table: str) -> set[str]:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}

    def _migrate_speakers(self) -> None:
        """Bring an older database up to date (added columns, speakers as entities); a no-op on a current one.

        Adds the missing columns (check_worthiness stays NULL until the engine's backfill scores it) and tables, gives every speaker its name_key (merging rows whose names differ
        only in spelling), links every claim's speaker in claim_speakers, then makes name_key unique.
        """
        with self._transaction() as conn:
            for table, columns in ADDED_COLUMNS.items():
                present = self._column_names(conn, table)
                for column, kind in columns:
                    if column not in present:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {self._column_type(kind)}")
            conn.execute("CREATE INDEX IF NOT EXISTS claims_check_worthiness ON claims(check_worthiness)")
            for statement in SPEAKER_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            rows = conn.execute("SELECT id, name FROM speakers WHERE name_key IS NULL ORDER BY id").fetchall()
            for row in rows:
                key = speaker_key(row["name"]) or f"#{row['id']}"
                same = conn.execute("SELECT id FROM speakers WHERE name_key = ?", (key,)).fetchone()
                if same:
                    self._merge_speaker(conn, int(row["id"]), int(same["id"]))
                else:
                    conn.execute("UPDATE speakers SET name_key = ? WHERE id = ?", (key, row["id"]))
                    self._add_alias(conn, int(row["id"]), row["name"])
            conn.execute("INSERT INTO claim_speakers(claim_id, speaker_id, position) SELECT id, speaker_id, 0 "
                         "FROM claims WHERE speaker_id IS NOT NULL AND id NOT IN (SELECT claim_id FROM claim_speakers)")
            conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS speakers_name_key ON speakers(name_key)")

    def _merge_speaker(self, conn: sqlite3.Connection, duplicate: int, kept: int) -> None:
        """Move a duplicate speaker's claims and names to the speaker kept, then drop it."""
        name = conn.execute("SELECT name FROM speakers WHERE id = ?", (duplicate,)).fetchone()["name"]
        conn.execute("UPDATE claims SET speaker_id = ? WHERE speaker_id = ?", (kept, duplicate))
        conn.execute("DELETE FROM claim_speakers WHERE speaker_id = ? AND claim_id IN "
                     "(SELECT claim_id FROM claim_speakers WHERE speaker_id = ?)", (duplicate, kept))
        conn.execute("UPDATE claim_speakers SET speaker_id = ? WHERE speaker_id = ?", (kept, duplicate))
        for alias in conn.execute("SELECT alias FROM speaker_aliases WHERE speaker_id = ?", (duplicate,)).fetchall():
            self._add_alias(conn, kept, alias["alias"])
        conn.execute("DELETE FROM speakers WHERE id = ?", (duplicate,))
        self._add_alias(conn, kept, name)

    @staticmethod
    def _add_alias(conn: sqlite3.Connection, speaker_id: int, alias: str) -> None:
        key = speaker_key(alias)
        if key and not conn.execute("SELECT 1 FROM speaker_aliases WHERE speaker_id = ? AND alias = ?",
                                    (speaker_id, alias)).fetchone():
            conn.execute("INSERT INTO speaker_aliases(speaker_id, alias, alias_key) VALUES (?, ?, ?)",
                         (speaker_id, alias, key))

    def _resolve_speaker(self, conn: sqlite3.Connection, speaker: NewSpeaker) -> int:
        """The stored speaker this one is (same name_key, or the one speaker known by one of its names), or a new row."""
        key = speaker_key(speaker.name) or speaker.name
        row = conn.execute("SELECT id FROM speakers WHERE name_key = ?", (key,)).fetchone()
        speaker_id = int(row["id"]) if row else None
        if speaker_id is None:
            keys = sorted({k for k in (speaker_key(n) for n in (speaker.name, *speaker.aliases)) if k})
            marks = ",".join("?" * len(keys))
            candidates = {int(r[0]) for r in conn.execute(
                f"SELECT speaker_id FROM speaker_aliases WHERE alias_key IN ({marks}) UNION "
                f"SELECT id FROM speakers WHERE name_key IN ({marks})", keys + keys)} if keys else set()
            if len(candidates) == 1:  # an unambiguous alias; two people called 'Price' stay apart
                speaker_id = candidates.pop()
        if speaker_id is None:
            cursor = conn.execute(
                "INSERT INTO speakers(name, name_key, role, organisation, is_person) VALUES (?, ?, ?, ?, ?)",
                (speaker.name, key, speaker.role, speaker.organisation, int(speaker.is_person)))
            speaker_id = int(cursor.lastrowid)
        else:
            conn.execute("UPDATE speakers SET role = COALESCE(role, ?), organisation = COALESCE(organisation, ?) "
                         "WHERE id = ?", (speaker.role, speaker.organisation, speaker_id))
        for alias in (speaker.name, *speaker.aliases):
            self._add_alias(conn, speaker_id, alias)
        return speaker_id

    def _speaker_rows(self, conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[dict]:
        speakers = [dict(r) for r in conn.execute(
            f"SELECT id, name, name_key, role, organisation, is_person FROM speakers WHERE {where}", params)]
        if not speakers:
            return []
        ids = [s["id"] for s in speakers]
        marks = ",".join("?" * len(ids))
        counts = dict(conn.execute(f"SELECT speaker_id, COUNT(*) FROM claim_speakers WHERE speaker_id IN ({marks}) "
                                   "GROUP BY speaker_id", ids).fetchall())
        aliases: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
        for row in conn.execute(f"SELECT speaker_id, alias, alias_key FROM speaker_aliases WHERE speaker_id IN ({marks}) "
                                "ORDER BY alias", ids):
            aliases[int(row[0])].append((row[1], row[2]))
        for speaker in speakers:
            speaker["is_person"] = bool(speaker["is_person"])
            speaker["claims"] = int(counts.get(speaker["id"], 0))
            speaker["alias_keys"] = [k for _, k in aliases[speaker["id"]]]
            speaker["aliases"] = [a for a, _ in aliases[speaker["id"]] if a != speaker["name"]]
        return speakers

    def search_speakers(self, query: str, limit: int = 20) -> list[dict]:
        """Speakers whose name or an alias contains the query (spelling variants ignored), else whose role does;
        best first: exact name, exact alias, name or alias starting with it, containing it, role; then most claims."""
        key = speaker_key(query)
        if not key:
            return []
        pattern = containing(key)
        speakers = self._speaker_rows(
            self._connection(),
            f"name_key LIKE ? {LIKE_ESCAPE} OR id IN (SELECT speaker_id FROM speaker_aliases WHERE alias_key LIKE ? "
            f"{LIKE_ESCAPE}) OR LOWER(role) LIKE ? {LIKE_ESCAPE}",
            (pattern, pattern, containing(query.strip().lower())),
        )

        def rank(speaker: dict) -> tuple:
            keys = speaker["alias_keys"]
            if speaker["name_key"] == key:
                tier = 0
            elif key in keys:
                tier = 1
            elif speaker["name_key"].startswith(key) or any(k.startswith(key) for k in keys):
                tier = 2
            elif key in speaker["name_key"] or any(key in k for k in keys):
                tier = 3
            else:
                tier = 4
            return tier, -speaker["claims"], speaker["name"]

        return [_public_speaker(s) for s in sorted(speakers, key=rank)[:limit]]

    def find_speaker(self, speaker_id: int) -> dict | None:
        found = self._speaker_rows(self._connection(), "id = ?", (int(speaker_id),))
        return _public_speaker(found[0]) if found else None

    def claims_of_speaker(self, speaker_id: int) -> list[dict]:
        """Every claim the speaker made (alone or with others), oldest first: the claim's own date, else its
        publication date; undated claims last, in the order they were stored."""
        rows = [dict(r) for r in self._connection().execute(
            f"SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE c.id IN "
            "(SELECT claim_id FROM claim_speakers WHERE speaker_id = ?)", (int(speaker_id),))]

        def when(row: dict) -> tuple:
            dated = row.get("claim_date") or row.get("claim_published") or row.get("article_published")
            return (dated is None, dated or "", row["id"])

        return sorted(rows, key=when)

    # --- claims --------------------------------------------------------------------------
    def _speaker_ids(self, conn: sqlite3.Connection, claim: NewClaim) -> list[int]:
        """The stored speakers of a claim, its main speaker first."""
        speakers = list(claim.co_speakers)
        if claim.speaker:
            speakers.insert(0, NewSpeaker(claim.speaker, claim.speaker_role, claim.speaker_organisation,
                                          claim.speaker_is_person, claim.speaker_aliases))
        ids: list[int] = []
        for speaker in speakers:
            speaker_id = self._resolve_speaker(conn, speaker)
            if speaker_id not in ids:
                ids.append(speaker_id)
        return ids

    def _insert_claim(self, conn: sqlite3.Connection, claim: NewClaim, article_id: str | None) -> int:
        vector = np.ascontiguousarray(claim.embedding, dtype=np.float32)
        resolved = None
        if claim.resolved_embedding is not None and claim.resolved_text and claim.resolved_text != claim.text:
            resolved = np.ascontiguousarray(claim.resolved_embedding, dtype=np.float32).tobytes()
        speaker_ids = self._speaker_ids(conn, claim)
        cursor = conn.execute(
            "INSERT INTO claims(article_id, text, span_start, span_end, speaker_id, verb, voice, polarity, claimant, "
            "rating, source, url, published, external_id, text_hash, embedding, created_at, claim_date, time_text, "
            f"title, responds_to_text, resolved_text, resolved_embedding, check_worthiness) "
            f"VALUES ({', '.join('?' * 24)})",
            (article_id, claim.text, claim.span_start, claim.span_end, speaker_ids[0] if speaker_ids else None,
             claim.verb, claim.voice, claim.polarity, claim.claimant, claim.rating, claim.source, claim.url,
             claim.published, claim.external_id, text_hash(claim.text), vector.tobytes(), utcnow(), claim.claim_date,
             claim.time_text, claim.title, claim.responds_to_text, claim.resolved_text, resolved,
             None if claim.check_worthiness is None else float(claim.check_worthiness)),
        )
        claim_id = int(cursor.lastrowid)
        conn.executemany("INSERT INTO claim_speakers(claim_id, speaker_id, position) VALUES (?, ?, ?)",
                         [(claim_id, speaker_id, position) for position, speaker_id in enumerate(speaker_ids)])
        conn.execute("INSERT INTO changes(claim_id, op) VALUES (?, 'add')", (claim_id,))
        return claim_id

    def find_standalone_claim(self, external_id: str | None, text: str) -> int | None:
        conn = self._connection()
        row = None
        if external_id:
            row = conn.execute("SELECT id FROM claims WHERE external_id = ?", (external_id,)).fetchone()
        if row is None:
            row = conn.execute("SELECT id FROM claims WHERE article_id IS NULL AND text_hash = ?",
                               (text_hash(text),)).fetchone()
        return int(row[0]) if row else None

    def add_standalone_claims(self, claims: Sequence[NewClaim]) -> list[tuple[int, bool]]:
        """Insert fact-check records; ones already stored (same external_id, or same text) are left as they are."""
        results: list[tuple[int, bool]] = []
        with self._transaction() as conn:
            self._refuse_foreign_vectors(conn)
            for claim in claims:
                existing = self.find_standalone_claim(claim.external_id, claim.text)
                if existing is not None:
                    results.append((existing, False))
                else:
                    claim_id = self._insert_claim(conn, claim, None)
                    if claim.rating_value is not None or claim.best_rating is not None or claim.worst_rating is not None:
                        conn.execute("UPDATE claims SET rating_value = ?, best_rating = ?, worst_rating = ? WHERE id = ?",
                                     (claim.rating_value, claim.best_rating, claim.worst_rating, claim_id))
                    results.append((claim_id, True))
        return results

    def claims_by_ids(self, ids: Sequence[int]) -> dict[int, dict]:
        if not len(ids):
            return {}
        conn = self._connection()
        found: dict[int, dict] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[chunk_start:chunk_start + 500]]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE c.id IN ({marks})", chunk):
                found[int(row["id"])] = dict(row)
        return found

    def recent_claim_ids(self, limit: int) -> list[int]:
        """The ids of the ``limit`` claims stored last, newest first."""
        rows = self._connection().execute("SELECT id FROM claims ORDER BY id DESC LIMIT ?", (int(limit),))
        return [int(row[0]) for row in rows]

    def claims_of_article(self, article_id: str) -> list[dict]:
        rows = self._connection().execute(
            f"SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE c.article_id = ? ORDER BY c.span_start, c.id", (article_id,)
        )
        return [dict(r) for r in rows]

    def source_claims(self, article_ids: Sequence[str]) -> dict[str, dict]:
        """Per article: its cleaned text and its claims' ids, texts and stored vectors in text order."""
        if not article_ids:
            return {}
        conn = self._connection()
        marks = ",".join("?" * len(article_ids))
        found = {row[0]: {"text": row[1], "claim_ids": [], "claim_texts": [], "vectors": []}
                 for row in conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", list(article_ids))}
        rows = conn.execute(f"SELECT article_id, id, text, embedding FROM claims WHERE article_id IN ({marks}) "
                            "ORDER BY article_id, span_start, id", list(article_ids))
        for article_id, claim_id, text, blob in rows:
            if article_id in found:
                found[article_id]["claim_ids"].append(int(claim_id))
                found[article_id]["claim_texts"].append(text)
                found[article_id]["vectors"].append(np.frombuffer(blob, dtype=np.float32))
        for source in found.values():
            source["vectors"] = np.vstack(source["vectors"]) if source["vectors"] else np.zeros((0, 0), np.float32)
        return found

    def claim_ids_matching(self, filters: SearchFilters) -> np.ndarray:
        """Ids of the claims that pass the context filters, for a filtered index search."""
        where, params = claim_filter_clauses(filters.outlets, filters.speakers, filters.published_after,
                                             filters.published_before)
        if filters.min_check_worthiness is not None:
            where.append("c.check_worthiness >= ?")
            params.append(float(filters.min_check_worthiness))
        sql = f"SELECT c.id {CLAIM_JOINS} WHERE " + " AND ".join(where or ["1=1"])
        rows = self._connection().execute(sql, params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def _claim_batches(self, columns: str, batch: int, after: int = 0) -> Iterator[list]:
        """Rows ``(id, *columns)`` of every claim past id ``after`` in id order, ``batch`` at a time (keyset
        pagination)."""
        conn = self._connection()
        last = after
        while True:
            rows = conn.execute(f"SELECT id, {columns} FROM claims WHERE id > ? ORDER BY id LIMIT ?",
                                (last, batch)).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield rows

    def all_embeddings(self, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) in batches, for rebuilding the index from the store."""
        for rows in self._claim_batches("embedding", batch):
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            yield ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])

    def all_index_vectors(self, second: bool = True,
                          batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(claim ids, vectors, slots) in batches for building the index: each claim's embedding (slot 0) and, with
        ``second``, its resolved text's (slot 1) where it has one; a claim's vectors are always in one batch."""
        for rows in self._claim_batches(_index_columns(second), batch):
            yield _index_rows(rows)

    def index_vectors_of(self, ids: Sequence[int], second: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(claim ids, vectors, slots) of these claims, as ``all_index_vectors`` gives them (absent ones left out)."""
        conn = self._connection()
        rows: list = []
        for chunk_start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[chunk_start:chunk_start + 500]]
            marks = ",".join("?" * len(chunk))
            rows += conn.execute(f"SELECT id, {_index_columns(second)} FROM claims WHERE id IN ({marks})",
                                 chunk).fetchall()
        return _index_rows(rows)

    def claims_missing_second_vector(self, batch: int = 1_000) -> list[tuple[int, str]]:
        """Up to ``batch`` (claim id, resolved text) of claims whose resolved text differs from their text and has
        no embedding yet (claims stored before resolved texts were embedded, or after a model change)."""
        rows = self._connection().execute(
            f"SELECT id, resolved_text FROM claims WHERE {NEEDS_SECOND_VECTOR} AND resolved_embedding IS NULL "
            "ORDER BY id LIMIT ?", (batch,)).fetchall()
        return [(int(r[0]), r[1]) for r in rows]

    def set_resolved_embeddings(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Store resolved texts' embeddings; each claim gets an 'add' in the change log, so that every process's
        index and lexical index take up its second vector on their next catch-up."""
        rows = [(np.asarray(v, dtype=np.float32).tobytes(), int(i)) for i, v in zip(ids, vectors)]
        with self._transaction() as conn:
            self._refuse_foreign_vectors(conn)
            conn.executemany("UPDATE claims SET resolved_embedding = ? WHERE id = ?", rows)
            conn.executemany("INSERT INTO changes(claim_id, op) SELECT id, 'add' FROM claims WHERE id = ?",
                             [(i,) for _, i in rows])  # a claim deleted meanwhile gets none

    def clear_resolved_embeddings(self) -> None:
        """Forget every resolved text's embedding (after a model change: they are encoded again)."""
        with self._transaction() as conn:
            conn.execute("UPDATE claims SET resolved_embedding = NULL WHERE resolved_embedding IS NOT NULL")

    def embeddings_of(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        conn = self._connection()
        found: dict[int, np.ndarray] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[chunk_start:chunk_start + 500]]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT id, embedding FROM claims WHERE id IN ({marks})", chunk):
                found[int(row[0])] = np.frombuffer(row[1], dtype=np.float32)
        return found

    def replace_embeddings(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Store new embeddings (after a model change). Each claim gets an 'add' in the change log (every
        process's index takes the new vectors), and a re-embedding's progress moves past them, in one transaction."""
        with self._transaction() as conn:
            conn.executemany("UPDATE claims SET embedding = ? WHERE id = ?",
                             [(np.asarray(v, dtype=np.float32).tobytes(), int(i)) for i, v in zip(ids, vectors)])
            conn.executemany("INSERT INTO changes(claim_id, op) SELECT id, 'add' FROM claims WHERE id = ?",
                             [(int(i),) for i in ids])
            if len(ids):
                conn.execute("UPDATE meta SET value = ? WHERE key = ?",
                             (str(max(int(i) for i in ids)), REEMBED_DONE_THROUGH))

    def all_claim_documents(self, batch: int = 5_000) -> Iterator[list[tuple[int, str, str | None, str | None]]]:
        """(claim id, text, title, resolved text) of every claim in batches, for rebuilding the lexical index."""
        for rows in self._claim_batches("text, title, resolved_text", batch):
            yield [(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def all_claim_texts(self, batch: int = 5_000, after: int = 0,
                        standalone: bool = False) -> Iterator[tuple[list[int], list[str]]]:
        """(ids, texts) in batches of the claims past id ``after``, for re-encoding every claim after a model
        change; with ``standalone``, each claim as it stands alone (its resolved text where it has one)."""
        for rows in self._claim_batches(STANDALONE_TEXT if standalone else "text", batch, after):
            yield [int(r[0]) for r in rows], [r[1] for r in rows]

    def unscored_claim_range(self) -> tuple[int | None, int | None]:
        """The least and the greatest id of the claims without a check-worthiness score (None, None: none)."""
        row = self._connection().execute(
            "SELECT MIN(id), MAX(id) FROM claims WHERE check_worthiness IS NULL").fetchone()
        return (None, None) if row[0] is None else (int(row[0]), int(row[1]))

    def unscored_claim_texts(self, batch: int = 1_000, after: int = 0,
                             until: int | None = None) -> Iterator[tuple[list[int], list[str]]]:
        """(ids, texts as they stand alone) of the claims without a check-worthiness score with ``after`` < id <=
        ``until``, in id order and batches (keyset pagination: a claim scored meanwhile by another process is
        skipped)."""
        conn = self._connection()
        last = after
        while True:
            rows = conn.execute(f"SELECT id, {STANDALONE_TEXT} FROM claims WHERE check_worthiness IS NULL AND id > ? "
                                "AND id <= ? ORDER BY id LIMIT ?",
                                (last, 2**62 if until is None else until, batch)).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield [int(r[0]) for r in rows], [r[1] for r in rows]

    def set_check_worthiness(self, ids: Sequence[int], scores: Sequence[float]) -> None:
        """Store check-worthiness scores; the vectors, the change log and so the index are untouched."""
        with self._transaction() as conn:
            conn.executemany("UPDATE claims SET check_worthiness = ? WHERE id = ?",
                             [(float(s), int(i)) for i, s in zip(ids, scores)])

    # --- listings (keyset pagination, newest first) ------------------------------------
    def list_articles(self, filters: ListingFilters, limit: int, after: tuple[str, str] | None = None) -> list[dict]:
        """Up to ``limit`` articles, newest ingested first, strictly after the keyset ``(created_at, id)``."""
        where, params = [], []  # type: list[str], list[Any]
        if after is not None:
            where.append("(a.created_at < ? OR (a.created_at = ? AND a.id < ?))")
            params += [after[0], after[0], after[1]]
        if filters.outlets:
            where.append(f"LOWER(a.outlet) IN ({','.join('?' * len(filters.outlets))})")
            params += [o.lower() for o in filters.outlets]
        if filters.speakers:
            clause, speaker_params = speaker_clause(filters.speakers)
            where.append(f"a.id IN (SELECT c.article_id FROM claims c WHERE c.article_id IS NOT NULL AND {clause})")
            params += speaker_params
        if filters.since:
            where.append("a.published >= ?")
            params.append(filters.since)
        if filters.until:
            where.append("a.published <= ?")
            params.append(filters.until)
        sql = (f"SELECT {ARTICLE_LIST_COLUMNS} FROM articles a WHERE {' AND '.join(where or ['1=1'])} "
               "ORDER BY a.created_at DESC, a.id DESC LIMIT ?")
        return [dict(r) for r in self._connection().execute(sql, [*params, int(limit)])]

    def list_claims(self, filters: ListingFilters, limit: int, after: int | None = None) -> list[dict]:
        """Up to ``limit`` claims, newest first (ids only grow), with ids below ``after``."""
        where, params = [], []  # type: list[str], list[Any]
        if after is not None:
            where.append("c.id < ?")
            params.append(int(after))
        clauses, filter_params = claim_filter_clauses(filters.outlets, filters.speakers, filters.since, filters.until)
        where += clauses
        params += filter_params
        if filters.rated is not None:
            where.append("c.rating IS NOT NULL" if filters.rated else "c.rating IS NULL")
        sql = (f"SELECT {CLAIM_COLUMNS}{RECORD_COLUMNS} {CLAIM_JOINS} WHERE {' AND '.join(where or ['1=1'])} "
               "ORDER BY c.id DESC LIMIT ?")
        return [dict(r) for r in self._connection().execute(sql, [*params, int(limit)])]

    def claim_record(self, claim_id: int) -> dict | None:
        """One claim with everything a schema.org ClaimReview or Claim of it needs."""
        row = self._connection().execute(
            f"SELECT {CLAIM_COLUMNS}{RECORD_COLUMNS} {CLAIM_JOINS} WHERE c.id = ?", (int(claim_id),)).fetchone()
        return dict(row) if row else None

    def counts(self) -> dict[str, int]:
        conn = self._connection()
        return {
            "articles": conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "claims": conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0],
            "standalone_claims": conn.execute("SELECT COUNT(*) FROM claims WHERE article_id IS NULL").fetchone()[0],
            "speakers": conn.execute("SELECT COUNT(*) FROM speakers").fetchone()[0],
        }

    def counted_snapshot(self) -> tuple[int, dict[str, int]]:
        """The generation and every count of :meth:`counts`, from one statement (one snapshot), so that they agree."""
        row = self._connection().execute(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM changes), (SELECT COUNT(*) FROM articles), "
            "(SELECT COUNT(*) FROM claims), (SELECT COUNT(*) FROM claims WHERE article_id IS NULL), "
            "(SELECT COUNT(*) FROM speakers)").fetchone()
        return int(row[0]), {"articles": int(row[1]), "claims": int(row[2]), "standalone_claims": int(row[3]),
                             "speakers": int(row[4])}


class CachedCounts:
    """The store's counts, counted at most once per ``ttl_s`` seconds: ``/metrics`` and ``/readyz`` are polled
    often, and COUNT(*) reads every row. Each value comes with the generation it was counted at, so that a reader
    can carry it forward along the change log (see ``claims_at``)."""

    def __init__(self, store: Store, ttl_s: float = 5.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._taken_at = float("-inf")
        self._snapshot: tuple[int, dict[str, int]] = (0, {})

    def snapshot(self) -> tuple[int, dict[str, int]]:
        """(generation, counts) no older than ``ttl_s``."""
        with self._lock:
            if time.monotonic() - self._taken_at >= self.ttl_s:
                self._snapshot = self.store.counted_snapshot()
                self._taken_at = time.monotonic()
            return self._snapshot

    def counts(self) -> dict[str, int]:
        return dict(self.snapshot()[1])

    def claims_at(self, generation: int) -> int:
        """The number of claims the store held at ``generation``: the cached count moved along the change log
        between the two generations (a short range scan of ``changes``, not a count of ``claims``)."""
        counted_at, counts = self.snapshot()
        low, high = sorted((counted_at, generation))
        moved = sum(1 if op == "add" else -1 for seq, _, op in self.store.changes_since(low) if seq <= high)
        return counts["claims"] + (moved if generation >= counted_at else -moved)


def net_changes(changes: Sequence[tuple[int, int, str]]) -> tuple[list[int], set[int]]:
    """(claims added and still present, claims deleted) by a run of change-log rows (seq, claim id, op)."""
    deleted = {claim_id for _, claim_id, op in changes if op == "delete"}
    return [claim_id for _, claim_id, op in changes if op == "add" and claim_id not in deleted], deleted


def containing(text: str) -> str:
    """A LIKE pattern (with ``LIKE_ESCAPE``) for values that contain ``text`` as written: its own "%" and "_" are
    literal characters, not wildcards."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def speaker_clause(names: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL true when claim ``c`` has one of the named speakers (any of their names, spelling variants ignored)
    or, for a fact-check record, such a claimant."""
    clauses, params = [], []  # type: list[str], list[Any]
    for name in names:
        clauses.append("(c.id IN (SELECT cs.claim_id FROM claim_speakers cs JOIN speaker_aliases sa "
                       f"ON sa.speaker_id = cs.speaker_id WHERE sa.alias_key LIKE ? {LIKE_ESCAPE}) "
                       f"OR LOWER(c.claimant) LIKE ? {LIKE_ESCAPE})")
        params += [containing(speaker_key(name) or name.lower()), containing(name.lower())]
    return "(" + " OR ".join(clauses) + ")", params


def claim_filter_clauses(outlets: Sequence[str], speakers: Sequence[str], since: str | None,
                         until: str | None) -> tuple[list[str], list[Any]]:
    """WHERE clauses (over ``CLAIM_JOINS``) and their parameters for claims of these outlets (the article's or a
    fact-check's source, case ignored) and speakers, published from ``since`` to ``until`` (inclusive)."""
    where, params = [], []  # type: list[str], list[Any]
    if outlets:
        marks = ",".join("?" * len(outlets))
        where.append(f"(LOWER(a.outlet) IN ({marks}) OR LOWER(c.source) IN ({marks}))")
        lowered = [o.lower() for o in outlets]
        params += lowered + lowered
    if speakers:
        clause, speaker_params = speaker_clause(speakers)
        where.append(clause)
        params += speaker_params
    published = "COALESCE(c.published, a.published)"
    if since:
        where.append(f"{published} >= ?")
        params.append(since)
    if until:
        where.append(f"{published} <= ?")
        params.append(until)
    return where, params


def _index_columns(second: bool) -> str:
    """The embedding columns the index is built from: the claim's, and its resolved text's where it needs one."""
    return f"embedding, CASE WHEN {NEEDS_SECOND_VECTOR} THEN resolved_embedding END" if second else "embedding"


def _index_rows(rows: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (id, embedding[, resolved text's embedding or NULL]) as index input: claim ids, vectors, slots."""
    ids: list[int] = []
    blobs: list[bytes] = []
    slots: list[int] = []
    for row in rows:
        for slot, blob in enumerate(row[1:]):
            if blob is not None:
                ids.append(int(row[0]))
                blobs.append(blob)
                slots.append(slot)
    vectors = np.vstack([np.frombuffer(b, dtype=np.float32) for b in blobs]) if blobs else np.zeros((0, 0), np.float32)
    return np.asarray(ids, dtype=np.int64), vectors, np.asarray(slots, dtype=np.int64)


def _public_speaker(row: dict) -> dict:
    return {"id": int(row["id"]), "name": row["name"], "aliases": row["aliases"], "role": row["role"],
            "organisation": row["organisation"], "is_person": row["is_person"], "claims": row["claims"]}


def open_store(database_url: str, default_path: Path, connect_timeout_s: float = 5.0,
               statement_timeout_s: float = 30.0, client_timeout_s: float = 0.0) -> Store:
    """The store named by configuration: SQLite unless a PostgreSQL URL is given (the timeouts apply to it)."""
    if not database_url:
        return SQLiteStore(default_path)
    if database_url.startswith("sqlite:///"):
        return SQLiteStore(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgres://")):
        from .store_pg import PostgresStore

        return PostgresStore(database_url, connect_timeout_s=connect_timeout_s,
                             statement_timeout_s=statement_timeout_s, client_timeout_s=client_timeout_s)
    raise ValueError(f"unsupported FACTCHECK_DATABASE_URL {database_url.split('://')[0]}://...: "
                     "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
