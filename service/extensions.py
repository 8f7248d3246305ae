"""The engine as a Flask extension: created once per app with ``init_app``."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from .config import Config
from .engine import FactCheckEngine

log = logging.getLogger(__name__)


class FactCheck:
    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, engine: FactCheckEngine | None = None) -> None:
        config: Config = app.config["FACTCHECK"]
        engine = engine or FactCheckEngine(config)
        app.extensions["factcheck"] = engine
        if config.ingest_seeds_on_start:
            ingest_seeds(engine, config.seeds_dir)


def current_engine() -> FactCheckEngine:
    return current_app.extensions["factcheck"]


def current_config() -> Config:
    return current_app.config["FACTCHECK"]


def ingest_seeds(engine: FactCheckEngine, seeds_dir: Path) -> int:
    """Ingest the seed articles with their manifest; already ingested ones are skipped."""
    from .ingest import ingest_paths

    created = sum(1 for result in ingest_paths(engine, [seeds_dir]) if result.created)
    log.info("seeds: %d new article(s) from %s", created, seeds_dir)
    return created
