"""The fact-check engine: extraction -> store -> embeddings -> FAISS index -> search -> stance.

One object wires the swappable parts together; the Flask app and the CLI both use it.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

import numpy as np

from .config import Config
from .embeddings import Embedder, SentenceTransformerEmbedder
from .extraction import Extractor, RuleExtractor, content_hash, normalise
from .extraction.attribution import polarity_of
from .index import VectorIndex
from .stance import StanceInput, StanceModel, load_stance_model
from .stance.features import body_sentences
from .store import NewClaim, SearchFilters, Store, open_store

log = logging.getLogger(__name__)


class EngineError(Exception):
    """A request the engine refuses, with an HTTP-like status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class IngestResult:
    article_id: str
    created: bool


class FactCheckEngine:
    def __init__(
        self,
        config: Config,
        store: Store | None = None,
        embedder: Embedder | None = None,
        stance_model: StanceModel | None = None,
        extractor: Extractor | None = None,
    ) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store or open_store(config.database_url, config.database_path)
        self.embedder = embedder or SentenceTransformerEmbedder(
            config.embedding_model, config.embedding_batch_size, threads=config.torch_threads
        )
        self.stance_model = stance_model or load_stance_model(config, self.embedder)
        self.extractor = extractor or RuleExtractor()
        self._sync_lock = threading.Lock()
        self._last_save = time.monotonic()
        self.index = self._open_index()

    # --- index lifecycle ---------------------------------------------------------------
    def _open_index(self) -> VectorIndex:
        """Load the saved index; catch it up from the change log, or rebuild it when it cannot be trusted."""
        self._check_model_matches_store()
        index = VectorIndex.load(self.config.index_path)
        if index is None or index.model != self.embedder.name or index.dim != self.embedder.dim:
            log.info("index missing or built for another model: rebuilding from the store")
            return self._build_index()
        self.index = index
        self.sync_index()
        if self.index.size != self.store.counts()["claims"]:
            log.warning("index count differs from the store after catching up: rebuilding")
            return self._build_index()
        return self.index

    def _check_model_matches_store(self) -> None:
        stored = self.store.get_meta("embedding_model")
        if stored is None:
            self.store.set_meta("embedding_model", self.embedder.name)
            self.store.set_meta("embedding_dim", str(self.embedder.dim))
        elif stored != self.embedder.name:
            raise RuntimeError(
                f"the store holds embeddings of {stored!r} but the configured model is {self.embedder.name!r}: "
                "run `factcheck reindex --reembed` to re-encode the claims"
            )

    def _build_index(self) -> VectorIndex:
        index = VectorIndex(self.embedder.dim, self.embedder.name)
        generation = self.store.generation()
        for ids, vectors in self.store.all_embeddings():
            index.add(ids, vectors)
        index.generation = generation
        index.save(self.config.index_path)
        self.index = index
        # Changes made while building are applied by the next sync.
        return index

    def sync_index(self) -> int:
        """Apply store changes the index has not seen yet (from this or any other process)."""
        if self.store.generation() == self.index.generation:
            return 0
        with self._sync_lock:
            changes = self.store.changes_since(self.index.generation)
            if not changes:
                return 0
            added = [claim_id for _, claim_id, op in changes if op == "add"]
            deleted = {claim_id for _, claim_id, op in changes if op == "delete"}
            self.index.remove(deleted)
            vectors = self.store.embeddings_of([i for i in added if i not in deleted])
            if vectors:
                ids = np.fromiter(vectors.keys(), dtype=np.int64)
                self.index.remove(ids)  # idempotent: a claim is never in the index twice
                self.index.add(ids, np.vstack(list(vectors.values())))
            self.index.generation = changes[-1][0]
        self._maybe_save()
        return len(changes)

    def _maybe_save(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last_save >= self.config.index_save_interval_s:
            self.index.save(self.config.index_path)
            self._last_save = time.monotonic()

    def save_index(self) -> None:
        self._maybe_save(force=True)

    def reindex(self, reembed: bool = False, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Rebuild the index from the store; with ``reembed``, re-encode every claim with the current model."""
        started = time.perf_counter()
        if reembed:
            for ids, texts in self.store.all_claim_texts():
                self.store.replace_embeddings(ids, self.embedder.encode(texts))
                if progress:
                    progress(len(ids))
            self.store.set_meta("embedding_model", self.embedder.name)
            self.store.set_meta("embedding_dim", str(self.embedder.dim))
        with self._sync_lock:
            self._build_index()
        self.sync_index()
        return {"claims": self.index.size, "generation": self.index.generation,
                "seconds": round(time.perf_counter() - started, 3)}

    # --- ingestion -----------------------------------------------------------------------
    def ingest_article(
        self,
        text: str,
        outlet: str | None = None,
        title: str | None = None,
        url: str | None = None,
        published: date | str | None = None,
    ) -> IngestResult:
        """Extract, embed and store one article; the same text again changes nothing."""
        if not normalise(text):
            raise EngineError(422, "empty_article", "the article text is empty")
        article_id = content_hash(text)
        if self.store.find_article(article_id):
            return IngestResult(article_id, created=False)
        extracted = self.extractor.extract(text)
        published = published or extracted.stated_date
        vectors = self.embedder.encode([c.text for c in extracted.claims])
        claims = [
            NewClaim(
                text=c.text, embedding=vector, span_start=c.start, span_end=c.end, speaker=c.speaker,
                speaker_role=c.speaker_role, speaker_is_person=c.speaker_is_person, verb=c.verb,
                voice=c.voice, polarity=c.polarity,
            )
            for c, vector in zip(extracted.claims, vectors)
        ]
        article = {
            "id": article_id, "outlet": outlet, "title": title or extracted.title, "url": url,
            "published": _iso(published), "raw_text": text, "text": extracted.text,
            "extractor": getattr(self.extractor, "name", type(self.extractor).__name__),
        }
        try:
            self.store.add_article(article, claims)
        except Exception as exc:  # a concurrent ingestion of the same text won the race
            if self.store.find_article(article_id):
                return IngestResult(article_id, created=False)
            raise exc
        self.sync_index()
        return IngestResult(article_id, created=True)

    def ingest_claims(self, records: Sequence[dict]) -> list[tuple[int, bool]]:
        """Bulk import of standalone claims (fact-check records); idempotent on external_id or text."""
        vectors = self.embedder.encode([r["text"] for r in records])
        claims = [
            NewClaim(
                text=r["text"], embedding=v, claimant=r.get("claimant"), rating=r.get("rating"),
                source=r.get("source"), url=r.get("url"), published=_iso(r.get("published")),
                external_id=r.get("external_id"), speaker=r.get("claimant"),
                polarity=polarity_of(r["text"], "asserts", None),
            )
            for r, v in zip(records, vectors)
        ]
        results = self.store.add_standalone_claims(claims)
        self.sync_index()
        return results

    def delete_article(self, article_id: str) -> bool:
        deleted = self.store.delete_article(article_id)
        if deleted:
            self.sync_index()
            self.save_index()
        return deleted

    # --- reading -------------------------------------------------------------------------
    def article(self, article_id: str) -> dict | None:
        article = self.store.find_article(article_id)
        if article is None:
            return None
        article = {k: v for k, v in article.items() if k != "raw_text"}
        article["claims"] = [claim_view(c) for c in self.store.claims_of_article(article_id)]
        return article

    def claim(self, claim_id: int) -> dict | None:
        found = self.store.claims_by_ids([claim_id]).get(claim_id)
        return claim_view(found) if found else None

    def check(
        self,
        statement: str,
        k: int | None = None,
        min_similarity: float | None = None,
        filters: SearchFilters | None = None,
    ) -> dict[str, Any]:
        """The claims most similar to ``statement``, each with its source and stance."""
        k = k or self.config.default_k
        threshold = self.config.default_min_similarity if min_similarity is None else min_similarity
        self.sync_index()
        statement_vector = self.embedder.encode([statement])[0]
        allowed = self.store.claim_ids_matching(filters) if filters else None
        hits = [(i, s) for i, s in self.index.search(statement_vector, k, allowed) if s >= threshold]
        rows = self.store.claims_by_ids([i for i, _ in hits])
        hits = [(i, s) for i, s in hits if i in rows]
        vectors = self.store.embeddings_of([i for i, _ in hits])
        inputs = [
            StanceInput(text=rows[i]["text"], similarity=s, polarity=rows[i]["polarity"] or "positive",
                        voice=rows[i]["voice"], vector=vectors.get(i))
            for i, s in hits
        ]
        stances = self.stance_model.classify(statement, inputs, statement_vector) if inputs else []
        matches = []
        summary = {"supports": 0, "refutes": 0, "neutral": 0}
        for (claim_id, similarity), stance in zip(hits, stances):
            match = claim_view(rows[claim_id])
            match["similarity"] = round(similarity, 4)
            match["stance"] = stance.as_dict()
            summary[stance.label] += 1
            matches.append(match)
        return {"statement": statement, "matches": matches, "summary": summary}

    def article_stance(self, statement: str, text: str) -> dict[str, Any]:
        """Article-level stance (FNC-1 labels) of ``text`` toward ``statement``, with evidence sentences."""
        classify_article = getattr(self.stance_model, "classify_article", None)
        if classify_article is None:
            raise EngineError(501, "not_implemented",
                              f"the stance model {self.stance_model.name!r} has no article-level stance")
        verdict = classify_article(statement, text)
        sentences = body_sentences(text)  # the split the model's evidence indices refer to
        return {"statement": statement, "label": verdict.label, "confidence": round(float(verdict.confidence), 4),
                "evidence": [{"index": i, "text": sentences[i]} for i in verdict.evidence]}

    def stats(self) -> dict[str, Any]:
        counts = self.store.counts()
        return {
            **counts,
            "index": {"type": self.index.kind, "size": self.index.size, "generation": self.index.generation,
                      "store_generation": self.store.generation()},
            "embedding_model": self.embedder.name,
            "embedding_dim": self.embedder.dim,
            "stance_model": self.stance_model.name,
        }

    def readiness(self) -> dict[str, Any]:
        """Whether the model is loaded and the index agrees with the store."""
        self.sync_index()
        claims = self.store.counts()["claims"]
        consistent = self.index.size == claims and self.index.generation == self.store.generation()
        return {"ready": consistent, "model_loaded": self.embedder is not None, "index_consistent": consistent,
                "index_size": self.index.size, "store_claims": claims}

    def close(self) -> None:
        self.save_index()
        self.store.close()


def claim_view(row: dict) -> dict[str, Any]:
    """A stored claim as the API shows it: text, speaker, source and span."""
    speaker = None
    if row.get("speaker_name"):
        speaker = {"id": row["speaker_id"], "name": row["speaker_name"], "role": row.get("speaker_role")}
    if row.get("article_id"):
        source = {"article_id": row["article_id"], "outlet": row.get("outlet"), "title": row.get("title"),
                  "url": row.get("article_url"), "published": row.get("article_published")}
        span = {"start": row["span_start"], "end": row["span_end"]}
    else:
        source = {"article_id": None, "outlet": row.get("claim_source"), "title": None,
                  "url": row.get("claim_url"), "published": row.get("claim_published")}
        span = None
    return {
        "claim_id": int(row["id"]), "text": row["text"], "speaker": speaker, "verb": row.get("verb"),
        "voice": row.get("voice"), "polarity": row.get("polarity"), "rating": row.get("rating"),
        "external_id": row.get("external_id"), "source": source, "span": span,
    }


def _iso(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
