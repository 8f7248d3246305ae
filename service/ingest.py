"""Ingestion of article files and folders, with an optional manifest of what each text says of itself."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .engine import FactCheckEngine, IngestResult

MANIFEST_NAME = "manifest.json"
TEXT_SUFFIXES = {".txt", ".md"}


def load_manifest(folder: Path) -> dict[str, dict]:
    """``{file name: {outlet, title, url, published}}`` from a folder's manifest.json, if it has one."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))["articles"]
    return {entry["file"]: entry for entry in entries}


def article_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in TEXT_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return files


def ingest_paths(
    engine: FactCheckEngine, paths: Iterable[Path], on_file: Callable[[Path, IngestResult], None] | None = None
) -> Iterator[IngestResult]:
    """Ingest every text file named or inside the named folders; metadata from a manifest beside them."""
    manifests: dict[Path, dict[str, dict]] = {}
    for file in article_files([Path(p) for p in paths]):
        manifest = manifests.setdefault(file.parent, load_manifest(file.parent))
        meta = manifest.get(file.name, {})
        result = engine.ingest_article(
            file.read_text(encoding="utf-8"),
            outlet=meta.get("outlet"),
            title=meta.get("title"),
            url=meta.get("url"),
            published=meta.get("published"),
        )
        if on_file:
            on_file(file, result)
        yield result
