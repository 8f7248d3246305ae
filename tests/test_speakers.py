"""Speakers as entities: one row per person or body across articles, aliases, migration, API."""
from __future__ import annotations

import sqlite3

import numpy as np

from service.store import NewClaim, NewSpeaker, SQLiteStore, speaker_key

A = "Hossein Amirabdollahian"


def vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=8).astype(np.float32)
    return v / np.linalg.norm(v)


def article(article_id: str) -> dict:
    return {"id": article_id, "outlet": None, "title": None, "url": None, "published": None, "raw_text": "x",
            "text": "x", "extractor": "test"}


def test_speaker_key_ignores_spelling_variants():
    assert len({speaker_key(n) for n in ["Hossein Amir-Abdollahian", "Hossein Amir Abdollahian", A]}) == 1
    assert speaker_key("The Washington Post") == speaker_key("Washington Post")


def test_speakers_merge_across_articles_and_deleting_leaves_no_orphans(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_article(article("a1"), [
        NewClaim("one", vector(1), speaker=A, speaker_role="Iranian Foreign Minister", speaker_organisation="Iran",
                 speaker_aliases=("Amirabdollahian",)),
        NewClaim("two", vector(2), speaker="Russia", speaker_is_person=False,
                 co_speakers=(NewSpeaker("Iran", is_person=False, aliases=("Tehran",)),), claim_date="2022-10"),
    ])
    store.add_article(article("a2"), [
        NewClaim("three", vector(3), speaker="Hossein Amir-Abdollahian", speaker_role="Foreign Minister"),
        NewClaim("four", vector(4), speaker="Amirabdollahian"),  # surname only: the one speaker with that alias
        NewClaim("five", vector(5), speaker="Iran", speaker_is_person=False),
    ])
    [minister] = store.search_speakers("amir abdollahian")
    assert minister["name"] == A and minister["claims"] == 3
    assert minister["role"] == "Iranian Foreign Minister" and minister["organisation"] == "Iran"
    assert {"Amirabdollahian", "Hossein Amir-Abdollahian"} <= set(minister["aliases"])
    iran = store.search_speakers("Tehran")[0]
    assert iran["name"] == "Iran" and iran["claims"] == 2  # the joint claim counts for both speakers
    assert [c["text"] for c in store.claims_of_speaker(iran["id"])] == ["two", "five"]
    assert store.counts()["speakers"] == 3

    store.delete_article("a2")
    assert store.find_speaker(minister["id"])["claims"] == 1
    store.delete_article("a1")
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    for table in ("speakers", "speaker_aliases", "claim_speakers", "claims"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_a_database_from_before_speaker_entities_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE articles (id TEXT PRIMARY KEY, outlet TEXT, title TEXT, url TEXT, published TEXT,
            raw_text TEXT NOT NULL, text TEXT NOT NULL, extractor TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE speakers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, role TEXT,
            is_person INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE claims (id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id TEXT REFERENCES articles(id) ON DELETE CASCADE, text TEXT NOT NULL,
            span_start INTEGER, span_end INTEGER, speaker_id INTEGER REFERENCES speakers(id),
            verb TEXT, voice TEXT, polarity TEXT NOT NULL DEFAULT 'positive', claimant TEXT, rating TEXT,
            source TEXT, url TEXT, published TEXT, external_id TEXT UNIQUE, text_hash TEXT, embedding BLOB NOT NULL,
            created_at TEXT NOT NULL);
        INSERT INTO articles VALUES ('a', NULL, NULL, NULL, '2023-03-03', 'x', 'x', 'rules-v1', 'now');
        INSERT INTO speakers(name, role) VALUES ('Hossein Amirabdollahian', 'Foreign Minister'),
                                                ('Hossein Amir-Abdollahian', NULL), ('Ned Price', NULL);
    """)
    for i, speaker_id in enumerate([1, 2, 3]):
        conn.execute("INSERT INTO claims(article_id, text, speaker_id, embedding, created_at) VALUES ('a', ?, ?, ?, 'now')",
                     (f"claim {i}", speaker_id, vector(i).tobytes()))
    conn.commit()
    conn.close()

    store = SQLiteStore(path)  # migrates
    SQLiteStore(path)  # a second open is a no-op
    [minister] = store.search_speakers("Amir-Abdollahian")
    assert minister["claims"] == 2 and "Hossein Amir-Abdollahian" in minister["aliases"]
    assert store.counts() == {"articles": 1, "claims": 3, "standalone_claims": 0, "speakers": 2}
    assert {r["claim_date"] for r in store.claims_of_speaker(minister["id"])} == {None}


def test_speaker_search_and_timeline_over_http(seeded_client):
    response = seeded_client.get("/v1/speakers", query_string={"q": "Amir Abdollahian"})
    assert response.status_code == 200
    best = response.get_json()["speakers"][0]
    assert best["name"] == A and best["organisation"] == "Iran" and best["claims"] >= 15
    assert {"Amir-Abdollahian", "Amirabdollahian"} & {a.split()[-1] for a in best["aliases"]}
    # the same canonical id in /v1/check
    check = seeded_client.post("/v1/check", json={"statement": "Iran supplied drones to Russia before the war",
                                                  "k": 10, "min_similarity": 0.3}).get_json()
    assert best["id"] in {m["speaker"]["id"] for m in check["matches"] if m["speaker"]}

    timeline = seeded_client.get(f"/v1/speakers/{best['id']}/claims").get_json()
    claims = timeline["claims"]
    assert timeline["speaker"]["id"] == best["id"] and len(claims) == best["claims"]
    dated = [c["date"] for c in claims if c["date"]]
    assert dated == sorted(dated) and dated[:2] == ["2022-11", "2023-03-03"]
    # "In November ... said Iran had supplied drones", then "on Friday denied that Iran has supplied drones"
    assert claims[0]["stance_to_previous"] is None
    assert claims[1]["voice"] == "denies" and claims[1]["stance_to_previous"]["label"] == "refutes"
    assert claims[1]["stance_to_previous"]["position_change"] is True

    tehran = seeded_client.get("/v1/speakers?q=Tehran").get_json()["speakers"][0]
    assert tehran["name"] == "Iran" and tehran["is_person"] is False


def test_speaker_endpoint_errors(seeded_client):
    for query in ({}, {"q": ""}, {"q": "  "}, {"q": "!!"}, {"q": "x" * 201}, {"q": "Iran", "limit": 0}):
        response = seeded_client.get("/v1/speakers", query_string=query)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_error"
    assert seeded_client.get("/v1/speakers?q=Nobody Atall").get_json() == {"speakers": []}
    missing = seeded_client.get("/v1/speakers/987654/claims")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
