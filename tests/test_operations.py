"""Operations: /metrics, request ids, JSON logs, API keys, rate limits and CORS, on the real app and engine."""
from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest

from service import security
from service.app import create_app
from service.observability import JsonFormatter
from service.security import RateLimit, RateLimiter

from .test_api import assert_error

WRITE_KEY = "write-key-8f2a61c0b9d34e7f"
READ_KEY = "read-key-1c5e93aa07b24d68"
ARTICLE = "Officials in Tromso said the new harbour bridge will open to traffic in March next year."


@pytest.fixture
def make_client(make_engine, tmp_path: Path):
    """A test client over its own data directory, with configuration overrides."""
    made = 0

    def make(**overrides: object):
        nonlocal made
        made += 1
        overrides.setdefault("stance_model", "polarity")
        engine = make_engine(tmp_path / f"data{made}", **overrides)
        return create_app(engine.config, engine=engine).test_client()

    return make


def metric_samples(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = {}
    for line in response.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def requests_total(samples: dict, method: str, endpoint: str, status: int) -> float:
    return samples.get(f'factcheck_http_requests_total{{endpoint="{endpoint}",method="{method}",status="{status}"}}',
                       0.0)


# --- metrics -------------------------------------------------------------------------------------------------
def test_metrics_count_requests_per_url_rule_and_status_and_time_the_models(make_client):
    client = make_client()
    before = metric_samples(client)
    assert client.post("/v1/articles", json={"text": ARTICLE, "outlet": "Test"}).status_code == 201
    assert client.post("/v1/check", json={"statement": "the harbour bridge opens in March"}).status_code == 200
    assert client.get("/v1/articles/no-such-article").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    after = metric_samples(client)

    def delta(method: str, endpoint: str, status: int) -> float:
        return requests_total(after, method, endpoint, status) - requests_total(before, method, endpoint, status)

    assert delta("POST", "/v1/articles", 201) == 1
    assert delta("POST", "/v1/check", 200) == 1
    assert delta("GET", "/v1/articles/<string:article_id>", 404) == 1  # the URL rule, never the raw path
    assert delta("GET", "<unmatched>", 404) == 1
    assert not any("no-such-article" in name or "/no/such/path" in name for name in after)
    latency = 'factcheck_http_request_duration_seconds_count{endpoint="/v1/check",method="POST",status="200"}'
    assert after[latency] - before.get(latency, 0.0) == 1
    # One encode for the article, one for the statement; one stance call for the check's matches.
    assert after["factcheck_embedding_seconds_count"] - before["factcheck_embedding_seconds_count"] == 2
    assert after["factcheck_embedding_seconds_sum"] > before["factcheck_embedding_seconds_sum"]
    stance = 'factcheck_stance_seconds_count{level="claims"}'
    assert after[stance] - before.get(stance, 0.0) == 1
    stats = client.get("/v1/stats").get_json()
    assert after["factcheck_store_claims"] == stats["claims"] >= 1
    assert after["factcheck_store_articles"] == stats["articles"] == 1
    assert after['factcheck_index_size{type="flat"}'] == stats["index"]["size"] == stats["claims"]


def test_made_up_http_methods_share_one_label_value(make_client):
    client = make_client()
    for number in range(5):
        assert client.open("/v1/check", method=f"M{number:05d}").status_code in (400, 405, 501)
    samples = metric_samples(client)
    assert not any("M0000" in name for name in samples)
    assert sum(v for name, v in samples.items()
               if name.startswith("factcheck_http_requests_total") and 'method="other"' in name) == 5


# --- request ids and logs ----------------------------------------------------------------------------------
def test_request_id_is_taken_when_sane_else_generated_and_always_echoed(make_client):
    client = make_client()
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123.x:y"}).headers["X-Request-ID"] == "abc-123.x:y"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["X-Request-ID"] != generated
    for bad in ("x" * 129, "two words", "semi;colon", "new\\nline"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and re.fullmatch(r"[0-9a-f]{32}", echoed)
    error = client.post("/v1/check", json={}, headers={"X-Request-ID": "req-422"})
    assert error.status_code == 422 and error.headers["X-Request-ID"] == "req-422"


@pytest.fixture
def json_log():
    """Everything logged while the test runs, as the service's JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_json_log_lines_carry_the_request_id_and_never_the_key(make_client, json_log, monkeypatch):
    client = make_client(api_keys=WRITE_KEY)
    response = client.post("/v1/articles", json={"text": ARTICLE},
                           headers={"Authorization": f"Bearer {WRITE_KEY}", "X-Request-ID": "req-log-1"})
    assert response.status_code == 201
    client.post("/v1/articles", json={"text": ARTICLE}, headers={"X-API-Key": WRITE_KEY + "x"})
    engine = client.application.extensions["factcheck"]

    def broken_check(*args, **kwargs):
        raise RuntimeError("the index is on fire")

    monkeypatch.setattr(engine, "check", broken_check)
    failed = client.post("/v1/check", json={"statement": "anything"}, headers={"X-Request-ID": "req-log-500"})
    assert failed.status_code == 500 and "on fire" not in failed.get_data(as_text=True)

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    access = next(e for e in lines if e["logger"] == "factcheck.access" and e.get("request_id") == "req-log-1")
    assert {"time", "level", "logger", "message", "pid"} <= set(access)
    assert access["method"] == "POST" and access["path"] == "/v1/articles" and access["status"] == 201
    assert access["duration_ms"] > 0 and access["remote_addr"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{12}", access["api_key_id"])
    error = next(e for e in lines if e["level"] == "ERROR")
    assert error["request_id"] == "req-log-500" and "on fire" in error["exc"]
    assert WRITE_KEY not in text and ARTICLE not in text  # neither the key nor request bodies


# --- API keys ----------------------------------------------------------------------------------------------
def test_write_endpoints_need_a_write_key_when_keys_are_configured(make_client):
    client = make_client(api_keys=WRITE_KEY, read_api_keys=READ_KEY)
    for method, path, body in [("POST", "/v1/articles", {"text": ARTICLE}),
                               ("POST", "/v1/claims", {"claims": [{"text": "The bridge opens in March."}]}),
                               ("DELETE", "/v1/articles/abc", None)]:
        response = client.open(path, method=method, json=body)
        assert_error(response, 401, "missing_api_key")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="factcheck"'
        response = client.open(path, method=method, json=body, headers={"Authorization": "Bearer wrong-key"})
        assert_error(response, 401, "invalid_api_key")
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        response = client.open(path, method=method, json=body, headers={"X-API-Key": READ_KEY})
        assert_error(response, 403, "insufficient_scope")
    assert client.post("/v1/articles", json={"text": ARTICLE},
                       headers={"Authorization": f"Bearer {WRITE_KEY}"}).status_code == 201
    assert client.post("/v1/articles", json={"text": ARTICLE}, headers={"X-API-Key": WRITE_KEY}).status_code == 200
    # Reads stay open by default; the probes, the docs and the metrics are always open.
    assert client.post("/v1/check", json={"statement": "harbour bridge"}).status_code == 200
    for path in ("/v1/stats", "/healthz", "/readyz", "/openapi.json", "/metrics"):
        assert client.get(path).status_code == 200, path


def test_keys_are_compared_in_constant_time_against_every_configured_key(make_client, monkeypatch):
    client = make_client(api_keys=f"{WRITE_KEY},another-write-key-0000", read_api_keys=READ_KEY)
    calls = []
    original = security.hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return original(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    assert client.post("/v1/articles", json={"text": ARTICLE}, headers={"X-API-Key": WRITE_KEY}).status_code == 201
    assert calls == [(32, 32)] * 3  # SHA-256 digests (no length leak), every key, no early exit on a match
    calls.clear()
    assert client.delete("/v1/articles/abc", headers={"X-API-Key": "nope"}).status_code == 401
    assert len(calls) == 3


def test_read_endpoints_closed_by_configuration(make_client):
    client = make_client(api_keys=WRITE_KEY, read_api_keys=READ_KEY, read_requires_key=True)
    assert_error(client.post("/v1/check", json={"statement": "harbour bridge"}), 401, "missing_api_key")
    assert_error(client.get("/v1/stats"), 401, "missing_api_key")
    assert_error(client.get("/no/such/path"), 401, "missing_api_key")  # nothing about what exists
    assert client.post("/v1/check", json={"statement": "harbour bridge"},
                       headers={"X-API-Key": READ_KEY}).status_code == 200
    assert client.get("/v1/stats", headers={"Authorization": f"bearer {WRITE_KEY}"}).status_code == 200
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/metrics"):
        assert client.get(path).status_code == 200, path
    closed_metrics = make_client(api_keys=WRITE_KEY, metrics_requires_key=True)
    assert_error(closed_metrics.get("/metrics"), 401, "missing_api_key")
    assert closed_metrics.get("/metrics", headers={"X-API-Key": WRITE_KEY}).status_code == 200


def test_keys_from_a_file_and_production_requires_keys(make_client, tmp_path):
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# newsroom tools\n{WRITE_KEY}\n{READ_KEY} read  # the dashboard\n\n")
    client = make_client(api_keys_file=str(keys_file))
    assert client.post("/v1/articles", json={"text": ARTICLE}, headers={"X-API-Key": READ_KEY}).status_code == 403
    assert client.post("/v1/articles", json={"text": ARTICLE}, headers={"X-API-Key": WRITE_KEY}).status_code == 201
    with pytest.raises(ValueError, match="FACTCHECK_REQUIRE_API_KEYS"):
        make_client(require_api_keys=True)
    keys_file.write_text(f"{WRITE_KEY} admin\n")
    with pytest.raises(ValueError, match="line 1"):
        make_client(api_keys_file=str(keys_file))
    # With no key configured everything is open (local use); keys never show in the configuration's repr.
    assert make_client().post("/v1/articles", json={"text": ARTICLE}).status_code == 201
    config = client.application.config["FACTCHECK"].with_overrides(api_keys=WRITE_KEY, read_api_keys=READ_KEY)
    assert WRITE_KEY not in repr(config) and READ_KEY not in repr(config)


def test_openapi_documents_the_security_schemes(make_client):
    spec = make_client(api_keys=WRITE_KEY).get("/openapi.json").get_json()
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "apiKeyHeader"}
    required = [{"bearerAuth": []}, {"apiKeyHeader": []}]
    assert spec["paths"]["/v1/articles"]["post"]["security"] == required
    assert spec["paths"]["/v1/articles/{article_id}"]["delete"]["security"] == required
    assert {} in spec["paths"]["/v1/check"]["post"]["security"]  # a key is optional for reads
    assert spec["paths"]["/healthz"]["get"]["security"] == []


# --- rate limits -------------------------------------------------------------------------------------------
def test_rate_limit_per_client_address_and_per_key_answers_429_with_retry_after(make_client):
    client = make_client(rate_limit="3/minute", api_keys=WRITE_KEY)
    for _ in range(3):
        assert client.get("/v1/stats").status_code == 200
    limited = client.get("/v1/stats", headers={"X-Request-ID": "req-429"})
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 20  # one request comes back every 20 s
    assert limited.headers["X-Request-ID"] == "req-429"
    assert client.get("/healthz").status_code == 200 and client.get("/metrics").status_code == 200  # not limited
    # Another address, and a key, each have their own bucket.
    assert client.get("/v1/stats", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    for _ in range(3):
        assert client.get("/v1/stats", headers={"X-API-Key": WRITE_KEY}).status_code == 200
    assert client.get("/v1/stats", headers={"X-API-Key": WRITE_KEY}).status_code == 429


def test_rate_limiter_refills_continuously_and_shares_state_between_processes(tmp_path):
    limit = RateLimit.parse("2/10s")
    assert limit == RateLimit(2, 10.0) and RateLimit.parse("120/minute") == RateLimit(120, 60.0)
    assert RateLimit.parse("") is None
    with pytest.raises(ValueError):
        RateLimit.parse("lots")
    one, other = RateLimiter(limit, tmp_path / "rl.sqlite3"), RateLimiter(limit, tmp_path / "rl.sqlite3")
    assert one.hit("a", now=100.0) is None and other.hit("a", now=100.0) is None  # two workers, one bucket
    assert one.hit("a", now=100.0) == pytest.approx(5.0)  # one request comes back every 5 s
    assert other.hit("a", now=104.0) == pytest.approx(1.0)
    assert other.hit("a", now=105.0) is None
    assert one.hit("b", now=105.0) is None


# --- CORS --------------------------------------------------------------------------------------------------
def test_cors_preflight_and_allowed_and_refused_origins(make_client):
    origin = "https://newsroom.example"
    client = make_client(cors_origins=f"{origin}, https://desk.example", api_keys=WRITE_KEY)
    preflight = client.options("/v1/articles", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 200  # no key on a preflight
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = client.post("/v1/check", json={"statement": "bridge"}, headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    refused = client.post("/v1/check", json={"statement": "bridge"}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 200 and "Access-Control-Allow-Origin" not in refused.headers
    refused = client.options("/v1/check", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    unauthorised = client.post("/v1/articles", json={"text": ARTICLE}, headers={"Origin": origin})
    assert unauthorised.status_code == 401 and unauthorised.headers["Access-Control-Allow-Origin"] == origin
    default = make_client().post("/v1/check", json={"statement": "bridge"}, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in default.headers  # no CORS unless configured
