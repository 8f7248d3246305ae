"""Ingestion of article files and folders: plain text, or HTML pages whose metadata comes from the page itself;
an optional manifest.json beside them gives (and overrides) outlet, title, url, published date and author."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .engine import EngineError, FactCheckEngine, IngestResult

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
    engine: FactCheckEngine, paths: Iterable[Path], on_file: Callable[[Path, IngestResult], None] | None = None
) -> Iterator[IngestResult]:
    """Ingest every text or HTML file named or inside the named folders; metadata from a manifest beside them
    wins over what a page says of itself."""
    manifests: dict[Path, dict[str, dict]] = {}
    for file in article_files([Path(p) for p in paths]):
        manifest = manifests.setdefault(file.parent, load_manifest(file.parent))
        meta = manifest.get(file.name, {})
        fields = {name: meta.get(name) for name in ("outlet", "title", "url", "published", "author")}
        try:
            if file.suffix.lower() in HTML_SUFFIXES:
                result = engine.ingest_html(file.read_text(encoding="utf-8", errors="replace"), **fields)
            else:
                result = engine.ingest_article(file.read_text(encoding="utf-8"), **fields)
        except EngineError as error:  # an empty or unreadable file: say which one
            raise ValueError(f"{file}: {error.message}") from error
        if on_file:
            on_file(file, result)
        yield result
