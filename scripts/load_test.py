"""Load test of ``factcheck serve`` on loopback: throughput, latency, errors and worker memory.

For each worker count (default 1 and 2) it starts the real server on a fresh data directory with the seeds,
then runs POST /v1/check from 1, 4, 16 and 64 concurrent clients (keep-alive connections, one thread each) for a
fixed time per level, and prints requests per second, p50 and p99 latency, errors, and the p50 against the
1-client p50 of the same run. Then a soak at a fixed concurrency: the resident memory (RSS) of the master and of
every worker before and after it, and the growth.

    python scripts/load_test.py                          # 1 and 2 workers, 20 s per level, 10-minute soak
    python scripts/load_test.py --soak 60 --duration 15  # shorter, on a shared machine

The clients run on the same machine as the server and take CPU from it: figures are for one box, loopback,
the default stance model; compare runs on the same machine only.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = [
    "Iran sent drones to Russia before the invasion",
    "Iran supplied missiles to Russia",
    "Kyiv failed to provide evidence of Iranian drones",
    "Tehran denies arming Moscow",
    "Russia used Iranian-made Shahed drones against Ukraine",
    "The drones were delivered after the war began",
    "Iran admitted it had sent a small number of drones",
    "Ukraine shot down Iranian drones over Kyiv",
    "The United States says Iran is helping Russia",
    "Iran has remained neutral in the war in Ukraine",
]


@dataclass
class Level:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return sorted(found)


class Server:
    """``factcheck serve`` in its own process group on a free loopback port."""

    def __init__(self, workers: int, threads: int, data_dir: Path, log_path: Path) -> None:
        self.workers, self.port = workers, free_port()
        env = {**os.environ, "FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(ROOT)}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port), "--workers", str(workers),
             "--threads", str(threads), "--keepalive", "30"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 600) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log.name}")
            try:
                status, _ = request(self.connect(), "GET", "/readyz")
                if status == 200 and len(children(self.process.pid)) >= self.workers:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("server not ready in time")

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def memory(self) -> dict[str, float]:
        return {"master": rss_mb(self.process.pid),
                **{f"worker {pid}": rss_mb(pid) for pid in children(self.process.pid)}}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    payload = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def run_level(server: Server, clients: int, seconds: float) -> Level:
    """``clients`` threads, each on its own keep-alive connection, sending checks back to back for ``seconds``."""
    level = Level(clients, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        conn = server.connect()
        latencies, errors, turn = [], 0, number
        start.wait()
        while time.monotonic() < deadline[0]:
            body = {"statement": STATEMENTS[turn % len(STATEMENTS)]}
            turn += 1
            began = time.perf_counter()
            try:
                status, _ = request(conn, "POST", "/v1/check", body)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = server.connect()
                continue
            if status == 200:
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1
        conn.close()
        with lock:
            level.latencies += latencies
            level.errors += errors

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return level


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to test, comma-separated (default 1,2)")
    parser.add_argument("--clients", default="1,4,16,64", help="concurrency levels (default 1,4,16,64)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per concurrency level (default 20)")
    parser.add_argument("--soak", type=float, default=600.0, help="soak seconds per worker count (default 600)")
    parser.add_argument("--soak-clients", type=int, default=16, help="concurrency of the soak (default 16)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    worker_counts = [int(w) for w in args.workers.split(",")]
    levels = [int(c) for c in args.clients.split(",")]

    results = []
    with tempfile.TemporaryDirectory(prefix="factcheck-load-") as tmp:
        for workers in worker_counts:
            server = Server(workers, args.threads, Path(tmp) / "data", Path(tmp) / f"server-{workers}.log")
            try:
                ready_s = server.wait_ready()
                print(f"\n{workers} worker(s) x {args.threads} threads ready in {ready_s:.0f} s", flush=True)
                run_level(server, min(levels), 3.0)  # warm-up: first requests load lazily built parts
                measured = []
                for clients in levels:
                    level = run_level(server, clients, args.duration)
                    measured.append(level)
                    print(f"  {clients:>3} clients: {level.requests / level.seconds:6.1f} req/s, "
                          f"p50 {level.percentile(0.5) * 1000:6.1f} ms, p99 {level.percentile(0.99) * 1000:7.1f} ms, "
                          f"errors {level.errors}", flush=True)
                before = server.memory()
                soak = run_level(server, args.soak_clients, args.soak) if args.soak > 0 else None
                after = server.memory()
                results.append({"workers": workers, "levels": measured, "soak": soak, "before": before,
                                "after": after})
            finally:
                server.stop()

    print(f"\nPOST /v1/check on loopback, {args.threads} threads per worker, {args.duration:.0f} s per level")
    print(f"{'workers':>7} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50/p50@1':>9} {'errors':>6}")
    for result in results:
        base = result["levels"][0].percentile(0.5)
        for level in result["levels"]:
            print(f"{result['workers']:>7} {level.clients:>7} {level.requests / level.seconds:>8.1f} "
                  f"{level.percentile(0.5) * 1000:>8.1f} {level.percentile(0.99) * 1000:>8.1f} "
                  f"{level.percentile(0.5) / base:>9.2f} {level.errors:>6}")
    print(f"\nRSS (MB) before and after a {args.soak:.0f} s soak at {args.soak_clients} clients")
    print(f"{'workers':>7} {'process':>16} {'before':>8} {'after':>8} {'growth':>7}")
    report = []
    for result in results:
        soak = result["soak"]
        if soak is not None:
            print(f"{result['workers']:>7} {'(soak)':>16} {soak.requests:>8} requests, "
                  f"{soak.requests / soak.seconds:.1f} req/s, p99 {soak.percentile(0.99) * 1000:.0f} ms, "
                  f"errors {soak.errors}")
        for name, before in result["before"].items():
            after = result["after"].get(name, float("nan"))
            print(f"{result['workers']:>7} {name:>16} {before:>8.1f} {after:>8.1f} {100 * (after / before - 1):>6.1f}%")
        report.append({
            "workers": result["workers"],
            "levels": [{"clients": lv.clients, "rps": lv.requests / lv.seconds, "p50_ms": lv.percentile(0.5) * 1000,
                        "p99_ms": lv.percentile(0.99) * 1000, "errors": lv.errors} for lv in result["levels"]],
            "soak": None if soak is None else {"seconds": soak.seconds, "requests": soak.requests,
                                               "errors": soak.errors},
            "rss_mb_before": result["before"], "rss_mb_after": result["after"],
        })
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    errors = sum(lv.errors for r in results for lv in r["levels"]) + sum(r["soak"].errors for r in results if r["soak"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
