"""Shared fixtures: the real embedding model (loaded once), real SQLite stores and FAISS indexes in tmp dirs."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from service.app import create_app
from service.config import PROJECT_ROOT, Config
from service.embeddings import Embedder, SentenceTransformerEmbedder, export_embedder, make_embedder
from service.engine import FactCheckEngine
from service.ingest import ingest_paths

SEEDS = PROJECT_ROOT / "seeds"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
# One ONNX export of the embedding model for every engine the tests make (FACTCHECK_ONNX_DIR, else var/onnx);
# the session exports it once when it is missing, as `factcheck export-embedder` does at set-up.
ONNX_DIR = Config.from_env().onnx_dir


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_config(data_dir: Path, **overrides: object) -> Config:
    """Tests see every write in /metrics at once (counts_cache_s 0) unless they ask for the cache."""
    overrides = {"counts_cache_s": 0.0, "index_save_interval_s": 0.0, "onnx_dir": ONNX_DIR, **overrides}
    return Config.from_env({}, data_dir=data_dir, testing=True, **overrides)


@pytest.fixture(scope="session", autouse=True)
def onnx_export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared ONNX export of the packaged model (made here once if set-up has not made it)."""
    return export_embedder(test_config(tmp_path_factory.mktemp("export")))[0]


@pytest.fixture(scope="session")
def embedder(onnx_export_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default embedding backend (ONNX Runtime), as the service runs it."""
    return make_embedder(test_config(tmp_path_factory.mktemp("embedder")))


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceTransformerEmbedder:
    """The sentence-transformers backend, the reference the ONNX vectors are compared with."""
    return SentenceTransformerEmbedder("all-MiniLM-L6-v2", threads=1)


@pytest.fixture
def make_engine(tmp_path: Path, embedder: Embedder):
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
