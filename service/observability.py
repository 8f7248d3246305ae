"""Operations: Prometheus metrics, JSON logs and request ids.

Metrics work under gunicorn with several worker processes through prometheus-client's multiprocess mode:
``factcheck serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory) before any worker imports this
module, every worker writes its samples to memory-mapped files there, and ``GET /metrics`` on any worker
merges the files of all workers. Store and index figures are not kept as gauges: they are read from the
store (shared by every worker) and from the serving worker's index (synced first) when ``/metrics`` is
scraped. Without the variable (tests, a single process) the samples live in this process.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

import numpy as np
from flask import Flask, Response, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from .store import StoreUnavailable

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
REQUEST_ID_HEADER = "X-Request-ID"
WORKER_HEADER = "X-Worker-PID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
QUIET_PATHS = {"/healthz", "/readyz", "/metrics"}  # probes and scrapes: logged at DEBUG, not INFO
UNMATCHED = "<unmatched>"  # the endpoint label of a request no route matched (never the raw path)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

access_log = logging.getLogger("factcheck.access")

# Created once per process (multiprocess mode: in each worker, after the fork).
METRICS = CollectorRegistry()
HTTP_REQUESTS = Counter("factcheck_http_requests", "HTTP requests by method, endpoint (URL rule) and status",
                        ("method", "endpoint", "status"), registry=METRICS)
HTTP_LATENCY = Histogram("factcheck_http_request_duration_seconds",
                         "HTTP request latency by method, endpoint (URL rule) and status",
                         ("method", "endpoint", "status"), buckets=LATENCY_BUCKETS, registry=METRICS)
EMBEDDING_SECONDS = Histogram("factcheck_embedding_seconds", "Time of one embedding call (statement or batch)",
                              buckets=LATENCY_BUCKETS, registry=METRICS)
EMBEDDED_TEXTS = Counter("factcheck_embedded_texts", "Texts embedded", registry=METRICS)
STANCE_SECONDS = Histogram("factcheck_stance_seconds",
                           "Time of one stance call: a check's matches (claims), their articles (sources), "
                           "one article (article)",
                           ("level",), buckets=LATENCY_BUCKETS, registry=METRICS)


# --- logging -------------------------------------------------------------------------------
# HTTP methods kept as label values; any other token a client sends is counted as "other", so that made-up
# methods cannot add series without bound.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LOG_FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms", "remote_addr", "api_key_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid and the request's fields when in a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for name in LOG_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if "request_id" not in entry and has_request_context() and g.get("request_id"):
            entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_dict_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes every logger (gunicorn's too) as JSON lines to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},  # ours is factcheck.access
        },
    }


def init_logging(level: str) -> None:
    """JSON lines on stderr, unless the root logger already has handlers (gunicorn's dictConfig, pytest)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper())


# --- timing of the models ----------------------------------------------------------------
class TimedEmbedder:
    """Wraps an embedder: every ``encode`` call lands in ``factcheck_embedding_seconds``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim

    def encode(self, texts: Sequence[str], *args: Any, **kwargs: Any) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, *args, **kwargs)
        finally:
            EMBEDDING_SECONDS.observe(time.perf_counter() - started)
            EMBEDDED_TEXTS.inc(len(texts))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


TIMED_STANCE_METHODS = {"classify_article": "article", "classify_sources": "sources"}  # optional methods


class TimedStanceModel:
    """Wraps a stance model: ``classify`` and, where the model has it, ``classify_article`` are timed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    def classify(self, *args: Any, **kwargs: Any) -> Any:
        with STANCE_SECONDS.labels("claims").time():
            return self.inner.classify(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)  # AttributeError when the model has no such method
        level = TIMED_STANCE_METHODS.get(name)
        if level is None:
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            with STANCE_SECONDS.labels(level).time():
                return attribute(*args, **kwargs)

        return timed


def instrument_engine(engine: Any) -> None:
    """Time the engine's embedder and stance model from outside (idempotent: apps may share an engine).

    Parts of the engine that keep their own reference to the embedder (the retriever encodes the statement)
    get the same wrapper; the stance model keeps the plain one, so that its encodes count as stance time.
    """
    inner = engine.embedder
    if not isinstance(inner, TimedEmbedder):
        timed = engine.embedder = TimedEmbedder(inner)
        for part in list(vars(engine).values()):
            if part is not engine.stance_model and getattr(part, "embedder", None) is inner:
                part.embedder = timed
    if not isinstance(engine.stance_model, TimedStanceModel):
        engine.stance_model = TimedStanceModel(engine.stance_model)


# --- store and index figures, read at scrape time ------------------------------------------
class StoreCollector:
    """Claims, articles and speakers in the store; the index's size, type and generation."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            self.engine.sync_index()
            counts = self.engine.cached_counts.counts()  # COUNT(*) at most once per counts_cache_s
            generation = self.engine.store.generation()
        except StoreUnavailable:  # the database is away: the request metrics still render
            counts, generation = None, None
        yield GaugeMetricFamily("factcheck_store_up", "1 when the store answered this scrape, else 0",
                                value=0 if counts is None else 1)
        if counts is not None:
            for name in ("articles", "claims", "standalone_claims", "speakers"):
                yield GaugeMetricFamily(f"factcheck_store_{name}",
                                        f"{name.replace('_', ' ').capitalize()} in the store", value=counts[name])
            yield GaugeMetricFamily("factcheck_store_generation", "Highest change-log sequence number of the store",
                                    value=generation)
        index = self.engine.index
        size = GaugeMetricFamily("factcheck_index_size", "Vectors in the serving worker's FAISS index, by index type",
                                 labels=("type",))
        size.add_metric((index.kind,), index.size)
        yield size
        generation = GaugeMetricFamily("factcheck_index_generation", "Store generation the serving worker's index "
                                       "reflects", labels=("type",))
        generation.add_metric((index.kind,), index.generation)
        yield generation


class _Collected:
    """Adapter: the samples of another registry, for a registry built per scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return self.registry.collect()


def metrics_text(engine: Any) -> bytes:
    """The Prometheus text exposition: this process's samples, or every worker's in multiprocess mode."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Collected(METRICS))
    registry.register(StoreCollector(engine))
    return generate_latest(registry)


# --- request ids, access log, request metrics ------------------------------------------------
def request_id_from(header: str | None) -> str:
    """The client's X-Request-ID when it is sane (1..128 chars of [A-Za-z0-9._:@/+=-]), else a new one."""
    if header and REQUEST_ID_PATTERN.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _endpoint_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def init_observability(app: Flask) -> None:
    """Request ids, JSON access log, request metrics and ``GET /metrics``; times the engine's models."""
    from .extensions import current_engine

    instrument_engine(app.extensions["factcheck"])

    @app.before_request
    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        started = g.get("request_started")
        elapsed = time.perf_counter() - started if started is not None else 0.0
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        response.headers[WORKER_HEADER] = str(os.getpid())
        endpoint = _endpoint_label()
        status = str(response.status_code)
        method = request.method if request.method in HTTP_METHODS else "other"
        HTTP_REQUESTS.labels(method, endpoint, status).inc()
        HTTP_LATENCY.labels(method, endpoint, status).observe(elapsed)
        level = logging.DEBUG if request.path in QUIET_PATHS and response.status_code < 400 else logging.INFO
        access_log.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
            "request_id": request_id, "method": request.method, "path": request.path, "endpoint": endpoint,
            "status": response.status_code, "duration_ms": round(elapsed * 1000, 2),
            "remote_addr": request.remote_addr, "api_key_id": g.get("api_key_id"),
        })
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus metrics (text exposition format)."""
        return Response(metrics_text(current_engine()), mimetype=None, content_type=CONTENT_TYPE_LATEST)
