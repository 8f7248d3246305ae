"""Configuration from environment variables prefixed ``FACTCHECK_``."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
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
    database_url: str = ""  # empty: SQLite file factcheck.sqlite3 in data_dir
    embedding_model: str = "all-MiniLM-L6-v2"  # packaged name or a local model directory
    embedding_batch_size: int = 64
    torch_threads: int = 1  # intra-op threads per process; 0 keeps torch's default (all cores)
    stance_model: str = "trained"  # "trained" (models/stance), "polarity" (rules) or a CrossEncoder NLI directory
    stance_related_threshold: float = 0.45  # similarity under which stance is neutral
    default_k: int = 5
    default_min_similarity: float = 0.35
    max_statement_chars: int = 2000
    max_article_chars: int = 200_000
    max_bulk_claims: int = 1000
    max_content_length: int = 2 * 1024 * 1024
    index_save_interval_s: float = 30.0
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    ingest_seeds_on_start: bool = False
    log_level: str = "INFO"
    testing: bool = False

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
        for key in ("data_dir", "seeds_dir"):
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
