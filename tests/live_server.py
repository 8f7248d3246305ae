"""The real server process (gunicorn through ``factcheck serve``) on a free loopback port, for tests over HTTP."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from service.config import PROJECT_ROOT

# What the log shows when a process dies on SIGTERM instead of stopping (gunicorn's and C++'s own words).
UNCLEAN_STOP = ("SIGABRT", "SIGSEGV", "terminate called", "Worker exiting with error", "Traceback")


def log_tail(path: Path, chars: int = 3000) -> str:
    """The end of a server's log, for a failure message."""
    return path.read_text()[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, body: object | None = None, timeout: float = 120) -> tuple[int, Any]:
    """One JSON request; (status, parsed body) for errors too."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextmanager
def running_server(data_dir: Path, workers: int = 1, seeds: bool = True, **settings: str) -> Iterator[str]:
    """Serve (with the seeds ingested unless ``seeds`` is false); yields the base URL once /readyz answers 200,
    stops the server after with SIGTERM, and fails unless every process stopped cleanly (exit status 0, no worker
    aborted: a worker that aborts on SIGTERM never saves its index)."""
    port = free_port()
    env = {**os.environ, "FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_LOG_LEVEL": "WARNING",
           **{f"FACTCHECK_{name.upper()}": value for name, value in settings.items()}}
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), *([] if seeds else ["--no-seeds"])],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited: {log_tail(log_path)}")
                try:
                    if http_json("GET", base + "/readyz", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not become ready in time: {log_tail(log_path)}")
                time.sleep(0.5)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
    unclean = [line for line in log_path.read_text().splitlines() if any(mark in line for mark in UNCLEAN_STOP)]
    assert process.returncode == 0 and not unclean, (
        f"the server did not stop cleanly (exit status {process.returncode}): {unclean or log_tail(log_path)}")
