"""A full disk under the real server: writes answer 507 (JSON) fast, reads keep working, nothing acknowledged is
lost, and the same worker takes writes again by itself once space is freed (no restart); a restart then finds
every acknowledged article.

The data directory is a small tmpfs filled to the brim, so SQLite meets a real ENOSPC (at an INSERT, or at the
COMMIT that appends to the write-ahead log). Mounting needs root: elsewhere the test is skipped, saying so.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from service.store import SQLiteStore

from .test_concurrency import Server, once

FAST_S = 10.0  # a refused write answers well within this (a stuck transaction waits out the 30 s busy timeout)


def test_a_failed_commit_leaves_no_transaction_open(tmp_path):
    """A COMMIT that fails and leaves SQLite's transaction open (here a deferred foreign key; a full disk or an I/O
    error can too) is rolled back: the thread's next write starts clean, and other threads are not locked out."""
    store = SQLiteStore(tmp_path / "factcheck.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        with store._transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")  # the violation below is found at COMMIT
            conn.execute("INSERT INTO claim_speakers(claim_id, speaker_id) VALUES (987, 654)")
    assert not store._connection().in_transaction
    store.set_meta("same_thread", "written")

    def other_thread() -> None:
        store.set_meta("other_thread", "written")
        store.close()

    started = time.monotonic()
    writer = threading.Thread(target=other_thread)
    writer.start()
    writer.join(timeout=60)
    assert time.monotonic() - started < FAST_S
    assert store.get_meta("same_thread") == store.get_meta("other_thread") == "written"
    store.close()


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 16 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the disk-full test needs root")
    if not shutil.which("mount"):
        pytest.skip("no mount command to make a small tmpfs")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?): {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system has no byte left; returns it (delete it to free the space)."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 16, 4096, 512, 1):
            block = b"\0" * size
            try:
                while True:
                    handle.write(block)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
    return filler


def article(number: int) -> dict:
    return {"text": f"The harbour master of Port Vell-{number} said the new pier number {number} will open in "
                    f"week {number % 52 + 1}. Engineer Marta Ruiz-{number} said the pier cost {number}.5 million "
                    f"euros, more than planned.", "outlet": "Harbour Gazette"}


def post_article(base: str, number: int) -> tuple[int, dict, object, float]:
    started = time.monotonic()
    status, headers, body = once(base, "POST", "/v1/articles", article(number))
    return status, headers, body, time.monotonic() - started


def test_a_full_disk_refuses_writes_with_507_loses_nothing_and_recovers_by_itself(small_disk, tmp_path):
    server = Server(tmp_path / "logs", workers=1, threads=4, env={"FACTCHECK_DATA_DIR": str(small_disk)})
    server.data_dir.mkdir()
    server.start()
    try:
        acknowledged: dict[int, str] = {}  # article number -> id, for every 201
        worker_pids: set[str] = set()

        def write(number: int) -> int:
            status, headers, body, took = post_article(server.base, number)
            worker_pids.add(headers["X-Worker-PID"])
            assert took < FAST_S, f"a write took {took:.1f} s"
            assert status in (201, 507, 503), (status, body)
            if status == 201:
                acknowledged[number] = body["id"]
            else:
                assert body["error"]["status"] == status and body["error"]["code"] in (
                    "insufficient_storage", "store_unavailable"), body
                assert headers.get("Retry-After"), headers
            return status

        for number in range(4):
            assert write(number) == 201

        filler = fill(small_disk)
        refused = [number for number in range(100, 140) if write(number) != 201]
        assert refused, "no write was refused on a full disk"
        assert write(200) != 201 and write(201) != 201  # still full: refused again, and again fast (no stuck lock)
        first_acknowledged = next(iter(acknowledged.values()))
        status, _, body = once(server.base, "GET", f"/v1/articles/{first_acknowledged}")
        assert status == 200 and body["claims"]  # reads work on a full disk
        status, _, body = once(server.base, "POST", "/v1/check", {"statement": "the new pier will open"})
        assert status == 200 and body["matches"]
        assert once(server.base, "GET", "/readyz")[0] == 200

        filler.unlink()  # space is back: the same worker writes again, on every thread
        for number in range(300, 312):
            assert write(number) == 201
        assert len(worker_pids) == 1, f"the worker was replaced: {worker_pids}"

        def everything_acknowledged_is_there() -> None:
            for number, article_id in acknowledged.items():
                status, _, body = once(server.base, "GET", f"/v1/articles/{article_id}")
                assert status == 200 and f"pier number {number} " in body["text"], (number, status)
            status, _, ready = once(server.base, "GET", "/readyz")
            assert status == 200 and ready["index_size"] == ready["store_claims"], ready
            status, _, stats = once(server.base, "GET", "/v1/stats")
            assert stats["articles"] == len(acknowledged), (stats, len(acknowledged))

        everything_acknowledged_is_there()
        server.stop()
        server.start()
        everything_acknowledged_is_there()
        print(f"\ndisk full: {len(refused)} of 40 writes refused with 507/503, {len(acknowledged)} acknowledged, "
              "none lost across a restart")
    finally:
        server.stop()


class _LockedAtFirst:
    """A real SQLite connection whose first journal-mode pragmas answer as during another process's WAL recovery."""

    def __init__(self, conn: sqlite3.Connection, refusals: int) -> None:
        self.conn, self.refusals = conn, refusals

    def execute(self, sql: str):  # noqa: ANN201
        if sql.startswith("PRAGMA journal_mode") and self.refusals:
            self.refusals -= 1
            raise sqlite3.OperationalError("database is locked")
        return self.conn.execute(sql)


def test_wal_mode_is_set_after_another_process_has_recovered_the_file(tmp_path):
    """A restarted server's workers once failed to boot on "database is locked" from the journal-mode pragma."""
    from service.store import _set_wal

    conn = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    _set_wal(_LockedAtFirst(conn, refusals=3))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # not for ever
        _set_wal(_LockedAtFirst(conn, refusals=10**6), timeout=0.2)
