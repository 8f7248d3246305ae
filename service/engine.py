"""The fact-check engine: extraction -> store -> embeddings -> FAISS index -> search -> stance.

One object wires the swappable parts together; the Flask app and the CLI both use it.
"""
from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .checkworthiness import CheckWorthinessModel, load_checkworthiness_model
from .config import Config
from .embeddings import Embedder, make_embedder
from .extraction import ExtractedArticle, Extractor, content_hash, load_extractor, normalise
from .extraction.dates import as_date
from .extraction.attribution import polarity_of
from .index import VectorIndex, set_search_threads
from .index_lifecycle import IndexKeeper
from .reports import DEPTH_PER_FACT, group_reports, reported_by
from .retrieval import Retriever
from .stance import StanceInput, StanceModel, load_stance_model
from .stance.base import ArticleStance, SourceInput, Stance
from .stance.features import body_sentences
from .stance.framing import frame_statement, judge
from .stance.warming import StanceWarmer
from .store import CachedCounts, NewClaim, NewSpeaker, SearchFilters, Store, open_store

log = logging.getLogger(__name__)


class EngineError(Exception):
    """A request the engine refuses, with an HTTP-like status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


INGEST_BATCH = 32  # articles per model call in bulk ingestion


@dataclass(frozen=True)
class IngestResult:
    article_id: str
    created: bool


@dataclass(frozen=True)
class ArticleInput:
    """One article to ingest: its ``text``, or its HTML page (``html``) whose metadata fills the fields not given."""

    text: str | None = None
    html: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: date | str | None = None
    author: str | None = None


@dataclass(frozen=True)
class PreparedArticle:
    """An article extracted and ready for the models: its row, its claims, the claims with a resolved text."""

    article: dict[str, Any]
    claims: Sequence[Any]
    resolved: list[int]


@dataclass(frozen=True)
class ScreenedArticle:
    """An article accepted for extraction: its text and its given fields (outlet, title, url, published, author)."""

    text: str
    fields: dict[str, Any]


def _extract(extractor: Extractor, screened: Sequence[Any]) -> list[ExtractedArticle]:
    """Extract the screened articles in order, together (spaCy parses their sentences in batches)."""
    return extractor.extract_many([(item.text, as_date(item.fields["published"]))
                                   for item in screened if isinstance(item, ScreenedArticle)])


def _batches(items: Iterable[Any], size: int, first: int | None = None) -> Iterator[list[Any]]:
    """``items`` in lists of ``size``, the first of ``first`` (default ``size``)."""
    iterator = iter(items)
    step = max(1, first or size)
    while chunk := list(itertools.islice(iterator, step)):
        yield chunk
        step = max(1, size)


class FactCheckEngine:
    def __init__(
        self,
        config: Config,
        store: Store | None = None,
        embedder: Embedder | None = None,
        stance_model: StanceModel | None = None,
        extractor: Extractor | None = None,
        allow_model_change: bool = False,
        checkworthiness: CheckWorthinessModel | None = None,
    ) -> None:
        """``allow_model_change``: open a store whose embeddings came from another model, for ``reindex(reembed)``."""
        self.config = config
        self._allow_model_change = allow_model_change
        config.data_dir.mkdir(parents=True, exist_ok=True)
        set_search_threads(config.search_threads)
        self.store = store or open_store(config.database_url, config.database_path,
                                         config.database_connect_timeout_s, config.database_statement_timeout_s,
                                         config.database_client_timeout_s)
        self.cached_counts = CachedCounts(self.store, config.counts_cache_s)  # for /metrics and /readyz
        self.embedder = embedder or make_embedder(config)
        self.store.vector_model = self.embedder.name  # writes of another model's vectors are refused
        self.stance_model = stance_model or load_stance_model(config, self.embedder)
        self.extractor = extractor or load_extractor(config.extractor)
        self.checkworthiness = checkworthiness or load_checkworthiness_model(config)
        self._scoring_lock = threading.Lock()
        self._stop_scoring = threading.Event()
        self._scoring_thread: threading.Thread | None = None
        self.retriever = Retriever(config, self.store, self.embedder)  # lexical index: built at the first sync
        self.index_keeper = IndexKeeper(config, self.store, self.embedder, allow_model_change)
        self.stance_warmer = StanceWarmer(self.stance_model, self.store,
                                          config.stance_warm_claims if config.stance_fact_checks else 0)
        self.sync_index()  # the lexical index is built now, not by the first request
        self.stance_warmer.start()  # recent claims parsed for the stance model's fact checks, then new ones
        self._start_scoring_unscored_claims()  # claims stored before the check_worthiness column existed

    # --- index (service/index_lifecycle.py keeps it loaded, current and saved) ---------------------------
    @property
    def config(self) -> Config:
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        """A new configuration reaches the index keeper too (index kind, thresholds, save intervals)."""
        self._config = config
        if "index_keeper" in self.__dict__:
            self.index_keeper.config = config

    @property
    def index(self) -> VectorIndex:
        """The vector index searches use now (replaced when a background rebuild finishes)."""
        return self.index_keeper.index

    @index.setter
    def index(self, index: VectorIndex) -> None:
        self.index_keeper.index = index

    def _index_params(self) -> dict[str, Any]:
        return self.index_keeper.index_params()

    def embed_resolved_texts(self, batch: int = 256) -> int:
        """Encode the resolved texts that have no vector yet; the number encoded."""
        return self.index_keeper.embed_resolved_texts(batch)

    def sync_index(self) -> int:
        """Apply store changes the indexes have not seen yet (from this or any other process)."""
        self.retriever.sync()  # the lexical index follows the same change log
        applied = self.index_keeper.apply_changes()
        if applied:
            self.stance_warmer.follow()  # and so does the stance model's parse of new claims
        return applied

    def wait_for_index_rebuild(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild to finish; False if one is still running after ``timeout`` seconds."""
        return self.index_keeper.wait_for_rebuild(timeout)

    def save_index(self) -> bool:
        """Save the index now (CLI, shutdown); requests leave saving to the keeper's background thread."""
        return self.index_keeper.save()

    def reindex(self, reembed: bool = False, progress: Callable[[int], None] | None = None,
                rescore: bool = False, batch: int = 5_000) -> dict[str, Any]:
        """Rebuild the index from the store; with ``reembed``, re-encode every claim (and resolved text) with the
        current model.

        Claims without a check-worthiness score get one; with ``rescore`` every claim is scored again (after a
        change of the check-worthiness model).
        """
        started = time.perf_counter()
        scored = self.score_unscored_claims(rescore=rescore)
        if reembed:
            # Servers encoding with another model answer writes with 503 from here until the end (the store
            # flag is read inside every write transaction); each batch commits its vectors, their change-log
            # rows and the progress together, so a run killed at any point is resumed by running it again.
            after = self.store.begin_reembed(self.embedder.name)
            for ids, texts in self.store.all_claim_texts(batch, after=after):
                self.store.replace_embeddings(ids, self.embedder.encode(texts))
                if progress:
                    progress(len(ids))
            self.embed_resolved_texts()
            self.store.finish_reembed(self.embedder.name, self.embedder.dim)
        self.embed_resolved_texts()
        self.index_keeper.wait_for_rebuild()  # the rebuild below supersedes a background one
        self.index_keeper.build()
        self.retriever.rebuild()
        self.sync_index()
        return {"claims": self.index.size, "generation": self.index.generation, "check_worthiness_scored": scored,
                "seconds": round(time.perf_counter() - started, 3)}

    def score_unscored_claims(self, rescore: bool = False, progress: Callable[[int], None] | None = None,
                              start_after: int = 0) -> int:
        """Give every claim without a check-worthiness score its score (all claims with ``rescore``); how many.

        Claims are read from id ``start_after`` on, then from the first id up to it (processes scoring one store
        at once start at different places and skip what another has scored); each batch is one transaction.
        """
        with self._scoring_lock:
            if rescore:
                batches = self.store.all_claim_texts(1_000, standalone=True)
            else:
                batches = itertools.chain(self.store.unscored_claim_texts(1_000, after=start_after),
                                          self.store.unscored_claim_texts(1_000, until=start_after))
            scored = 0
            for ids, texts in batches:
                if self._stop_scoring.is_set():
                    break
                if not scored:
                    log.info("check-worthiness: scoring %s stored claims", "all" if rescore else "unscored")
                self.store.set_check_worthiness(ids, self.checkworthiness.score(texts))
                scored += len(ids)
                if progress:
                    progress(len(ids))
            if scored:
                log.info("check-worthiness: %d claims scored", scored)
            return scored

    def _start_scoring_unscored_claims(self) -> None:
        """Score an older store's claims in the background, so that the service answers meanwhile (their
        ``check_worthiness`` is null and ``min_check_worthiness`` leaves them out until they are scored)."""
        first, last = self.store.unscored_claim_range()
        if first is None:
            return
        start_after = random.randint(first - 1, last) if last > first else 0
        self._scoring_thread = threading.Thread(target=self._score_in_background, args=(start_after,),
                                                name="check-worthiness-backfill", daemon=True)
        self._scoring_thread.start()

    def _score_in_background(self, start_after: int) -> None:
        try:
            self.score_unscored_claims(start_after=start_after)
        except Exception:  # the next start or `factcheck reindex` scores what is left
            log.exception("check-worthiness: background scoring failed")
        finally:
            self.store.close()  # this thread's connection

    def wait_for_check_worthiness(self, timeout: float | None = None) -> bool:
        """Wait for the background scoring of an older store; False if it is still running after ``timeout``."""
        thread = self._scoring_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # --- ingestion -----------------------------------------------------------------------
    def ingest_article(
        self,
        text: str,
        outlet: str | None = None,
        title: str | None = None,
        url: str | None = None,
        published: date | str | None = None,
        author: str | None = None,
    ) -> IngestResult:
        """Extract, embed and store one article; the same text again changes nothing."""
        return self._ingest_one(ArticleInput(text=text, outlet=outlet, title=title, url=url, published=published,
                                             author=author))

    def ingest_html(
        self,
        html: str,
        url: str | None = None,
        outlet: str | None = None,
        title: str | None = None,
        published: date | str | None = None,
        author: str | None = None,
    ) -> IngestResult:
        """Ingest an article's HTML page: its main text, with the page's metadata where no field is given.

        The page's published date resolves the claims' relative dates ("on Saturday")."""
        return self._ingest_one(ArticleInput(html=html, outlet=outlet, title=title, url=url, published=published,
                                             author=author))

    def _ingest_one(self, item: ArticleInput) -> IngestResult:
        prepared = self._prepare_articles([item], set())[0]
        if isinstance(prepared, EngineError):
            raise prepared
        if isinstance(prepared, IngestResult):
            return prepared
        vectors, worthiness = self._encode_claims([prepared])
        result = self._store_prepared(prepared, vectors[0], worthiness[0])
        self.sync_index()
        return result

    def ingest_articles(self, items: Iterable[ArticleInput],
                        batch: int = INGEST_BATCH) -> Iterator[IngestResult | EngineError]:
        """Ingest many articles: one result per item, in order (an :class:`EngineError` for an item refused).

        Each article is stored in its own transaction, with all its claims or not at all, before its result is
        yielded: a consumer that stops early leaves nothing half stored, and what was yielded is durable. Per
        ``batch`` articles, spaCy parses their sentences together, and each model runs once: one encode call over
        every claim and resolved text (on a thread of its own) beside one check-worthiness call, and then the next
        batch's reading and extraction, so that spaCy's work overlaps the encode. An error in reading or extraction
        is raised once the batch before it is stored.
        """
        seen: set[str] = set()
        # the first batch is extracted before any encode can run beside it, so it is a quarter of the others
        chunks = _batches(items, batch, first=max(1, batch // 4))
        with ThreadPoolExecutor(1, thread_name_prefix="ingest-encode") as encoder:
            try:
                screened = self._screen_articles(next(chunks, []), seen)
                extractions = _extract(self.extractor, screened)
                while screened:  # an empty batch: the items are all read
                    prepared = self._assemble_articles(screened, extractions)
                    articles = [p for p in prepared if isinstance(p, PreparedArticle)]
                    encoding = encoder.submit(self._encode_texts, articles)  # ONNX Runtime releases the GIL
                    scores = self._score_texts(articles, parallel=1)  # the encode takes the other core
                    failure = None
                    try:  # the next batch is read and extracted while the encode still runs
                        screened = self._screen_articles(next(chunks, []), seen)
                        extractions = _extract(self.extractor, screened)
                    except Exception as error:  # noqa: BLE001 - raised once this batch is stored
                        screened, failure = [], error
                    yield from self._store_batch(prepared, encoding.result(), scores)
                    if failure is not None:
                        raise failure
            finally:
                self.sync_index()

    def _store_batch(self, prepared: list, encoded: np.ndarray,
                     scores: Sequence[float]) -> Iterator[IngestResult | EngineError]:
        articles = [p for p in prepared if isinstance(p, PreparedArticle)]
        vectors = iter(self._split_vectors(articles, encoded))
        worthiness = iter(self._split_scores(articles, scores))
        for item in prepared:
            if isinstance(item, PreparedArticle):
                yield self._store_prepared(item, next(vectors), next(worthiness))
            else:  # stored already (or a repeat of an item stored before it), or refused
                yield item
        self.sync_index()

    def _prepare_articles(self, items: Sequence[ArticleInput],
                          seen: set[str]) -> list[PreparedArticle | IngestResult | EngineError]:
        """Validate and extract articles in this process (no model runs here); see :meth:`_screen_articles`."""
        screened = self._screen_articles(items, seen)
        return self._assemble_articles(screened, _extract(self.extractor, screened))

    def _screen_articles(self, items: Sequence[ArticleInput],
                         seen: set[str]) -> list[ScreenedArticle | IngestResult | EngineError]:
        """Per item its text and fields to extract, an :class:`IngestResult` when it is stored already or repeats
        an earlier item of the call (``seen``), or an :class:`EngineError` when refused."""
        out: list[ScreenedArticle | IngestResult | EngineError] = []
        for item in items:
            try:
                text, fields = self._article_text(item)
            except EngineError as error:
                out.append(error)
                continue
            article_id = content_hash(text)
            if article_id in seen or self.store.find_article(article_id):
                out.append(IngestResult(article_id, created=False))
                continue
            seen.add(article_id)
            out.append(ScreenedArticle(text, fields))
        return out

    def _assemble_articles(
        self, screened: Sequence[ScreenedArticle | IngestResult | EngineError],
        extracted_all: Sequence[ExtractedArticle],
    ) -> list[PreparedArticle | IngestResult | EngineError]:
        """Each screened article with its extraction (``extracted_all``, in order) as a :class:`PreparedArticle`."""
        extractor_name = getattr(self.extractor, "name", type(self.extractor).__name__)
        extractions = iter(extracted_all)
        out: list[PreparedArticle | IngestResult | EngineError] = []
        for item in screened:
            if not isinstance(item, ScreenedArticle):
                out.append(item)
                continue
            text, fields, extraction = item.text, item.fields, next(extractions)
            published = fields["published"] or extraction.stated_date
            article = {
                "id": content_hash(text), "outlet": fields["outlet"], "title": fields["title"] or extraction.title,
                "url": fields["url"], "published": _iso(published), "author": fields["author"], "raw_text": text,
                "text": extraction.text, "extractor": extractor_name,
            }
            resolved = [i for i, c in enumerate(extraction.claims) if c.resolved_text and c.resolved_text != c.text]
            out.append(PreparedArticle(article, extraction.claims, resolved))
        return out

    def _article_text(self, item: ArticleInput) -> tuple[str, dict[str, Any]]:
        """The article's text and metadata (from its HTML page where it came as one; given fields win)."""
        fields = {"outlet": item.outlet, "title": item.title, "url": item.url, "published": item.published,
                  "author": item.author}
        text = item.text
        if item.html is not None:
            from .pages import PageError, read_page

            try:
                page = read_page(item.html, item.url)
            except PageError as error:
                raise EngineError(422, error.code, error.message) from error
            if len(page.text) > self.config.max_article_chars:
                raise EngineError(422, "article_too_long", f"the page's text is {len(page.text)} characters, "
                                                           f"over {self.config.max_article_chars}")
            text = page.text
            fields = {name: value or getattr(page, name) for name, value in fields.items()}
        if not text or not normalise(text):
            raise EngineError(422, "empty_article", "the article text is empty")
        return text, fields

    def _encode_texts(self, articles: Sequence[PreparedArticle]) -> np.ndarray:
        """One encode call over the claims and the resolved texts of every article, claims first."""
        texts = [c.text for a in articles for c in a.claims]
        texts += [a.claims[i].resolved_text for a in articles for i in a.resolved]
        return self.embedder.encode(texts)

    def _score_texts(self, articles: Sequence[PreparedArticle], parallel: int | None = None) -> list[float]:
        # scored as each claim stands alone: "We strongly reject this information" with what it rejects
        return self.checkworthiness.score([c.standalone_text for a in articles for c in a.claims], parallel)

    def _encode_claims(self, articles: Sequence[PreparedArticle]) -> tuple[list, list]:
        """Vectors and check-worthiness scores of each article's claims, computed in this thread."""
        return (self._split_vectors(articles, self._encode_texts(articles)),
                self._split_scores(articles, self._score_texts(articles)))

    @staticmethod
    def _split_vectors(articles: Sequence[PreparedArticle], encoded: np.ndarray) -> list[tuple[np.ndarray, dict]]:
        """Per article: its claims' vectors and ``{claim position: resolved text's vector}``."""
        claims_total = sum(len(a.claims) for a in articles)
        out, at, second = [], 0, claims_total
        for article in articles:
            vectors = encoded[at:at + len(article.claims)]
            resolved = dict(zip(article.resolved, encoded[second:second + len(article.resolved)]))
            at, second = at + len(article.claims), second + len(article.resolved)
            out.append((vectors, resolved))
        return out

    @staticmethod
    def _split_scores(articles: Sequence[PreparedArticle], scores: Sequence[float]) -> list[list[float]]:
        out, at = [], 0
        for article in articles:
            out.append(list(scores[at:at + len(article.claims)]))
            at += len(article.claims)
        return out

    def _store_prepared(self, prepared: PreparedArticle, encoded: tuple[np.ndarray, dict],
                        worthiness: Sequence[float]) -> IngestResult:
        """Store one article with all its claims in one transaction."""
        vectors, resolved_vectors = encoded
        claims = [
            NewClaim(
                text=c.text, embedding=vector, span_start=c.start, span_end=c.end, speaker=c.speaker,
                speaker_role=c.speaker_role, speaker_is_person=c.speaker_is_person, verb=c.verb,
                voice=c.voice, polarity=c.polarity, speaker_organisation=c.speaker_organisation,
                speaker_aliases=c.speaker_aliases, claim_date=c.date, time_text=c.time_text,
                responds_to_index=c.responds_to_index, responds_to_text=c.responds_to_text,
                resolved_text=c.resolved_text, resolved_embedding=resolved_vectors.get(position),
                check_worthiness=score,
                co_speakers=tuple(NewSpeaker(s.name, s.role, s.organisation, s.is_person, s.aliases)
                                  for s in c.co_speakers),
            )
            for position, (c, vector, score) in enumerate(zip(prepared.claims, vectors, worthiness))
        ]
        article_id = prepared.article["id"]
        try:
            self.store.add_article(prepared.article, claims)
        except Exception as exc:  # a concurrent ingestion of the same text won the race
            if self.store.find_article(article_id):
                return IngestResult(article_id, created=False)
            raise exc
        return IngestResult(article_id, created=True)

    def ingest_claims(self, records: Sequence[dict]) -> list[tuple[int, bool]]:
        """Bulk import of standalone claims (fact-check records); idempotent on external_id or text."""
        vectors = self.embedder.encode([r["text"] for r in records])
        worthiness = self.checkworthiness.score([r["text"] for r in records])
        claims = [
            NewClaim(
                text=r["text"], embedding=v, check_worthiness=score, claimant=r.get("claimant"),
                rating=r.get("rating"),
                source=r.get("source"), url=r.get("url"), published=_iso(r.get("published")),
                external_id=r.get("external_id"), speaker=r.get("claimant"),
                polarity=polarity_of(r["text"], "asserts", None), title=r.get("title"),
                speaker_role=r.get("claimant_role"), claim_date=_iso(r.get("claim_date")),
                speaker_is_person=r.get("claimant_is_person", True),
                rating_value=r.get("rating_value"), best_rating=r.get("best_rating"),
                worst_rating=r.get("worst_rating"),
            )
            for r, v, score in zip(records, vectors, worthiness)
        ]
        results = self.store.add_standalone_claims(claims)
        self.sync_index()
        return results

    def delete_article(self, article_id: str) -> bool:
        deleted = self.store.delete_article(article_id)
        if deleted:
            self.sync_index()  # the keeper saves the index in the background
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
        include_sources: bool = True,
    ) -> dict[str, Any]:
        """The claims most similar to ``statement``, each with its source and stance; and a verdict per source.

        With ``group_reports`` one fact reported by several outlets is one match (its best-ranked copy) listing
        every report in ``reported_by``; ``k`` and ``summary`` count facts, and the verdicts see every report.
        """
        k = k or self.config.default_k
        threshold = self.config.default_min_similarity if min_similarity is None else min_similarity
        grouping = self.config.group_reports
        self.sync_index()
        allowed = self.store.claim_ids_matching(filters) if filters else None
        depth = k * DEPTH_PER_FACT if grouping else k
        statement_vector, hits = self.retriever.search(statement, self.index, depth, threshold, allowed)
        rows = self.store.claims_by_ids([i for i, _ in hits])
        hits = [(i, s) for i, s in hits if i in rows]
        vectors = self.store.embeddings_of([i for i, _ in hits])
        groups = (group_reports(hits, rows, vectors, self.config.group_reports_min_similarity) if grouping
                  else [[hit] for hit in hits])[:k]
        hits = [hit for group in groups for hit in group]  # every report of the facts shown, in match order
        frame = frame_statement(statement, self.extractor) if hits else None
        stances = judge(self.stance_model, frame, [rows[i] for i, _ in hits], [s for _, s in hits],
                        [vectors.get(i) for i, _ in hits], statement_vector) if hits else []
        matches = []
        summary = {"supports": 0, "refutes": 0, "neutral": 0}
        stance_of = {claim_id: stance for (claim_id, _), stance in zip(hits, stances)}
        for group in groups:
            claim_id, similarity = group[0]
            stance = stance_of[claim_id]
            match = claim_view(rows[claim_id])
            match["similarity"] = round(similarity, 4)
            match["stance"] = stance.as_dict()
            if grouping:
                match["reported_by"] = reported_by(group, rows, stance_of)
            summary[stance.label] += 1
            matches.append(match)
        result = {"statement": statement, "matches": matches, "summary": summary}
        if include_sources:
            result["sources"] = self._source_verdicts(statement, statement_vector, hits, rows, stances)
        return result

    def _source_verdicts(
        self, statement: str, statement_vector: np.ndarray, hits: list[tuple[int, float]], rows: dict[int, dict],
        stances: Sequence[Stance],
    ) -> list[dict[str, Any]]:
        """One verdict (FNC-1 labels) per article among the matches, in order of its best match.

        The article-level model decides whether the article is related at all; the side comes from the
        claim-level stances of the article's matched claims, which know each claim's voice and polarity.
        """
        matched: dict[str, list[tuple[int, Stance]]] = {}
        for (claim_id, _), stance in zip(hits, stances):
            if rows[claim_id]["article_id"]:
                matched.setdefault(rows[claim_id]["article_id"], []).append((claim_id, stance))
        if not matched:
            return []
        heads: dict[str, tuple[ArticleStance, list[int]]] = {}
        classify_sources = getattr(self.stance_model, "classify_sources", None)
        if classify_sources is not None:
            stored = self.store.source_claims(list(matched))
            present = [a for a in matched if a in stored and stored[a]["claim_ids"]]
            inputs = [SourceInput(a, stored[a]["text"], stored[a]["claim_texts"], stored[a]["vectors"])
                      for a in present]
            for article_id, head in zip(present, classify_sources(statement, inputs, statement_vector)):
                heads[article_id] = (head, [int(stored[article_id]["claim_ids"][i]) for i in head.evidence])
        outlets = {rows[i]["article_id"]: rows[i].get("outlet") for i, _ in hits}
        return [
            {"article_id": article_id, "outlet": outlets.get(article_id),
             **source_verdict(heads.get(article_id), claims)}
            for article_id, claims in matched.items()
        ]

    def claim_stances(self, statement: str, claims: Sequence[str]) -> dict[str, Any]:
        """Stance of each claim text toward ``statement``, read as ingestion would store it and judged as
        ``check`` judges stored claims (reporting verb and voice from extraction, the configured stance model)."""
        vectors = self.embedder.encode([statement, *claims])
        inputs = []
        for text, vector in zip(claims, vectors[1:]):
            found = self.extractor.extract(text).claims
            extracted = found[0] if len(found) == 1 else None
            inputs.append(StanceInput(
                text=text, similarity=float(np.dot(vectors[0], vector)), vector=vector,
                polarity=extracted.polarity if extracted else polarity_of(text, "asserts", None),
                voice=extracted.voice if extracted else None, verb=extracted.verb if extracted else None))
        stances = self.stance_model.classify(statement, inputs, vectors[0])
        return {"statement": statement,
                "stances": [{"claim": text, **stance.as_dict()} for text, stance in zip(claims, stances)]}

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
            "index": {"type": self.index.kind, "size": self.index.size, "vectors": self.index.vectors,
                      "second_vectors": self.index.second_vectors, "generation": self.index.generation,
                      "store_generation": self.store.generation(), "params": self.index.params(),
                      "configured": self.config.index_type, "auto_threshold": self.config.index_auto_threshold,
                      "rebuilding": self.index_keeper.rebuilding},
            "store": self.store.kind,
            "embedding_model": self.embedder.name,
            "embedding_backend": getattr(self.embedder, "backend", "torch"),
            "embedding_dim": self.embedder.dim,
            "stance_model": self.stance_model.name,
        }

    def readiness(self) -> dict[str, Any]:
        """Whether the model is loaded and the index agrees with the store.

        The index is compared with the store as of the generation it reflects: a claim count taken with its
        generation in one snapshot (cached for ``counts_cache_s``) is carried to the index's generation along the
        change log. (Comparing with the count of the moment made a consistent index look stale whenever another
        process wrote between the sync and the count.)
        """
        self.sync_index()
        index = self.index  # one index object: a swap between the two reads cannot mix two indexes
        index_generation, index_size = index.generation, index.size
        claims_then = self.cached_counts.claims_at(index_generation)
        consistent = self.store.generation() >= index_generation and index_size == claims_then
        writes_paused = self.store.vector_writes_refused()  # a re-embedding, or the store holds another model
        ready = consistent and writes_paused is None
        readiness = {"ready": ready, "model_loaded": self.embedder is not None, "index_consistent": consistent,
                     "index_size": index_size, "store_claims": claims_then}
        if writes_paused is not None:
            readiness["writes_paused"] = writes_paused
        return readiness

    def close(self) -> None:
        self._stop_scoring.set()  # a background scoring stops after its batch; the next start resumes it
        if self._scoring_thread is not None:
            self._scoring_thread.join(60)
        self.stance_warmer.close()
        self.index_keeper.close()  # saves the index once more
        self.store.close()


def source_verdict(head: tuple[ArticleStance, list[int]] | None, claims: list[tuple[int, Stance]]) -> dict[str, Any]:
    """An article's verdict from its article-level stance (if the model has one) and its matched claims' stances.

    unrelated (article level) wins; then one side among the claims gives agree or disagree, both sides
    give discuss (the article reports a contradiction), no side keeps the article-level label.
    """
    weight = {label: sum(s.confidence for _, s in claims if s.label == label) for label in ("supports", "refutes")}
    total = sum(s.confidence for _, s in claims) or 1.0
    sided = [claim_id for claim_id, s in claims if s.label != "neutral"]
    if head is not None and head[0].label == "unrelated":
        label, confidence, evidence = "unrelated", head[0].confidence, []
    elif weight["supports"] and not weight["refutes"]:
        label, confidence, evidence = "agree", weight["supports"] / total, sided
    elif weight["refutes"] and not weight["supports"]:
        label, confidence, evidence = "disagree", weight["refutes"] / total, sided
    elif sided:
        label, confidence, evidence = "discuss", (weight["supports"] + weight["refutes"]) / total, sided
    elif head is not None:
        label, confidence, evidence = head[0].label, head[0].confidence, head[1]
    else:
        label, confidence, evidence = "discuss", 1.0, [claim_id for claim_id, _ in claims]
    return {"stance": label, "confidence": round(float(confidence), 4), "evidence": evidence}


def claim_view(row: dict) -> dict[str, Any]:
    """A stored claim as the API shows it: text, speaker, source, span and what it answers (``context``)."""
    speaker = None
    if row.get("speaker_name"):
        speaker = {"id": row["speaker_id"], "name": row["speaker_name"], "role": row.get("speaker_role"),
                   "organisation": row.get("speaker_organisation")}
    if row.get("article_id"):
        source = {"article_id": row["article_id"], "outlet": row.get("outlet"), "title": row.get("title"),
                  "url": row.get("article_url"), "published": row.get("article_published")}
        span = {"start": row["span_start"], "end": row["span_end"]}
    else:
        source = {"article_id": None, "outlet": row.get("claim_source"), "title": row.get("claim_title"),
                  "url": row.get("claim_url"), "published": row.get("claim_published")}
        span = None
    context = None
    if row.get("responds_to_text"):  # what the claim answers ("We strongly reject this information")
        answered = row.get("responds_to_claim_id")
        context = {"text": row["responds_to_text"], "claim_id": int(answered) if answered is not None else None}
    return {
        "claim_id": int(row["id"]), "text": row["text"], "speaker": speaker, "verb": row.get("verb"),
        "voice": row.get("voice"), "polarity": row.get("polarity"), "rating": row.get("rating"),
        "external_id": row.get("external_id"), "source": source, "span": span, "context": context,
        "check_worthiness": None if row.get("check_worthiness") is None else round(float(row["check_worthiness"]), 4),
    }


def _iso(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
