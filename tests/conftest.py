"""Shared fixtures: the real embedding model (loaded once), real SQLite stores and FAISS indexes in tmp dirs."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from service.app import create_app
from service.config import PROJECT_ROOT, Config
from service.embeddings import SentenceTransformerEmbedder
from service.engine import FactCheckEngine
from service.ingest import ingest_paths

SEEDS = PROJECT_ROOT / "seeds"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_config(data_dir: Path, **overrides: object) -> Config:
    """Tests see every write in /metrics at once (counts_cache_s 0) unless they ask for the cache."""
    overrides = {"counts_cache_s": 0.0, "index_save_interval_s": 0.0, **overrides}
    return Config.from_env({}, data_dir=data_dir, testing=True, **overrides)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2", threads=1)


@pytest.fixture
def make_engine(tmp_path: Path, embedder: SentenceTransformerEmbedder):
    """Engines over one data directory, as separate processes or restarts would open it."""
    engines: list[FactCheckEngine] = []

    def make(data_dir: Path | None = None, **overrides: object) -> FactCheckEngine:
        engine = FactCheckEngine(test_config(data_dir or tmp_path / "data", **overrides), embedder=embedder)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.store.close()


@pytest.fixture
def engine(make_engine) -> FactCheckEngine:
    return make_engine()


@pytest.fixture(scope="session")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[FactCheckEngine]:
    """The five seeds ingested once, for tests that only read."""
    engine = FactCheckEngine(test_config(tmp_path_factory.mktemp("seeded")), embedder=embedder)
    list(ingest_paths(engine, [SEEDS]))
    yield engine
    engine.store.close()


@pytest.fixture
def app(engine: FactCheckEngine):
    return create_app(engine.config, engine=engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def seeded_client(seeded_engine):
    return create_app(seeded_engine.config, engine=seeded_engine).test_client()
