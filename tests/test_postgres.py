"""The PostgreSQL store on a real server: same answers as SQLite, replicas sharing one database, ordered writes."""
from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from service.ingest import ingest_paths
from service.store import NewClaim, SearchFilters
from service.store_pg import PostgresStore, postgres_schema, to_psycopg

from .conftest import SEEDS, seed_text
from .postgres import start_postgres
from .live_server import free_port

STATEMENTS = ("Iran sent drones to Russia before the invasion", "Iran supplied missiles to Russia",
              "Kyiv failed to provide evidence of Iranian drones")


@pytest.fixture(scope="module")
def postgres():
    server = start_postgres(free_port())
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres) -> str:
    return postgres.create_database()


def test_sql_translation():
    assert to_psycopg("SELECT * FROM t WHERE a = ? AND b LIKE '%x'") == "SELECT * FROM t WHERE a = %s AND b LIKE '%%x'"
    assert to_psycopg("VALUES (:id, :outlet)") == "VALUES (%(id)s, %(outlet)s)"
    ddl = " ".join(postgres_schema())
    assert "BIGSERIAL PRIMARY KEY" in ddl and "BYTEA" in ddl and "AUTOINCREMENT" not in ddl


def _answers(engine, statement: str) -> list[tuple]:
    return [(m["text"], m["similarity"], m["stance"]["label"], m["speaker"] and m["speaker"]["name"], m["voice"],
             m["source"]["outlet"]) for m in engine.check(statement, k=10)["matches"]]


def test_seeds_on_postgres_give_the_same_answers_as_on_sqlite(make_engine, tmp_path, pg_url):
    sqlite_engine = make_engine(tmp_path / "sqlite")
    pg_engine = make_engine(tmp_path / "pg", database_url=pg_url)
    assert isinstance(pg_engine.store, PostgresStore)
    for engine in (sqlite_engine, pg_engine):
        list(ingest_paths(engine, [SEEDS]))
    assert pg_engine.store.counts() == sqlite_engine.store.counts()
    for statement in STATEMENTS:
        assert _answers(pg_engine, statement) == _answers(sqlite_engine, statement)
    for names in (("Price",), ("%",), ("_",)):  # names are matched as written on both: "%" is no wildcard
        filters = SearchFilters(speakers=names)
        found = [[m["claim_id"] for m in e.check(STATEMENTS[0], k=10, min_similarity=0, filters=filters)["matches"]]
                 for e in (sqlite_engine, pg_engine)]
        assert found[0] == found[1] and bool(found[0]) == (names == ("Price",))
    assert [s["name"] for s in pg_engine.store.search_speakers("Kanani")] == ["Nasser Kanani"]
    article_id = pg_engine.check(STATEMENTS[0])["matches"][0]["source"]["article_id"]
    assert pg_engine.article(article_id)["claims"] == sqlite_engine.article(article_id)["claims"]


def test_replicas_catch_up_from_the_change_counter_without_rebuilding(make_engine, tmp_path, pg_url, caplog):
    first = make_engine(tmp_path / "replica-1", database_url=pg_url)
    second = make_engine(tmp_path / "replica-2", database_url=pg_url)  # its own FAISS index, same database
    index_before = second.index
    admission = first.ingest_article(seed_text("003"), outlet="The Moscow Times").article_id
    matches = second.check("Iran admitted that it sent drones to Russia", k=3)["matches"]
    assert matches and matches[0]["source"]["article_id"] == admission
    assert second.index is index_before and second.index.generation == first.store.generation()

    second.delete_article(admission)
    assert first.check("Iran admitted that it sent drones to Russia", k=3)["matches"] == []
    assert first.readiness()["ready"] and second.readiness()["ready"]

    first.ingest_article(seed_text("001"))
    first.close()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="service.engine"):
        restarted = make_engine(tmp_path / "replica-1", database_url=pg_url)
    assert not [r for r in caplog.records if "rebuild" in r.getMessage()]
    assert restarted.readiness()["ready"] and restarted.index.size == restarted.store.counts()["claims"]


def test_concurrent_writers_on_two_replicas_leave_every_index_complete(make_engine, tmp_path, pg_url):
    replicas = [make_engine(tmp_path / f"writer-{i}", database_url=pg_url) for i in range(2)]
    errors: list[BaseException] = []

    def write(replica, worker: int) -> None:
        try:
            for batch in range(3):
                replica.ingest_claims([{"text": f"Claim {n} of batch {batch} from writer {worker} about drones",
                                        "external_id": f"w{worker}-b{batch}-{n}"} for n in range(10)])
                replica.check("drones", k=3)  # reads interleaved with the other replica's writes
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(replicas[i % 2], i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    late = make_engine(tmp_path / "late", database_url=pg_url)
    sequence = [seq for seq, _, _ in late.store.changes_since(0)]
    assert sequence == sorted(sequence) and len(sequence) == 120
    for replica in (*replicas, late):
        assert replica.readiness()["ready"]
        assert replica.index.size == 120 == replica.store.counts()["claims"]


def test_a_failed_write_leaves_nothing_behind(pg_url):
    store = PostgresStore(pg_url)
    vector = np.ones(4, dtype=np.float32)
    article = {"id": "a1", "outlet": None, "title": None, "url": None, "published": None, "raw_text": "x",
               "text": "x", "extractor": "test"}
    with pytest.raises(Exception):
        store.add_article(article, [NewClaim(text="first claim", embedding=vector),
                                    NewClaim(text=None, embedding=vector)])  # type: ignore[arg-type]
    assert store.counts() == {"articles": 0, "claims": 0, "standalone_claims": 0, "speakers": 0}
    assert store.generation() == 0
    store.add_article(article, [NewClaim(text="first claim", embedding=vector)])
    assert store.counts()["claims"] == 1 and len(store.changes_since(0)) == 1  # sequence numbers may skip
    store.close()


def test_two_servers_over_one_database_serve_each_others_writes(postgres, tmp_path):
    """Two gunicorn replicas, each with its own data directory (FAISS index), sharing one PostgreSQL database."""
    from .test_concurrency import Server, once

    url = postgres.create_database()
    servers = [Server(tmp_path / f"replica-{i}", workers=1, threads=2, env={"FACTCHECK_DATABASE_URL": url})
               for i in range(2)]
    try:
        for server in servers:
            server.data_dir.mkdir()
            server.start()
        status, _, body = once(servers[0].base, "POST", "/v1/articles",
                               {"text": seed_text("003"), "outlet": "The Moscow Times"})
        assert status == 201
        written = time.monotonic()
        while True:
            status, _, answer = once(servers[1].base, "POST", "/v1/check",
                                     {"statement": "Iran admitted that it sent drones to Russia", "k": 3})
            assert status == 200
            if answer["matches"] and answer["matches"][0]["source"]["article_id"] == body["id"]:
                break
            assert time.monotonic() - written < 1.0, "the other replica did not see the article within 1 s"
        status, _, stats = once(servers[1].base, "GET", "/v1/stats")
        assert stats["store"] == "postgresql" and stats["index"]["size"] == stats["claims"] > 0
    finally:
        for server in servers:
            server.stop()


def test_a_database_from_before_second_vectors_gets_them_at_the_next_start(make_engine, tmp_path, pg_url):
    """The resolved_embedding column is added in place (BYTEA) and filled; every replica's index takes them up."""
    first = make_engine(tmp_path / "replica-1", database_url=pg_url)
    list(ingest_paths(first, [SEEDS]))
    first.close()
    with first.store._transaction() as conn:  # the table as the previous version made it
        conn.execute("ALTER TABLE claims DROP COLUMN resolved_embedding")
    first.store.close()
    other = make_engine(tmp_path / "replica-2", database_url=pg_url)  # migrates, encodes, builds its index
    kind = other.store._connection().execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'claims' AND column_name = 'resolved_embedding'").fetchone()[0]
    assert kind == "bytea"
    assert other.index.vectors == other.index.size + 20  # 12 referring, 5 in the first person plural, 3 "his country"
    restarted = make_engine(tmp_path / "replica-1", database_url=pg_url)  # its saved index catches up
    assert restarted.index.vectors == restarted.index.size + 20 and restarted.readiness()["ready"]
    matches = restarted.check("Iranian personnel are on the ground in Crimea.", k=10)["matches"]
    denial = next(m for m in matches if m["text"] == "We strongly reject this information")
    assert "Crimea" in denial["context"]["text"]
