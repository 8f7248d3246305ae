"""The store: source of truth for articles, claims, speakers and claim embeddings (SQLite by default).

Every write appends to a change log (``changes``); its highest sequence number is the store's
generation, which the FAISS index records so that it can tell whether it is stale and catch up.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

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
CREATE INDEX IF NOT EXISTS claims_speaker ON claims(speaker_id);
CREATE UNIQUE INDEX IF NOT EXISTS claims_standalone_text ON claims(text_hash) WHERE article_id IS NULL;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('add', 'delete'))
);
"""

CLAIM_COLUMNS = """
    c.id, c.article_id, c.text, c.span_start, c.span_end, c.verb, c.voice, c.polarity,
    c.claimant, c.rating, c.source AS claim_source, c.url AS claim_url, c.published AS claim_published,
    c.external_id, s.id AS speaker_id, s.name AS speaker_name, s.role AS speaker_role,
    a.outlet, a.title, a.url AS article_url, a.published AS article_published
"""
CLAIM_JOINS = "FROM claims c LEFT JOIN speakers s ON s.id = c.speaker_id LEFT JOIN articles a ON a.id = c.article_id"


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


@dataclass(frozen=True)
class SearchFilters:
    outlets: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    published_after: str | None = None
    published_before: str | None = None

    def __bool__(self) -> bool:
        return bool(self.outlets or self.speakers or self.published_after or self.published_before)


class Store(Protocol):
    """What the rest of the service needs from a store; SQLite and PostgreSQL both provide it."""

    def generation(self) -> int: ...
    def find_article(self, article_id: str) -> dict | None: ...
    def add_article(self, article: dict, claims: Sequence[NewClaim]) -> None: ...
    def delete_article(self, article_id: str) -> bool: ...
    def add_standalone_claims(self, claims: Sequence[NewClaim]) -> list[tuple[int, bool]]: ...
    def claims_by_ids(self, ids: Sequence[int]) -> dict[int, dict]: ...
    def claims_of_article(self, article_id: str) -> list[dict]: ...
    def claim_ids_matching(self, filters: SearchFilters) -> np.ndarray: ...
    def all_embeddings(self, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...
    def embeddings_of(self, ids: Sequence[int]) -> dict[int, np.ndarray]: ...
    def changes_since(self, seq: int) -> list[tuple[int, int, str]]: ...
    def counts(self) -> dict[str, int]: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def close(self) -> None: ...


class SQLiteStore:
    """SQLite in WAL mode; one connection per thread, every write in one transaction."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._connection() as conn:
            conn.executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

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

    def changes_since(self, seq: int) -> list[tuple[int, int, str]]:
        rows = self._connection().execute(
            "SELECT seq, claim_id, op FROM changes WHERE seq > ? ORDER BY seq", (seq,)
        ).fetchall()
        return [(int(r[0]), int(r[1]), r[2]) for r in rows]

    # --- articles ------------------------------------------------------------------------
    def find_article(self, article_id: str) -> dict | None:
        row = self._connection().execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return dict(row) if row else None

    def add_article(self, article: dict, claims: Sequence[NewClaim]) -> None:
        """Insert an article and all its claims in one transaction."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO articles(id, outlet, title, url, published, raw_text, text, extractor, created_at) "
                "VALUES (:id, :outlet, :title, :url, :published, :raw_text, :text, :extractor, :created_at)",
                {**article, "created_at": utcnow()},
            )
            for claim in claims:
                self._insert_claim(conn, claim, article["id"])

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
        conn.execute("DELETE FROM speakers WHERE id NOT IN (SELECT DISTINCT speaker_id FROM claims "
                     "WHERE speaker_id IS NOT NULL)")

    # --- claims --------------------------------------------------------------------------
    def _speaker_id(self, conn: sqlite3.Connection, claim: NewClaim) -> int | None:
        if not claim.speaker:
            return None
        row = conn.execute("SELECT id, role FROM speakers WHERE name = ?", (claim.speaker,)).fetchone()
        if row:
            if claim.speaker_role and not row["role"]:
                conn.execute("UPDATE speakers SET role = ? WHERE id = ?", (claim.speaker_role, row["id"]))
            return int(row["id"])
        cursor = conn.execute("INSERT INTO speakers(name, role, is_person) VALUES (?, ?, ?)",
                              (claim.speaker, claim.speaker_role, int(claim.speaker_is_person)))
        return int(cursor.lastrowid)

    def _insert_claim(self, conn: sqlite3.Connection, claim: NewClaim, article_id: str | None) -> int:
        vector = np.ascontiguousarray(claim.embedding, dtype=np.float32)
        cursor = conn.execute(
            "INSERT INTO claims(article_id, text, span_start, span_end, speaker_id, verb, voice, polarity, claimant, "
            "rating, source, url, published, external_id, text_hash, embedding, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, claim.text, claim.span_start, claim.span_end, self._speaker_id(conn, claim), claim.verb,
             claim.voice, claim.polarity, claim.claimant, claim.rating, claim.source, claim.url, claim.published,
             claim.external_id, text_hash(claim.text), vector.tobytes(), utcnow()),
        )
        claim_id = int(cursor.lastrowid)
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
            for claim in claims:
                existing = self.find_standalone_claim(claim.external_id, claim.text)
                if existing is not None:
                    results.append((existing, False))
                else:
                    results.append((self._insert_claim(conn, claim, None), True))
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

    def claims_of_article(self, article_id: str) -> list[dict]:
        rows = self._connection().execute(
            f"SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE c.article_id = ? ORDER BY c.span_start, c.id", (article_id,)
        )
        return [dict(r) for r in rows]

    def claim_ids_matching(self, filters: SearchFilters) -> np.ndarray:
        """Ids of the claims that pass the context filters, for a filtered index search."""
        where, params = [], []  # type: list[str], list[Any]
        if filters.outlets:
            marks = ",".join("?" * len(filters.outlets))
            where.append(f"(LOWER(a.outlet) IN ({marks}) OR LOWER(c.source) IN ({marks}))")
            lowered = [o.lower() for o in filters.outlets]
            params += lowered + lowered
        if filters.speakers:
            clauses = []
            for name in filters.speakers:
                clauses.append("(LOWER(s.name) LIKE ? OR LOWER(c.claimant) LIKE ?)")
                params += [f"%{name.lower()}%"] * 2
            where.append("(" + " OR ".join(clauses) + ")")
        published = "COALESCE(c.published, a.published)"
        if filters.published_after:
            where.append(f"{published} >= ?")
            params.append(filters.published_after)
        if filters.published_before:
            where.append(f"{published} <= ?")
            params.append(filters.published_before)
        sql = f"SELECT c.id {CLAIM_JOINS} WHERE " + " AND ".join(where or ["1=1"])
        rows = self._connection().execute(sql, params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def all_embeddings(self, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) in batches, for rebuilding the index from the store."""
        conn = self._connection()
        last = 0
        while True:
            rows = conn.execute("SELECT id, embedding FROM claims WHERE id > ? ORDER BY id LIMIT ?",
                                (last, batch)).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vectors = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            last = int(ids[-1])
            yield ids, vectors

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
        """Store new embeddings (after a model change); the index is rebuilt afterwards."""
        with self._transaction() as conn:
            conn.executemany("UPDATE claims SET embedding = ? WHERE id = ?",
                             [(np.asarray(v, dtype=np.float32).tobytes(), int(i)) for i, v in zip(ids, vectors)])

    def all_claim_texts(self, batch: int = 5_000) -> Iterator[tuple[list[int], list[str]]]:
        conn = self._connection()
        last = 0
        while True:
            rows = conn.execute("SELECT id, text FROM claims WHERE id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            yield [int(r[0]) for r in rows], [r[1] for r in rows]

    def counts(self) -> dict[str, int]:
        conn = self._connection()
        return {
            "articles": conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "claims": conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0],
            "standalone_claims": conn.execute("SELECT COUNT(*) FROM claims WHERE article_id IS NULL").fetchone()[0],
            "speakers": conn.execute("SELECT COUNT(*) FROM speakers").fetchone()[0],
        }


def open_store(database_url: str, default_path: Path) -> Store:
    """The store named by configuration: SQLite unless a PostgreSQL URL is given."""
    if not database_url:
        return SQLiteStore(default_path)
    if database_url.startswith("sqlite:///"):
        return SQLiteStore(database_url.removeprefix("sqlite:///"))
    raise ValueError(f"unsupported FACTCHECK_DATABASE_URL {database_url!r}: use sqlite:///PATH "
                     "(PostgreSQL support is tracked in the deployment issue)")
