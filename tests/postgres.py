"""A throwaway PostgreSQL server for tests: installed from Debian if missing, started on loopback, removed after."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .debian import install_from_debian


def postgres_bin() -> Path | None:
    """The directory holding initdb and pg_ctl (on PATH or in Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True)
    return candidates[0].parent if candidates else None


@dataclass
class PostgresServer:
    """One running cluster; ``url(db)`` names a database in it, ``create_database`` makes a fresh one."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: list[str]
    options: str = ""
    databases: int = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://factcheck@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        self.databases += 1
        name = f"factcheck_{self.databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def halt(self) -> None:
        """Stop the server at once (connections cut), keeping its data: ``resume`` starts it again."""
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60, check=True)

    def resume(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", self.options,
                        "-w", "-l", str(self.data_dir.parent / "server.log"), "start"], capture_output=True,
                       timeout=120, check=True)

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres(port: int) -> PostgresServer:
    """initdb in a fresh directory and start the server on 127.0.0.1:``port`` (skips the test if impossible)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        install_from_debian("postgresql", timeout=900)
        bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed and could not be installed from Debian (needs root and apt-get)")
    root = Path(tempfile.mkdtemp(prefix="factcheck-pg-"))
    data_dir = root / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the Debian package's user
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
    subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "factcheck", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
    # Tests only: no fsync, sockets in the data directory, loopback TCP only.
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data_dir} -c fsync=off -c max_connections=200"
    started = subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-w",
                              "-l", str(root / "server.log"), "start"], capture_output=True, text=True, timeout=120)
    if started.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log[-2000:]}")
    return PostgresServer(bin_dir, data_dir, port, run_as, options)
