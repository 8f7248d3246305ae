"""Operations: API keys, rate limits and CORS.

- API keys come from configuration (``api_keys``, ``read_api_keys``, ``api_keys_file``), are sent as
  ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, and are compared in constant time (``hmac.compare_digest``
  on SHA-256 digests, every configured key every time). Only digests are kept; logs carry a short fingerprint
  (``api_key_id``), never a key.
- With keys configured, write endpoints (POST/PUT/PATCH/DELETE except the read-only POST /v1/check and
  POST /v1/stance) need a write key; read endpoints need a key when ``read_requires_key``; /healthz, /readyz,
  /docs and /openapi.json are always open, /metrics unless ``metrics_requires_key``. With no key configured
  every endpoint is open (local use, the README's two commands), unless ``require_api_keys`` makes the
  service refuse to start.
- Rate limits (``rate_limit``, e.g. ``120/minute``) count per key, else per client address, with the generic
  cell rate algorithm (a token bucket of ``N`` per period that refills continuously); the state is one SQLite
  file in the data directory, so all workers of one host share it.
- CORS (``cors_origins``) with flask-cors: preflight answered, ``X-Request-ID`` and ``Retry-After`` exposed.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .errors import error_response

log = logging.getLogger(__name__)

# The web page's HTML and files are open; the JSON calls it makes need a key like any other client's.
PUBLIC_PATHS = {"/healthz", "/readyz", "/openapi.json", "/docs", "/", "/speakers/<int:speaker_id>"}
PUBLIC_PREFIXES = ("/docs/", "/static/")
METRICS_PATH = "/metrics"
# POST, but they compute an answer and store nothing
READ_ONLY_POSTS = {"/v1/check", "/v1/check/text", "/v1/stance"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REALM = "factcheck"
CORS_ALLOW_HEADERS = ["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"]
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "WWW-Authenticate"]
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


# --- API keys --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiKey:
    digest: bytes  # SHA-256 of the key; the key itself is not kept
    scope: str  # "write" (read and write) or "read"

    @property
    def key_id(self) -> str:
        """A short fingerprint for logs and rate-limit buckets; not the key, and not enough to guess it."""
        return self.digest.hex()[:12]


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def split_list(value: str) -> list[str]:
    """A comma-separated configuration value as a list (blanks dropped)."""
    return [item.strip() for item in value.split(",") if item.strip()]


def load_api_keys(config: Config) -> list[ApiKey]:
    """Keys from ``api_keys`` (write), ``read_api_keys`` (read) and ``api_keys_file`` (``KEY [read|write]`` lines)."""
    keys = [ApiKey(digest(k), "write") for k in split_list(config.api_keys)]
    keys += [ApiKey(digest(k), "read") for k in split_list(config.read_api_keys)]
    if config.api_keys_file:
        path = Path(config.api_keys_file).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"FACTCHECK_API_KEYS_FILE {path} cannot be read: {exc.strerror}") from exc
        for number, line in enumerate(lines, 1):
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            scope = parts[1] if len(parts) > 1 else "write"
            if len(parts) > 2 or scope not in {"read", "write"}:
                raise ValueError(f"{path} line {number}: expected 'KEY' or 'KEY read' or 'KEY write'")
            keys.append(ApiKey(digest(parts[0]), scope))
    if config.require_api_keys and not keys:
        raise ValueError("FACTCHECK_REQUIRE_API_KEYS is set but no key is configured "
                         "(FACTCHECK_API_KEYS, FACTCHECK_READ_API_KEYS or FACTCHECK_API_KEYS_FILE)")
    return keys


def match_key(presented: str, keys: Iterable[ApiKey]) -> ApiKey | None:
    """The configured key equal to ``presented``, compared in constant time against every key (no early exit)."""
    presented_digest = digest(presented)
    found = None
    for key in keys:
        if hmac.compare_digest(presented_digest, key.digest):
            found = key
    return found


def presented_key() -> str | None:
    """The key of the request: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("X-API-Key", "").strip() or None


def request_kind(metrics_requires_key: bool) -> str:
    """``public``, ``read``, ``write`` or ``metrics`` (needs a key of any scope): by URL rule, else by path."""
    path = request.url_rule.rule if request.url_rule is not None else request.path
    if request.method == "OPTIONS" or path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return "public"
    if path == METRICS_PATH:
        return "metrics" if metrics_requires_key else "public"
    if request.method in WRITE_METHODS and path not in READ_ONLY_POSTS:
        return "write"
    return "read"


def _unauthorized(code: str, message: str, error: str | None = None):  # noqa: ANN202 - Flask response
    challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
    return error_response(401, message, code, headers={"WWW-Authenticate": challenge})


# --- rate limits -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_s: float

    @classmethod
    def parse(cls, text: str) -> "RateLimit | None":
        """``"120/minute"``, ``"10/second"``, ``"1000/hour"``, ``"5000/day"`` (also ``"30/10s"``); empty: none."""
        text = text.strip().lower()
        if not text:
            return None
        match = re.fullmatch(r"(\d+)\s*/\s*(?:(\d+)\s*s|(second|minute|hour|day)s?)", text)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"FACTCHECK_RATE_LIMIT={text!r}: expected N/second, N/minute, N/hour, N/day or N/Ms")
        period = float(match.group(2)) if match.group(2) else float(PERIODS[match.group(3)])
        if period <= 0:
            raise ValueError(f"FACTCHECK_RATE_LIMIT={text!r}: the period must be positive")
        return cls(int(match.group(1)), period)


class RateLimiter:
    """Generic cell rate algorithm per identity; the state is shared by every process through one SQLite file.

    A bucket holds ``requests`` and refills one request every ``period / requests`` seconds. The stored value
    per identity is its theoretical arrival time (TAT); a request at ``now`` is allowed when
    ``TAT - now <= period - interval``, and then moves TAT to ``max(TAT, now) + interval``.
    """

    def __init__(self, limit: RateLimit, path: Path) -> None:
        self.limit = limit
        self.path = path
        self.interval = limit.period_s / limit.requests
        self._local = threading.local()
        self._hits = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection().execute("CREATE TABLE IF NOT EXISTS buckets (identity TEXT PRIMARY KEY, tat REAL NOT NULL)")

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # losing the last buckets in a crash is harmless
            self._local.conn = conn
        return conn

    def hit(self, identity: str, now: float | None = None) -> float | None:
        """Count one request; None when allowed, else the seconds until the next one would be."""
        now = time.time() if now is None else now
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT tat FROM buckets WHERE identity = ?", (identity,)).fetchone()
            tat = max(row[0] if row else now, now)
            wait = tat - now - (self.limit.period_s - self.interval)
            if wait > 0:
                conn.execute("ROLLBACK")
                return wait
            conn.execute("INSERT INTO buckets(identity, tat) VALUES (?, ?) "
                         "ON CONFLICT(identity) DO UPDATE SET tat = excluded.tat", (identity, tat + self.interval))
            self._hits += 1
            if self._hits % 1000 == 0:  # buckets whose TAT has passed are full again: same as no row
                conn.execute("DELETE FROM buckets WHERE tat < ?", (now,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return None


# --- wiring --------------------------------------------------------------------------------
def init_security(app: Flask, api: Any = None) -> None:
    """API keys, rate limits, CORS and the client address behind trusted proxies, from the app's Config."""
    config: Config = app.config["FACTCHECK"]
    keys = load_api_keys(config)
    limit = RateLimit.parse(config.rate_limit)
    limiter = RateLimiter(limit, config.data_dir / "ratelimit.sqlite3") if limit else None
    if not keys:
        log.warning("no API key configured: every endpoint is open (set FACTCHECK_API_KEYS for production)")
    if config.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies)
    app.extensions["factcheck_security"] = {"keys": keys, "rate_limiter": limiter}

    @app.before_request
    def authorise():  # noqa: ANN202 - Flask hook: None, or the error response
        kind = request_kind(config.metrics_requires_key)
        if kind == "public":
            return None
        presented = presented_key() if keys else None
        key = match_key(presented, keys) if presented else None
        if key is not None:
            g.api_key_id = key.key_id
        if limiter is not None:
            identity = f"key:{key.key_id}" if key else f"addr:{request.remote_addr}"
            try:
                wait = limiter.hit(identity)
            except sqlite3.Error as exc:  # the limiter must not take the service down: fail open
                log.warning("rate limiter unavailable, request let through: %s", exc)
                wait = None
            if wait is not None:
                retry_after = max(1, math.ceil(wait))
                return error_response(429, f"rate limit of {limit.requests} requests per {limit.period_s:g} s "
                                      f"exceeded; retry after {retry_after} s", "rate_limited",
                                      headers={"Retry-After": str(retry_after)})
        if not keys:
            return None
        if presented and key is None:
            return _unauthorized("invalid_api_key", "the API key is not valid", "invalid_token")
        if key is None and (kind in {"write", "metrics"} or config.read_requires_key):
            return _unauthorized("missing_api_key", "an API key is required: send 'Authorization: Bearer KEY' "
                                 "or 'X-API-Key: KEY'")
        if kind == "write" and key is not None and key.scope != "write":
            return error_response(403, "this API key may read but not write", "insufficient_scope",
                                  headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope"'})
        return None

    origins = split_list(config.cors_origins)
    if origins:
        from flask_cors import CORS

        CORS(app, origins="*" if origins == ["*"] else origins, allow_headers=CORS_ALLOW_HEADERS,
             expose_headers=CORS_EXPOSE_HEADERS, methods=["GET", "POST", "DELETE", "OPTIONS"], max_age=600,
             supports_credentials=False, vary_header=True, always_send=False)
    if api is not None:
        document_security(api, bool(keys), config)


def _auth_error(description: str) -> dict:
    """A documented authentication error: the service's JSON error, with the ``WWW-Authenticate`` challenge."""
    return {"description": description,
            "headers": {"WWW-Authenticate": {"description": f'Bearer realm="{REALM}", with error= when a key was sent',
                                             "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}


def document_security(api: Any, keys_configured: bool, config: Config) -> None:
    """Security schemes in the OpenAPI document, per operation whether it needs a key, and (with keys configured)
    its 401 (no key, or a key that is not valid) and, for writes, 403 (a read-only key)."""
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "Authorization: Bearer KEY"})
    api.spec.components.security_scheme("apiKeyHeader", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    if keys_configured:
        api.spec.components.response("UNAUTHORIZED", _auth_error(
            "No API key where one is required (missing_api_key), or a key that is not valid (invalid_api_key)"))
        api.spec.components.response("FORBIDDEN", _auth_error("A read-only API key on a write (insufficient_scope)"))
    to_dict = api.spec.to_dict
    required = [{"bearerAuth": []}, {"apiKeyHeader": []}]

    def to_dict_with_security() -> dict:
        spec = to_dict()
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"} or not isinstance(operation, dict):
                    continue
                if path in PUBLIC_PATHS or not keys_configured:
                    operation["security"] = []
                    continue
                responses = operation.setdefault("responses", {})
                responses["401"] = {"$ref": "#/components/responses/UNAUTHORIZED"}  # also an invalid optional key
                if method.upper() in WRITE_METHODS and path not in READ_ONLY_POSTS:
                    operation["security"] = required
                    responses["403"] = {"$ref": "#/components/responses/FORBIDDEN"}
                else:
                    operation["security"] = required if config.read_requires_key else [*required, {}]
        return spec

    api.spec.to_dict = to_dict_with_security
