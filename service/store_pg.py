"""The PostgreSQL store: one database shared by any number of stateless replicas.

It runs the same queries as :class:`~service.store.SQLiteStore` (portable SQL with ``?`` and ``:name``
parameters) through a thin adapter over psycopg, so the two stores cannot drift apart. What differs is
the connection layer, the schema's column types, and how writes are ordered: every write transaction
takes one advisory lock, so change-log sequence numbers commit in order and a replica that has applied
the changes up to N can never later see a change below N appear (the catch-up contract of the index).
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

from .store import SCHEMA, SPEAKER_SCHEMA, SQLiteStore, StoreUnavailable

log = logging.getLogger(__name__)

WRITE_LOCK_KEY = 0x66616374  # pg_advisory_xact_lock key serialising writers ("fact")
# A connection whose peer vanished without a word (a cut network, a frozen host) is found dead within about
# KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT seconds when idle, TCP_USER_TIMEOUT_MS when sending.
KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT = 5, 2, 3
TCP_USER_TIMEOUT_MS = 10_000
RECONNECT_PAUSE_S = 1.0  # after a failed connection attempt or a missed deadline, requests answer 503 at once
CLIENT_TIMEOUT_MARGIN_S = 5.0  # default client-side deadline: the server's statement timeout plus this
_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)
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


def unavailable(error: Exception) -> StoreUnavailable:
    """The 503 for a database that cannot be reached, dropped the connection or did not answer in time."""
    if type(error).__name__ == "QueryCanceled":
        return StoreUnavailable(503, "store_timeout", "the database did not answer in time; try again later")
    return StoreUnavailable(503, "store_unavailable", "the database is unreachable; try again later")


def _timed_out() -> StoreUnavailable:
    return StoreUnavailable(503, "store_timeout", "the database did not answer in time; try again later")


class StatementDeadlines:
    """Client-side deadlines for database calls, kept by one thread per process.

    A call past its deadline gets its socket shut down, so the call blocked on it fails at once. This needs
    nothing from the other end: it works when the server is frozen, or when the network drops packets silently
    while something in between (a proxy, a load balancer) still acknowledges them, where neither the server's
    statement timeout, a cancel request (sent on a new connection) nor TCP keepalives can end the wait.
    """

    def __init__(self) -> None:
        self._tokens = itertools.count()
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the thread does not survive a fork; its lock may be held

    def _reset(self) -> None:
        self._changed = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}  # token -> (monotonic deadline, socket file descriptor)
        self._fired: set[int] = set()
        self._thread: threading.Thread | None = None

    def arm(self, fileno: int, seconds: float) -> int:
        """Watch the call about to run on socket ``fileno``; a token for :meth:`disarm`."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-deadlines", daemon=True)
                self._thread.start()
            token = next(self._tokens)
            deadline = time.monotonic() + seconds
            if not self._armed or deadline < min(armed for armed, _ in self._armed.values()):
                self._changed.notify()  # the watcher sleeps until the earliest deadline it knows
            self._armed[token] = (deadline, fileno)
            return token

    def disarm(self, token: int) -> bool:
        """Stop watching; whether the deadline passed (the socket has been shut down)."""
        with self._changed:
            self._armed.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                return True
            return False

    def _watch(self) -> None:
        with self._changed:
            while True:
                if not self._armed:
                    self._changed.wait()
                    continue
                now = time.monotonic()
                due = [token for token, (deadline, _) in self._armed.items() if deadline <= now]
                for token in due:
                    _, fileno = self._armed.pop(token)
                    self._fired.add(token)
                    _shut_down(fileno)  # under the lock: the call cannot end and close the socket meanwhile
                if not due:
                    self._changed.wait(min(deadline for deadline, _ in self._armed.values()) - now)


def _shut_down(fileno: int) -> None:
    """Shut a connected socket down in both directions; a call waiting on it sees the end of the stream."""
    try:
        sock = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


DEADLINES = StatementDeadlines()


class _Connection:
    """A psycopg connection speaking the subset of the ``sqlite3.Connection`` API the store uses.

    A read outside a transaction that meets a lost connection (a database restart, a dropped socket) is sent
    again once on a new connection; anything else that fails at the connection level is :class:`StoreUnavailable`.
    """

    def __init__(self, raw: Any, serial: frozenset[str], connect: Callable[[], Any], timeout_s: float = 0.0,
                 on_timeout: Callable[[], None] | None = None) -> None:
        """``timeout_s``: the client-side deadline of each call (0: none); ``on_timeout`` is told when one passes."""
        import psycopg

        self.raw = raw
        self.serial = serial
        self.pid = os.getpid()
        self.timeout_s = timeout_s
        self._connect = connect
        self._on_timeout = on_timeout
        self._error = psycopg.Error
        self._operational = psycopg.OperationalError
        self._idle = psycopg.pq.TransactionStatus.IDLE

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` on this connection within the client-side deadline. Past it, the socket is shut
        down, the connection closed and :class:`StoreUnavailable` (``store_timeout``) raised; nothing is retried."""
        if self.timeout_s <= 0:
            return function(*args)
        try:
            token = DEADLINES.arm(self.raw.fileno(), self.timeout_s)
        except self._error:  # closed already: the call itself says so
            return function(*args)
        try:
            result = function(*args)
        except self._error as error:
            if DEADLINES.disarm(token):
                raise self._deadline_passed() from error
            raise
        if DEADLINES.disarm(token):  # passed as the call returned: its answer stands, the socket does not
            self.raw.close()
        return result

    def run(self, sql: str, args: Sequence | dict | None = None) -> Any:
        """A statement in psycopg's own syntax, within the deadline."""
        return self.call(self.raw.execute, sql, args)

    def _deadline_passed(self) -> StoreUnavailable:
        log.warning("store: no answer from the database within %.1f s: connection closed", self.timeout_s)
        self.raw.close()
        if self._on_timeout is not None:
            self._on_timeout()
        return _timed_out()

    def execute(self, sql: str, params: Sequence | dict = ()) -> _Cursor:
        table = _INSERT_TABLE.match(sql)
        returning = table is not None and table.group(1) in self.serial and "RETURNING" not in sql.upper()
        statement = to_psycopg(sql + (" RETURNING id" if returning else ""))
        args = params if isinstance(params, dict) else tuple(params)
        outside_transaction = self.raw.info.transaction_status == self._idle  # autocommit, no BEGIN open
        try:
            cursor = self.run(statement, args)
        except self._operational as error:
            if not (outside_transaction and self.raw.closed and _READ.match(sql)):
                raise unavailable(error) from error
            log.info("store: connection lost (%s); reconnecting once for a read", type(error).__name__)
            self.raw = self._connect()
            try:
                cursor = self.run(statement, args)
            except self._operational as again:
                raise unavailable(again) from again
        lastrowid = int(cursor.fetchone()[0]) if returning else None
        return _Cursor(cursor, lastrowid)

    def executemany(self, sql: str, rows: Sequence) -> None:
        rows = [tuple(row) for row in rows]
        if rows:
            try:
                with self.raw.cursor() as cursor:
                    self.call(cursor.executemany, to_psycopg(sql), rows)
            except self._operational as error:
                raise unavailable(error) from error

    def close(self) -> None:
        self.raw.close()


class PostgresStore(SQLiteStore):
    """The store on PostgreSQL: the SQLite store's queries over psycopg, writers serialised by an advisory lock."""

    kind = "postgresql"

    def __init__(self, url: str, connect_timeout_s: float = 5.0, statement_timeout_s: float = 30.0,
                 client_timeout_s: float = 0.0) -> None:
        """``client_timeout_s``: how long one call waits for the database's answer on this side before its
        connection is closed and the request answers 503; 0: the statement timeout plus a margin.
        (``SQLiteStore.__init__`` is not called: the connection layer is this class's own.)"""
        import psycopg  # imported here: the embedded SQLite default does not need it

        self._psycopg = psycopg
        self.url = url
        self.path = _redacted(url)
        self.connect_timeout_s = connect_timeout_s
        self.statement_timeout_s = statement_timeout_s
        self.client_timeout_s = client_timeout_s or statement_timeout_s + CLIENT_TIMEOUT_MARGIN_S
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which no new connection is attempted
        self._serial = serial_tables()
        with self._transaction() as conn:  # replicas starting together create the tables one at a time
            for statement in postgres_schema(SCHEMA + SPEAKER_SCHEMA):
                conn.run(statement)
        self._migrate_speakers()

    @staticmethod
    def _column_type(kind: str) -> str:
        return "BYTEA" if kind == "BLOB" else kind

    @staticmethod
    def _column_names(conn: _Connection, table: str) -> set[str]:  # type: ignore[override]
        rows = conn.execute("SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name = ?", (table,))
        return {row[0] for row in rows}

    def _connect(self) -> Any:
        """A new connection with bounded waits: connect timeout, statement timeout, TCP keepalives and user
        timeout; :class:`StoreUnavailable` when the database cannot be reached (at once for a short pause after a
        failed attempt, so that a burst of requests does not queue behind connection timeouts).

        The server ends a session left idle inside a transaction for the statement timeout, so a client cut off
        mid-write does not hold the writers' lock until the server's keepalives notice (hours by default)."""
        self._check_not_down()
        statement_ms = int(self.statement_timeout_s * 1000)
        try:
            return self._psycopg.connect(
                self.url, autocommit=True, row_factory=_row_factory,
                connect_timeout=max(1, round(self.connect_timeout_s)),
                options=f"-c statement_timeout={statement_ms} -c idle_in_transaction_session_timeout={statement_ms}",
                keepalives=1, keepalives_idle=KEEPALIVE_IDLE_S, keepalives_interval=KEEPALIVE_INTERVAL_S,
                keepalives_count=KEEPALIVE_COUNT, tcp_user_timeout=TCP_USER_TIMEOUT_MS,
            )
        except self._psycopg.OperationalError as error:
            self._down_until = time.monotonic() + RECONNECT_PAUSE_S
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            log.warning("store: cannot connect to the database: %s", first_line)
            raise unavailable(error) from error

    def _check_not_down(self) -> None:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(503, "store_unavailable", "the database is unreachable; try again later", 2)

    def _mark_down(self) -> None:
        """A call went unanswered: for a short pause every request answers 503 at once instead of waiting too."""
        self._down_until = time.monotonic() + RECONNECT_PAUSE_S

    def _connection(self) -> _Connection:  # type: ignore[override]
        self._check_not_down()
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.pid != os.getpid() or conn.raw.closed:  # never share a socket across a fork
            conn = self._local.conn = _Connection(self._connect(), self._serial, self._connect,
                                                  self.client_timeout_s, self._mark_down)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[_Connection]:  # type: ignore[override]
        """One write transaction under the advisory lock. A connection found dead at BEGIN (the database
        restarted while it was idle) is replaced once; past BEGIN nothing is retried: a lost COMMIT's outcome is
        unknown, the client gets 503 and may send its idempotent request again."""
        operational = self._psycopg.OperationalError
        with self._write_lock:
            conn = self._connection()
            try:
                conn.run("BEGIN")
            except operational as error:
                if not conn.raw.closed:
                    raise unavailable(error) from error
                conn = self._connection()  # a new one: the old one is closed
                try:
                    conn.run("BEGIN")
                except operational as again:
                    raise unavailable(again) from again
            try:
                try:
                    conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK_KEY,))
                    yield conn
                    conn.run("COMMIT")
                except BaseException:
                    if not conn.raw.closed:
                        conn.run("ROLLBACK")
                    raise
            except operational as error:
                raise unavailable(error) from error

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if conn.pid == os.getpid():
                conn.close()
            self._local.conn = None


def _redacted(url: str) -> str:
    """The URL without its password, for logs and /v1/stats."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
