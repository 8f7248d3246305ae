"""PostgreSQL going away under the real server (gunicorn, one worker, four threads) on the real test database.

A restart between two requests is invisible (reads reconnect and retry once, a write meets its dead connection
at BEGIN and takes a new one); while the database is down every request answers a JSON 503 at once and
``/readyz`` says 503; once it is back the same worker serves again without a restart, and nothing acknowledged
is lost.
"""
from __future__ import annotations

import time

import pytest

from service.store import StoreUnavailable
from service.store_pg import PostgresStore

from .postgres import start_postgres
from .test_concurrency import Server, once
from .live_server import free_port

FAST_S = 3.0
STATEMENT = {"statement": "the new pier will open"}


@pytest.fixture(scope="module")
def postgres():
    server = start_postgres(free_port())
    yield server
    server.stop()


def article(number: int) -> dict:
    return {"text": f"The harbour master of Port Vell-{number} said the new pier number {number} will open in week "
                    f"{number % 52 + 1}. Engineer Marta Ruiz-{number} said it cost {number}.5 million euros.",
            "outlet": "Harbour Gazette"}


def timed(base: str, method: str, path: str, body: object | None = None) -> tuple[int, dict, object, float]:
    started = time.monotonic()
    status, headers, data = once(base, method, path, body)
    return status, headers, data, time.monotonic() - started


def test_postgres_restart_and_outage_answer_503_fast_and_recover_by_themselves(postgres, tmp_path):
    server = Server(tmp_path, workers=1, threads=4, env={"FACTCHECK_DATABASE_URL": postgres.create_database(),
                                                         "FACTCHECK_DATABASE_CONNECT_TIMEOUT_S": "2"})
    server.start()
    try:
        acknowledged = []
        pids = set()

        def write(number: int) -> int:
            status, headers, body, _ = timed(server.base, "POST", "/v1/articles", article(number))
            pids.add(headers["X-Worker-PID"])
            if status == 201:
                acknowledged.append(body["id"])
            return status

        def reads_all_succeed(rounds: int = 8) -> None:
            for _ in range(rounds):  # enough requests to reach every thread's connection
                status, headers, body, _ = timed(server.base, "POST", "/v1/check", STATEMENT)
                pids.add(headers["X-Worker-PID"])
                assert status == 200 and body["matches"], (status, body)
                status, _, body, _ = timed(server.base, "GET", f"/v1/articles/{acknowledged[0]}")
                assert status == 200, (status, body)

        assert [write(n) for n in range(3)] == [201, 201, 201]
        reads_all_succeed()

        # A restart between requests: every thread's connection is dead, and no request sees it.
        postgres.halt()
        postgres.resume()
        reads_all_succeed()
        assert write(10) == 201
        assert once(server.base, "GET", "/readyz")[0] == 200

        # An outage: fast JSON 503s, readiness says so, liveness does not.
        postgres.halt()
        for method, path, body in [("POST", "/v1/check", STATEMENT), ("GET", f"/v1/articles/{acknowledged[0]}", None),
                                   ("POST", "/v1/articles", article(20)), ("GET", "/v1/stats", None)] * 3:
            status, headers, data, took = timed(server.base, method, path, body)
            assert status == 503 and data["error"]["code"] in ("store_unavailable", "store_timeout"), (path, data)
            assert headers.get("Retry-After") and took < FAST_S, (path, took)
        status, _, ready, took = timed(server.base, "GET", "/readyz")
        assert status == 503 and ready["ready"] is False and ready["store_available"] is False and took < FAST_S
        assert once(server.base, "GET", "/healthz")[0] == 200
        status, _, metrics = once(server.base, "GET", "/metrics")
        assert status == 200 and "factcheck_store_up 0.0" in metrics and "factcheck_http_requests_total" in metrics

        # Back: the same worker serves again by itself.
        postgres.resume()
        time.sleep(1.5)  # past the pause after a failed connection attempt
        reads_all_succeed()
        assert write(30) == 201
        status, _, ready = once(server.base, "GET", "/readyz")
        assert status == 200 and ready["ready"] and ready["store_available"], ready
        assert "factcheck_store_up 1.0" in once(server.base, "GET", "/metrics")[2]
        for article_id in acknowledged:
            assert once(server.base, "GET", f"/v1/articles/{article_id}")[0] == 200
        assert len(acknowledged) == 5 and len(pids) == 1, (acknowledged, pids)
    finally:
        server.stop()


def test_statement_timeout_answers_503_and_connections_keep_alive(postgres):
    store = PostgresStore(postgres.create_database(), connect_timeout_s=2, statement_timeout_s=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            store._connection().execute("SELECT pg_sleep(5)")
        assert caught.value.status == 503 and caught.value.code == "store_timeout"
        assert time.monotonic() - started < 3
        assert store.generation() == 0  # the connection is still good after a cancelled statement
        settings = store._connection().raw.info.get_parameters()
        assert settings["connect_timeout"] == "2" and settings["keepalives"] == "1"
        assert int(settings["keepalives_idle"]) > 0 and int(settings["tcp_user_timeout"]) > 0
    finally:
        store.close()
