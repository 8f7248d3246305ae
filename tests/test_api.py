"""Every endpoint and every error status through the Flask test client, on the real engine."""
from __future__ import annotations

import json

import pytest

from .conftest import seed_text

ERROR_KEYS = {"status", "code", "message", "details"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["status"] == status
    if code:
        assert body["error"]["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)
    return body["error"]


def test_check_returns_matches_with_source_speaker_similarity_and_stance(seeded_client):
    response = seeded_client.post("/v1/check", json={"statement": "Iran sent drones to Russia before the invasion"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["statement"] == "Iran sent drones to Russia before the invasion"
    assert len(body["matches"]) == 5
    similarities = [m["similarity"] for m in body["matches"]]
    # best first by the fused (cosine + BM25) score of service/retrieval.py; similarity stays the cosine
    assert all(s >= 0.35 for s in similarities)
    for match in body["matches"]:
        assert {"claim_id", "text", "similarity", "stance", "speaker", "source", "span"} <= set(match)
        assert match["stance"]["label"] in {"supports", "refutes", "neutral"}
        assert 0 <= match["stance"]["confidence"] <= 1
        assert set(match["source"]) == {"article_id", "outlet", "title", "url", "published"}
    assert sum(body["summary"].values()) == 5


def test_check_k_threshold_and_filters(seeded_client):
    body = seeded_client.post("/v1/check", json={"statement": "Iran denies sending drones", "k": 12,
                                                 "min_similarity": 0.0}).get_json()
    assert len(body["matches"]) == 12
    strict = seeded_client.post("/v1/check", json={"statement": "Iran denies sending drones", "k": 12,
                                                   "min_similarity": 0.7}).get_json()
    assert all(m["similarity"] >= 0.7 for m in strict["matches"]) and len(strict["matches"]) < 12
    filtered = seeded_client.post("/v1/check", json={
        "statement": "Iran denies sending drones", "k": 10, "min_similarity": 0,
        "filters": {"outlet": ["The Moscow Times"], "speaker": ["Amir-Abdollahian"]}}).get_json()
    assert filtered["matches"]
    assert all(m["source"]["outlet"] == "The Moscow Times" for m in filtered["matches"])
    # one speaker entity across articles: the Moscow Times' "Amir-Abdollahian" is the canonical
    # "Hossein Amirabdollahian" of the first article that named him
    assert all(m["speaker"]["name"] == "Hossein Amirabdollahian" for m in filtered["matches"])


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "statement"),
        ({"statement": ""}, "statement"),
        ({"statement": "   "}, "statement"),
        ({"statement": "x" * 2001}, "statement"),
        ({"statement": 42}, "statement"),
        ({"statement": "ok", "k": 0}, "k"),
        ({"statement": "ok", "k": 51}, "k"),
        ({"statement": "ok", "k": "five"}, "k"),
        ({"statement": "ok", "k": 2.5}, "k"),  # not silently truncated to 2
        ({"statement": "ok", "k": "5"}, "k"),
        ({"statement": "ok", "min_similarity": 1.5}, "min_similarity"),
        ({"statement": "ok", "filters": {"published_after": "yesterday"}}, "filters"),
        ({"statement": "ok", "sources": 0}, "sources"),
        ({"statement": "ok", "sources": "yes"}, "sources"),
        ({"statement": "ok", "unknown": 1}, "unknown"),
    ],
)
def test_check_validation_errors_are_422_with_field_messages(client, body, field):
    error = assert_error(client.post("/v1/check", json=body), 422, "validation_error")
    assert field in error["details"]


def test_an_error_names_where_the_bad_value_was(client):
    body = assert_error(client.post("/v1/check", json={"statement": "ok", "k": 0}), 422, "validation_error")
    query = assert_error(client.get("/v1/claims?limit=-1"), 422, "validation_error")
    assert body["message"] == "the request body did not validate; see details"
    assert query["message"] == "the query string did not validate; see details" and "limit" in query["details"]["query"]


def test_a_reversed_date_range_is_empty_not_an_error(seeded_client):
    """JSON Schema cannot compare two fields, so the OpenAPI document cannot forbid after > before: it is valid
    and matches nothing."""
    reversed_range = {"published_after": "2023-05-01", "published_before": "2023-01-01"}
    response = seeded_client.post("/v1/check", json={"statement": "Iran sent drones to Russia", "filters": reversed_range,
                                                     "min_similarity": 0.0})
    assert response.status_code == 200 and response.get_json()["matches"] == []


def test_malformed_json_is_400(client):
    assert_error(client.post("/v1/check", data='{"statement": ', content_type="application/json"), 400,
                 "malformed_json")


def test_json_that_is_not_an_object_is_422(client):
    assert_error(client.post("/v1/check", data="[1, 2]", content_type="application/json"), 422)


def test_body_that_is_not_json_is_415(client):
    assert_error(client.post("/v1/check", data="statement=x", content_type="application/x-www-form-urlencoded"),
                 415, "unsupported_media_type")
    assert_error(client.post("/v1/articles", data="text"), 415)


def test_body_over_the_limit_is_413(make_engine):
    from service.app import create_app

    engine = make_engine(max_content_length=1000)
    client = create_app(engine.config, engine=engine).test_client()
    assert_error(client.post("/v1/articles", json={"text": "word " * 1000}), 413, "payload_too_large")
    assert engine.store.counts()["articles"] == 0


def test_unknown_route_is_404_and_wrong_method_is_405(client):
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    response = client.put("/v1/check", json={})
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_article_lifecycle(client, engine):
    text = seed_text("004")
    created = client.post("/v1/articles", json={"text": text, "outlet": "Metro.co.uk", "published": "2022-11-05",
                                                "url": "https://metro.co.uk/example"})
    assert created.status_code == 201
    article = created.get_json()
    assert article["created"] is True and article["outlet"] == "Metro.co.uk"
    assert article["claims"] and all(article["text"][c["span"]["start"]:c["span"]["end"]] == c["text"]
                                     for c in article["claims"])
    again = client.post("/v1/articles", json={"text": text})
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["id"] == article["id"]

    fetched = client.get(f"/v1/articles/{article['id']}").get_json()
    assert fetched["claims"] == article["claims"]
    claim = client.get(f"/v1/claims/{article['claims'][0]['claim_id']}").get_json()
    assert claim["text"] == article["claims"][0]["text"] and claim["source"]["published"] == "2022-11-05"

    assert client.delete(f"/v1/articles/{article['id']}").status_code == 204
    assert_error(client.get(f"/v1/articles/{article['id']}"), 404)
    assert_error(client.get(f"/v1/claims/{article['claims'][0]['claim_id']}"), 404)
    assert_error(client.delete(f"/v1/articles/{article['id']}"), 404)
    assert engine.index.size == 0


@pytest.mark.parametrize(
    "body, field",
    [({}, "text"), ({"text": ""}, "text"), ({"text": "Iran denied it.", "published": "03/03/2023"}, "published"),
     ({"text": "Iran denied it.", "url": "not a url"}, "url")],
)
def test_article_validation(client, engine, body, field):
    error = assert_error(client.post("/v1/articles", json=body), 422)
    assert field in error["details"]
    assert engine.store.counts()["articles"] == 0


def test_bulk_claims(client):
    records = [{"text": f"Fact-check record number {i} about drones.", "external_id": f"fc-{i}", "rating": "False",
                "claimant": "Social media posts", "source": "Example Check", "published": "2022-10-01"}
               for i in range(30)]
    response = client.post("/v1/claims", json={"claims": records})
    assert response.status_code == 200
    body = response.get_json()
    assert body["created"] == 30 and body["existing"] == 0
    again = client.post("/v1/claims", json={"claims": records[:5]}).get_json()
    assert again["created"] == 0 and again["existing"] == 5
    assert [c["claim_id"] for c in again["claims"]] == [c["claim_id"] for c in body["claims"][:5]]
    match = client.post("/v1/check", json={"statement": "Fact-check record number 7 about drones", "k": 1}).get_json()
    top = match["matches"][0]
    assert top["rating"] == "False" and top["source"]["outlet"] == "Example Check" and top["span"] is None


def test_bulk_claims_limits(client, engine):
    assert_error(client.post("/v1/claims", json={"claims": []}), 422)
    too_many = [{"text": f"claim {i}"} for i in range(1001)]
    assert_error(client.post("/v1/claims", json={"claims": too_many}), 422)
    error = assert_error(client.post("/v1/claims", json={"claims": [{"text": "fine"}, {"rating": "no text"}]}), 422)
    assert "claims" in error["details"]
    assert engine.store.counts()["claims"] == 0


def test_health_readiness_and_stats(seeded_client, seeded_engine):
    assert seeded_client.get("/healthz").get_json() == {"status": "ok"}
    ready = seeded_client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True
    stats = seeded_client.get("/v1/stats").get_json()
    assert stats["articles"] == 5 and stats["claims"] == seeded_engine.store.counts()["claims"]
    assert stats["index"]["type"] == "flat" and stats["index"]["size"] == stats["claims"]
    assert stats["embedding_model"] == "all-MiniLM-L6-v2" and stats["stance_model"] == "fact"


def test_readyz_is_503_when_the_index_disagrees_with_the_store(client, engine):
    engine.ingest_article(seed_text("001"))
    engine.index.remove([1])  # damage the in-memory index behind the engine's back
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["index_consistent"] is False


def test_openapi_document_and_docs_page(client):
    spec = client.get("/openapi.json").get_json()
    assert {"/v1/check", "/v1/articles", "/v1/articles/{article_id}", "/v1/claims", "/v1/claims/{claim_id}",
            "/healthz", "/readyz", "/v1/stats"} <= set(spec["paths"])
    request_schema = spec["components"]["schemas"]["CheckRequest"]
    assert request_schema["required"] == ["statement"]
    assert client.get("/docs").status_code == 200
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_an_unexpected_failure_is_a_json_500_without_a_trace(client, engine, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(engine, "check", broken)
    error = assert_error(client.post("/v1/check", json={"statement": "anything"}), 500, "internal_error")
    assert "secret" not in json.dumps(error)


def test_article_stance_endpoint(seeded_client):
    text = seed_text("002")
    body = seeded_client.post("/v1/stance", json={"statement": "Iran sent drones to Russia", "text": text}).get_json()
    assert body["label"] in {"agree", "disagree", "discuss", "unrelated"}
    assert body["evidence"] and all(e["text"] in text for e in body["evidence"])
    unrelated = seeded_client.post("/v1/stance", json={
        "statement": "The recipe needs two cups of flour",
        "text": "The city council approved a new budget for road repairs on Tuesday. Work starts in May."}).get_json()
    assert unrelated["label"] == "unrelated" and unrelated["evidence"] == []
    error = assert_error(seeded_client.post("/v1/stance", json={"statement": "x"}), 422)
    assert "text" in error["details"]


def test_article_stance_needs_a_model_that_has_it(make_engine):
    from service.app import create_app

    engine = make_engine(stance_model="polarity")
    client = create_app(engine.config, engine=engine).test_client()
    assert_error(client.post("/v1/stance", json={"statement": "a b", "text": "c d."}), 501, "not_implemented")


def test_polarity_model_gives_the_denial_and_the_admission_opposite_stances(make_engine):
    engine = make_engine(stance_model="polarity")
    engine.ingest_article(seed_text("000"))
    engine.ingest_article(seed_text("003"))
    result = engine.check("Iran sent drones to Russia before the invasion", k=20)
    reports = [r for m in result["matches"] for r in m["reported_by"]]  # every report of the facts shown
    labels = {engine.claim(r["claim_id"])["text"]: r["stance"]["label"] for r in reports}
    assert labels["We supplied Russia with a limited number of drones months before the war in Ukraine"] == "supports"
    denial = next(t for t in labels if "on Friday denied that Iran has supplied drones" in t)
    assert labels[denial] == "refutes"
    assert engine.stats()["stance_model"] == "polarity"
