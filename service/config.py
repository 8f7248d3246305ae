"""Configuration from environment variables prefixed ``FACTCHECK_``."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "FACTCHECK_"


def _to_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Every setting of the service; each field can be set as ``FACTCHECK_<NAME>``."""

    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = field(default="", repr=False)  # empty: SQLite file factcheck.sqlite3 in data_dir
    # PostgreSQL: how long a connection attempt, and one statement, may take before the request answers 503
    database_connect_timeout_s: float = 5.0
    database_statement_timeout_s: float = 30.0
    # PostgreSQL: how long one call waits for an answer on this side (a silent network, a frozen server) before
    # its connection is closed and the request answers 503; 0: the statement timeout plus 5 s
    database_client_timeout_s: float = 0.0
    counts_cache_s: float = 5.0  # /metrics and /readyz read the store's COUNT(*) figures at most this often
    embedding_model: str = "all-MiniLM-L6-v2"  # packaged name or a local model directory
    # texts per encode run: 16 pads less than 64 and its activations stay in cache (scripts/bench_ingest.py: 1.2x)
    embedding_batch_size: int = 16
    torch_threads: int = 1  # intra-op threads per process; 0 keeps torch's default (all cores)
    search_threads: int = 1  # FAISS OpenMP threads per process; 0 keeps FAISS's default (all cores)
    # "fact" (models/claim_stance: fact-level cross-encoder), "trained" (models/stance: FNC-1 topic model with
    # polarity rules), "polarity" (rules) or a local CrossEncoder NLI directory
    stance_model: str = "fact"
    claim_stance_model: Path = PROJECT_ROOT / "models" / "claim_stance"  # the "fact" model's directory
    stance_related_threshold: float = 0.45  # similarity under which stance is neutral
    # "fact": the claim/statement pairs of one request are run on this many threads at once (1: one after another)
    stance_parallelism: int = 2
    # "fact": the parse's fact checks on top of the model (another actor, a conflicting number, an antonym, ...)
    stance_fact_checks: bool = True
    # "fact": the most recent claims parsed for the fact checks in the background at start, then every claim added
    # (at most this many kept; 0: each claim is parsed by the first check that needs it)
    stance_warm_claims: int = 5000
    # Check-worthiness sentence classifier (service/checkworthiness.py): a directory with model.int8.onnx
    checkworthiness_model: Path = PROJECT_ROOT / "models" / "checkworthiness"
    checkworthiness_parallelism: int = 2  # sentences of one call scored on this many threads at once (1: in turn)
    extractor: str = "spacy"  # claim extraction: spacy (parser + NER + rules) or rules
    default_k: int = 5
    default_min_similarity: float = 0.35
    max_statement_chars: int = 2000
    max_article_chars: int = 200_000
    max_bulk_claims: int = 1000
    max_content_length: int = 2 * 1024 * 1024
    index_save_interval_s: float = 30.0  # saves of the index (on a background thread) at most this often
    index_save_retry_s: float = 10.0  # after a failed save (disk full), the next try
    index_change_log_keep: int = 10_000  # change-log rows kept below what every saved index reflects
    index_saver_ttl_s: float = 7 * 86_400  # a saved index not saved again for this long no longer holds rows back
    # Index kind (service/index.py): auto = flat (exact) under index_auto_threshold claims, hnsw from it on.
    index_type: str = "auto"  # auto, flat, hnsw or ivf
    index_auto_threshold: int = 20_000  # flat search costs ~0.18 us per claim on one core: ~3.6 ms here
    index_hnsw_m: int = 32  # graph degree (memory ~ 8*m bytes per claim on top of the vector)
    index_hnsw_ef_construction: int = 40
    index_hnsw_ef_search: int = 128  # search breadth: recall against latency, no rebuild needed
    index_ivf_nlist: int = 0  # inverted lists; 0: about 4*sqrt(claims), chosen at each (re)build
    index_ivf_nprobe: int = 16  # lists searched per query (no rebuild needed)
    # onnx (ONNX Runtime, float32: torch's vectors, faster, no torch in the workers), onnx-int8 (other vectors:
    # reindex --reembed after switching) or torch (sentence-transformers)
    embedding_backend: str = "onnx"
    # ONNX exports of the embedding model (`factcheck export-embedder`), shared by every data directory
    onnx_dir: Path = PROJECT_ROOT / "var" / "onnx"
    # Candidate retrieval (service/retrieval.py); defaults tuned on CLEF CheckThat! 2020 task 2 train.
    retrieval_mode: str = "fused"  # fused (dense + BM25 over claim text and title) or dense (FAISS order alone)
    lexical_weight: float = 0.3  # fused: cosine + weight * BM25 / (best BM25 of the statement)
    retrieval_depth: int = 20  # candidates taken from each of the dense and the lexical search
    clean_statements: bool = True  # search without links, @/# marks, tweet signatures; hashtags split into words
    collapse_duplicates: bool = True  # a claim stored twice (same source, same words) shows once, the first stored
    # a claim that answers something is also searched by its resolved text ("Nasser Kanani: We strongly reject the
    # information that ..."): a second vector in the FAISS index and a second BM25 document, both for the claim
    index_resolved_text: bool = True
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    ingest_seeds_on_start: bool = False
    log_level: str = "INFO"
    testing: bool = False
    # Operations (service/security.py); lists are comma-separated. Keys stay out of repr().
    api_keys: str = field(default="", repr=False)  # keys that may read and write
    read_api_keys: str = field(default="", repr=False)  # keys that may only read (403 on writes)
    api_keys_file: str = ""  # one key per line: "KEY" (write) or "KEY read"; '#' starts a comment
    require_api_keys: bool = False  # refuse to start when no key is configured
    read_requires_key: bool = False  # read endpoints need a key too (when keys are configured)
    metrics_requires_key: bool = False  # GET /metrics needs a key too (when keys are configured)
    rate_limit: str = ""  # per key, else per client address: "120/minute", "10/second"; empty: off
    cors_origins: str = ""  # origins browsers may call from ("*" any); empty: no CORS headers
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For gives the client address
    group_reports: bool = True  # one fact reported by several outlets: one /v1/check match listing every report
    group_reports_min_similarity: float = 0.71  # cosine of two copies (seeds: copies >= 0.72, distinct <= 0.70)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "factcheck.sqlite3"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "index.faiss"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Config":
        """Read ``FACTCHECK_*`` variables, then apply keyword overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw, f.name)
        values.update(overrides)
        for key in ("data_dir", "seeds_dir", "checkworthiness_model", "claim_stance_model", "onnx_dir"):
            if key in values:
                values[key] = Path(values[key]).expanduser().resolve()
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> "Config":
        return replace(self, **overrides)


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    try:
        if kind == "bool":
            return _to_bool(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
