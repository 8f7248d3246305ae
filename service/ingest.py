"""Ingestion of article files and folders: plain text, or HTML pages whose metadata comes from the page itself;
an optional manifest.json beside them gives (and overrides) outlet, title, url, published date and author."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .engine import INGEST_BATCH, ArticleInput, EngineError, FactCheckEngine, IngestResult

MANIFEST_NAME = "manifest.json"
TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}


def load_manifest(folder: Path) -> dict[str, dict]:
    """``{file name: {outlet, title, url, published, author}}`` from a folder's manifest.json, if it has one."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))["articles"]
    return {entry["file"]: entry for entry in entries}


def article_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return files


def ingest_paths(
    engine: FactCheckEngine, paths: Iterable[Path], on_file: Callable[[Path, IngestResult], None] | None = None,
    batch: int = INGEST_BATCH,
) -> Iterator[IngestResult]:
    """Ingest every text or HTML file named or inside the named folders; metadata from a manifest beside them
    wins over what a page says of itself.

    Files are read and ingested ``batch`` at a time (:meth:`FactCheckEngine.ingest_articles`): each article is
    stored whole before its result is yielded. An empty or unreadable file raises ``ValueError`` naming it; the
    files before it are stored, and running again skips them (ingestion is idempotent).
    """
    files = article_files([Path(p) for p in paths])
    results = engine.ingest_articles(_article_inputs(files), batch=batch)
    try:
        for file, result in zip(files, results):
            if isinstance(result, EngineError):  # an empty or unreadable file: say which one
                raise ValueError(f"{file}: {result.message}") from result
            if on_file:
                on_file(file, result)
            yield result
    finally:
        results.close()  # the files after a refused one (or after the caller stopped) are not stored


def _article_inputs(files: list[Path]) -> Iterator[ArticleInput]:
    """Each file as an article to ingest, with its manifest entry's metadata."""
    manifests: dict[Path, dict[str, dict]] = {}
    for file in files:
        manifest = manifests.setdefault(file.parent, load_manifest(file.parent))
        meta = manifest.get(file.name, {})
        fields = {name: meta.get(name) for name in ("outlet", "title", "url", "published", "author")}
        if file.suffix.lower() in HTML_SUFFIXES:
            yield ArticleInput(html=file.read_text(encoding="utf-8", errors="replace"), **fields)
        else:
            yield ArticleInput(text=file.read_text(encoding="utf-8"), **fields)
