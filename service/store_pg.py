"""The PostgreSQL store: one database shared by any number of stateless replicas.

It runs the same queries as :class:`~service.store.SQLiteStore` (portable SQL with ``?`` and ``:name``
parameters) through a thin adapter over psycopg, so the two stores cannot drift apart. What differs is
the connection layer, the schema's column types, and how writes are ordered: every write transaction
takes one advisory lock, so change-log sequence numbers commit in order and a replica that has applied
the changes up to N can never later see a change below N appear (the catch-up contract of the index).
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator, Sequence

from .store import SCHEMA, SPEAKER_SCHEMA, SQLiteStore

WRITE_LOCK_KEY = 0x66616374  # pg_advisory_xact_lock key serialising writers ("fact")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)


def postgres_schema(sqlite_schema: str = SCHEMA) -> list[str]:
    """The SQLite DDL in PostgreSQL types: serial keys, BIGINT integers, BYTEA blobs."""
    ddl = sqlite_schema.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    ddl = re.sub(r"\bINTEGER\b", "BIGINT", ddl).replace("BLOB", "BYTEA")
    return [statement.strip() for statement in ddl.split(";") if statement.strip()]


def serial_tables(sqlite_schema: str = SCHEMA) -> frozenset[str]:
    """Tables whose ``id`` the database assigns (INSERTs into them return it as ``lastrowid``)."""
    return frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)\s*\(\s*id INTEGER PRIMARY KEY AUTOINCREMENT",
                                sqlite_schema))


@lru_cache(maxsize=512)
def to_psycopg(sql: str) -> str:
    """``?`` and ``:name`` parameters as psycopg's ``%s`` and ``%(name)s``; literal ``%`` escaped."""
    sql = sql.replace("%", "%%")
    sql = _NAMED.sub(lambda m: f"%({m.group(1)})s", sql)
    return sql.replace("?", "%s")


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type:
    positions = {name: i for i, name in enumerate(names)}

    class Row(tuple):
        """A result row read by position or by column name, like ``sqlite3.Row``."""

        __slots__ = ()

        def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
            return tuple.__getitem__(self, positions[key] if isinstance(key, str) else key)

        def keys(self) -> list[str]:
            return list(names)

    return Row


def _row_factory(cursor: Any) -> Any:
    names = tuple(column.name for column in cursor.description or ())
    cls = _row_class(names)
    return lambda values: cls(values)


class _Cursor:
    """The part of ``sqlite3.Cursor`` the store uses."""

    def __init__(self, cursor: Any, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator:
        return iter(self._cursor)


class _Connection:
    """A psycopg connection speaking the subset of the ``sqlite3.Connection`` API the store uses."""

    def __init__(self, raw: Any, serial: frozenset[str]) -> None:
        self.raw = raw
        self.serial = serial
        self.pid = os.getpid()

    def execute(self, sql: str, params: Sequence | dict = ()) -> _Cursor:
        table = _INSERT_TABLE.match(sql)
        returning = table is not None and table.group(1) in self.serial and "RETURNING" not in sql.upper()
        statement = to_psycopg(sql + (" RETURNING id" if returning else ""))
        cursor = self.raw.execute(statement, params if isinstance(params, dict) else tuple(params))
        lastrowid = int(cursor.fetchone()[0]) if returning else None
        return _Cursor(cursor, lastrowid)

    def executemany(self, sql: str, rows: Sequence) -> None:
        rows = [tuple(row) for row in rows]
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(to_psycopg(sql), rows)

    def close(self) -> None:
        self.raw.close()


class PostgresStore(SQLiteStore):
    """The store on PostgreSQL: the SQLite store's queries over psycopg, writers serialised by an advisory lock."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:  # noqa: D107 - deliberately not calling SQLiteStore.__init__
        import psycopg  # imported here: the embedded SQLite default does not need it

        self._psycopg = psycopg
        self.url = url
        self.path = _redacted(url)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._serial = serial_tables()
        with self._transaction() as conn:  # replicas starting together create the tables one at a time
            for statement in postgres_schema(SCHEMA + SPEAKER_SCHEMA):
                conn.raw.execute(statement)
        self._migrate_speakers()

    @staticmethod
    def _column_type(kind: str) -> str:
        return "BYTEA" if kind == "BLOB" else kind

    @staticmethod
    def _column_names(conn: _Connection, table: str) -> set[str]:  # type: ignore[override]
        rows = conn.execute("SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name = ?", (table,))
        return {row[0] for row in rows}

    def _connection(self) -> _Connection:  # type: ignore[override]
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.pid != os.getpid() or conn.raw.closed:  # never share a socket across a fork
            raw = self._psycopg.connect(self.url, autocommit=True, row_factory=_row_factory)
            conn = self._local.conn = _Connection(raw, self._serial)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[_Connection]:  # type: ignore[override]
        conn = self._connection()
        with self._write_lock, conn.raw.transaction():
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            yield conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if conn.pid == os.getpid():
                conn.close()
            self._local.conn = None


def _redacted(url: str) -> str:
    """The URL without its password, for logs and /v1/stats."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
