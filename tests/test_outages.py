"""PostgreSQL going away under the real server (gunicorn, one worker, four threads) on the real test database.

A restart between two requests is invisible (reads reconnect and retry once, a write meets its dead connection
at BEGIN and takes a new one); while the database is down every request answers a JSON 503 at once and
``/readyz`` says 503; once it is back the same worker serves again without a restart, and nothing acknowledged
is lost. A silent network drop (a proxy in between that stops forwarding, its kernel still acknowledging) ends
each waiting call at the client-side deadline with a JSON 503, and the service recovers by itself.
"""
from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from service.store import StoreUnavailable
from service.store_pg import PostgresStore

from .postgres import start_postgres
from .live_server import free_port
from .tcp_proxy import TcpProxy
from .test_concurrency import Server, once

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
        # a session cut off inside a transaction is ended by the server, releasing the writers' lock
        assert store._connection().execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "500ms"
        assert store.client_timeout_s == 5.5  # the statement timeout plus the margin, unless configured
    finally:
        store.close()


# A silent network drop: the statement deadline on the server is 2 s, the client-side one 3 s, connecting 2 s.
DROP_SETTINGS = {"FACTCHECK_DATABASE_CONNECT_TIMEOUT_S": "2", "FACTCHECK_DATABASE_STATEMENT_TIMEOUT_S": "2",
                 "FACTCHECK_DATABASE_CLIENT_TIMEOUT_S": "3"}
DROP_BOUND_S = 3 + 2 + 2.0  # the client-side deadline, a connection attempt after it, and a margin for the load


def bounded(base: str, method: str, path: str, body: object | None = None,
            timeout: float = 30.0) -> tuple[int, dict, object, float]:
    """One request on a fresh connection that gives up after ``timeout`` seconds (a hang fails the test fast)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
    except TimeoutError:
        pytest.fail(f"{method} {path} did not answer within {timeout:.0f} s")
    finally:
        conn.close()
    kind = response.headers.get("Content-Type", "")
    data = json.loads(raw) if raw and kind.startswith("application/json") else raw.decode()
    return response.status, dict(response.headers), data, time.monotonic() - started


def test_a_silent_network_drop_answers_503_within_the_deadline_and_recovers_by_itself(postgres, tmp_path):
    url = postgres.create_database()
    proxy = TcpProxy(("127.0.0.1", postgres.port))
    server = Server(tmp_path, workers=1, threads=4, env={
        "FACTCHECK_DATABASE_URL": url.replace(f":{postgres.port}/", f":{proxy.port}/"), **DROP_SETTINGS})
    server.start()
    try:
        acknowledged: dict[int, str] = {}

        def write(number: int) -> tuple[int, float]:
            status, _, body, took = bounded(server.base, "POST", "/v1/articles", article(number))
            if status == 201:
                acknowledged[number] = body["id"]
            return status, took

        assert [write(n)[0] for n in range(3)] == [201] * 3
        first = next(iter(acknowledged.values()))
        requests = [("POST", "/v1/check", STATEMENT), ("GET", f"/v1/articles/{first}", None),
                    ("POST", "/v1/articles", article(20)), ("GET", "/v1/stats", None)]
        for method, path, body in requests * 2:  # every thread holds an open connection through the proxy
            assert bounded(server.base, method, path, body)[0] in (200, 201)

        proxy.blackhole()
        answers: list[tuple[str, int, dict, object, float]] = []

        unanswered: list[str] = []

        def ask(method: str, path: str, body: object | None) -> None:
            try:
                status, headers, data, took = bounded(server.base, method, path, body)
            except BaseException as error:  # noqa: BLE001 - a hang in a thread must fail the test too
                unanswered.append(f"{method} {path}: {error}")
                return
            answers.append((path, status, headers, data, took))

        # the four threads' connections at once, then one after another, writes included
        concurrent = [threading.Thread(target=ask, args=request) for request in requests]
        for thread in concurrent:
            thread.start()
        for thread in concurrent:
            thread.join(60)
        for method, path, body in requests * 2:
            ask(method, path, body)
        assert not unanswered and len(answers) == 3 * len(requests), unanswered
        for path, status, headers, data, took in answers:
            assert status == 503 and data["error"]["code"] in ("store_unavailable", "store_timeout"), (path, data)
            assert headers.get("Retry-After") and took < DROP_BOUND_S, (path, took)
        status, _, ready, took = bounded(server.base, "GET", "/readyz")
        assert status == 503 and ready["store_available"] is False and took < DROP_BOUND_S, (ready, took)
        assert bounded(server.base, "GET", "/healthz")[0] == 200
        slowest = max(took for *_, took in answers)

        proxy.forward()  # the network is back: the same worker serves again by itself
        deadline = time.monotonic() + 30
        while bounded(server.base, "GET", "/readyz")[0] != 200:
            assert time.monotonic() < deadline, "not ready again within 30 s of the network coming back"
            time.sleep(0.5)
        recovered_s = 30 - (deadline - time.monotonic())
        for method, path, body in requests[:2] * 4:
            status, _, data, _ = bounded(server.base, method, path, body)
            assert status == 200, (path, data)
        assert write(30)[0] == 201
        for number, article_id in acknowledged.items():
            status, _, body, _ = bounded(server.base, "GET", f"/v1/articles/{article_id}")
            assert status == 200 and f"pier number {number} " in body["text"], (number, status)
        print(f"\nsilent network drop: {len(answers)} requests answered 503 in at most {slowest:.1f} s "
              f"(client deadline 3 s); ready again {recovered_s:.1f} s after the network came back")
    finally:
        server.stop()
        proxy.close()


def test_a_call_the_network_swallows_ends_at_the_client_deadline(postgres):
    """The store alone: a read and a write on a blackholed connection end at the deadline with 503, the store
    answers 503 at once just after, and works again once the network is back."""
    url = postgres.create_database()
    proxy = TcpProxy(("127.0.0.1", postgres.port))
    store = PostgresStore(url.replace(f":{postgres.port}/", f":{proxy.port}/"), connect_timeout_s=2,
                          statement_timeout_s=1, client_timeout_s=1.5)
    try:
        store.set_meta("before", "written")
        proxy.blackhole()
        for call in (store.generation, lambda: store.set_meta("during", "lost")):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as caught:
                call()
            took = time.monotonic() - started
            assert caught.value.status == 503 and 1.4 < took < 4, (caught.value.code, took)
            time.sleep(1.1)  # past the pause: the next call tries the network again
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.generation()
        assert time.monotonic() - started < 4
        proxy.forward()
        time.sleep(1.1)
        assert store.get_meta("before") == "written" and store.get_meta("during") is None
        store.set_meta("after", "written")
        assert store.get_meta("after") == "written"
    finally:
        store.close()
        proxy.close()
