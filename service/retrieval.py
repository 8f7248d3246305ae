"""Candidate retrieval: the claims to show for a statement, best first, each with its cosine similarity.

Dense search over the FAISS index, fused with a BM25 ranking over each claim's text and title (a lexical index
derived from the store and caught up from its change log, like the FAISS index). A claim that answers something
is found by its resolved text too: a second vector in the FAISS index and a second BM25 document, and a claim
scores as its better one. The fused score only decides the order and the candidate set: the similarity returned,
and filtered on, stays the cosine similarity of statement and claim (its closer vector). Social-media statements
are cleaned first (links, @handles, #hashtags split into words).
Tuned on CLEF CheckThat! 2020 task 2 (train), confirmed on its dev split: see scripts/evaluate_retrieval.py.
"""
from __future__ import annotations

import html
import math
import re
import threading
from array import array
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .store import net_changes

if TYPE_CHECKING:
    from .config import Config
    from .embeddings import Embedder
    from .index import VectorIndex
    from .store import Store

RETRIEVAL_MODES = ("fused", "dense")

# --- cleaning of social-media text ----------------------------------------------------------
_URL = re.compile(r"(?:https?://|www\.)\S+|pic\.twitter\.com/\S*", re.IGNORECASE)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# The signature line of an embedded tweet: "— Author Name (@handle) January 6, 2020"; the name is kept.
_TWEET_SIGNATURE = re.compile(
    rf"\s*[—–]\s*([^—–]{{1,80}}?)\s*\(@\w+\)\s*(?:(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})?\s*$")
_HASHTAG = re.compile(r"#(\w+)")
_HANDLE = re.compile(r"@(\w+)")
_WORD_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SPACES = re.compile(r"\s+")


def split_words(tag: str) -> str:
    """A hashtag or handle as words: 'AustralianFires' -> 'Australian Fires', 'COVID19' -> 'COVID 19'."""
    parts = _WORD_PARTS.findall(tag)
    return " ".join(parts) if parts else tag


def clean_statement(text: str) -> str:
    """Social-media text as plain words: links (also 'pic.twitter.com/..' glued to a word) and the date and
    handle of a tweet's signature dropped, HTML entities decoded, hashtags and @handles split into words.
    Ordinary sentences pass unchanged."""
    text = _URL.sub(" ", html.unescape(text))
    signature = _TWEET_SIGNATURE.search(text)
    if signature:
        text = f"{text[:signature.start()]} — {signature.group(1)}"
    text = _HASHTAG.sub(lambda m: f" {split_words(m.group(1))} ", text)
    text = _HANDLE.sub(lambda m: f" {split_words(m.group(1))} ", text)
    return _SPACES.sub(" ", text).strip()


# --- tokens for the lexical index -----------------------------------------------------------
_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - snowballstemmer has no type hints
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# Words longer than this are never cached (nor split into two words): no vocabulary word is that long, and a
# statement of random letters must neither fill the cache with long strings nor split a long word every way.
MAX_WORD_CHARS = 40


@lru_cache(maxsize=500_000)
def _cached_stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _stem(word: str) -> str:
    return _cached_stem(word) if len(word) <= MAX_WORD_CHARS else _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased words without stop words ('Iran's drones' -> ['iran', 'drones'])."""
    text = text.lower().replace("\u2019", "'").replace("'s ", " ")
    stop = _stop_words()
    return [word for word in _TOKEN.findall(text) if word not in stop]


def tokenize(text: str) -> list[str]:
    """Words without stop words, Snowball-stemmed ('Iran's drones' -> ['iran', 'drone'])."""
    return [_stem(word) for word in words(text)]


def claim_document(text: str, title: str | None) -> str:
    """What the lexical index reads of a claim: its text and its title (a fact-check's headline), cleaned."""
    return clean_statement(f"{text} {title}" if title else text)


def duplicate_key(row: dict) -> tuple[str, str]:
    """Two stored claims are duplicates when they have this key: the same source (article, or the source named
    by a fact-check record) and the same words (case, quotes, punctuation and spacing ignored)."""
    if row.get("article_id"):
        source = f"article:{row['article_id']}"
    else:
        source = f"record:{(row.get('claim_source') or '').casefold()}"
    return source, " ".join(_WORD.findall(row["text"].casefold()))


# --- the lexical index ----------------------------------------------------------------------
class LexicalIndex:
    """BM25 (Okapi; k1, b) over tokenized claim documents, keyed by claim id, in memory.

    A claim has one row per document (its text; its resolved text where that differs) and scores as its best row.
    Postings are compact arrays; a removed claim leaves dead rows that searches skip, and the arrays are
    compacted once dead rows outnumber live ones.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.generation = 0  # the store generation this index reflects
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._term_ids: dict[str, int] = {}
        self._rows: list[array] = []  # per term: rows containing it ('i')
        self._freqs: list[array] = []  # per term: its count in each of those rows ('f')
        self._df: list[int] = []  # per term: live rows containing it
        self._row_of: dict[int, int] = {}  # claim id -> its first row
        self._more_rows: dict[int, list[int]] = {}  # claim id -> its further rows (a resolved text)
        self._more_cache: tuple[np.ndarray, np.ndarray] | None = None  # (further rows, their claim's first row)
        self._live_rows = 0
        self._claim_ids = array("q")  # per row
        self._lengths = array("f")  # per row: tokens
        self._alive = array("b")  # per row: 1 live, 0 removed
        self._row_terms = array("i")  # every row's term ids, one after the other (to update df on removal)
        self._row_terms_end = array("q")  # per row: where its term ids end in _row_terms
        self._total_length = 0.0

    @property
    def size(self) -> int:
        return len(self._row_of)

    def __contains__(self, claim_id: int) -> bool:
        return int(claim_id) in self._row_of

    def ids(self) -> set[int]:
        with self._lock:
            return set(self._row_of)

    def reset(self) -> None:
        with self._lock:
            self._clear()
            self.generation = 0

    def add(self, documents: Iterable[tuple[int, str | Sequence[str]]]) -> int:
        """Index (claim id, document or documents) pairs; a claim already present is replaced. A claim with
        several documents scores as its best one."""
        added = 0
        with self._lock:
            for claim_id, texts in documents:
                claim_id = int(claim_id)
                if claim_id in self._row_of:
                    self._remove_one(claim_id)
                for number, document in enumerate((texts,) if isinstance(texts, str) else texts):
                    row = self._add_row(claim_id, document)
                    if number == 0:
                        self._row_of[claim_id] = row
                        added += 1
                    else:
                        self._more_rows.setdefault(claim_id, []).append(row)
                        self._more_cache = None
        return added

    def _add_row(self, claim_id: int, document: str) -> int:
        counts = Counter(tokenize(document))
        row = len(self._claim_ids)
        for term, count in counts.items():
            term_id = self._term_ids.get(term)
            if term_id is None:
                term_id = self._term_ids[term] = len(self._rows)
                self._rows.append(array("i"))
                self._freqs.append(array("f"))
                self._df.append(0)
            self._rows[term_id].append(row)
            self._freqs[term_id].append(count)
            self._df[term_id] += 1
            self._row_terms.append(term_id)
        length = sum(counts.values())
        self._claim_ids.append(claim_id)
        self._lengths.append(length)
        self._alive.append(1)
        self._row_terms_end.append(len(self._row_terms))
        self._total_length += length
        self._live_rows += 1
        return row

    def remove(self, claim_ids: Iterable[int]) -> int:
        removed = 0
        with self._lock:
            for claim_id in claim_ids:
                removed += self._remove_one(int(claim_id))
            if removed and len(self._claim_ids) - self._live_rows > max(self._live_rows, 1000):
                self._compact()
        return removed

    def _remove_one(self, claim_id: int) -> int:
        row = self._row_of.pop(claim_id, None)
        if row is None:
            return 0
        more = self._more_rows.pop(claim_id, [])
        if more:
            self._more_cache = None
        for dead in (row, *more):
            start = self._row_terms_end[dead - 1] if dead else 0
            for term_id in self._row_terms[start:self._row_terms_end[dead]]:
                self._df[term_id] -= 1
            self._alive[dead] = 0
            self._total_length -= self._lengths[dead]
            self._live_rows -= 1
        return 1

    def _compact(self) -> None:
        """Drop dead rows from every array (rows are renumbered)."""
        alive = np.frombuffer(self._alive, dtype=np.int8).astype(bool)
        new_row = np.cumsum(alive, dtype=np.int64) - 1
        for term_id in range(len(self._rows)):
            rows = np.frombuffer(self._rows[term_id], dtype=np.int32)
            keep = alive[rows]
            self._rows[term_id] = array("i", new_row[rows[keep]].astype(np.int32).tobytes())
            self._freqs[term_id] = array("f", np.frombuffer(self._freqs[term_id], dtype=np.float32)[keep].tobytes())
            del rows
        live = np.flatnonzero(alive)
        self._claim_ids = array("q", np.frombuffer(self._claim_ids, dtype=np.int64)[live].tobytes())
        self._lengths = array("f", np.frombuffer(self._lengths, dtype=np.float32)[live].tobytes())
        ends = np.frombuffer(self._row_terms_end, dtype=np.int64)
        starts = np.concatenate([[0], ends[:-1]])
        terms = np.frombuffer(self._row_terms, dtype=np.int32)
        kept_terms = [terms[starts[r]:ends[r]] for r in live]
        self._row_terms = array("i", np.concatenate(kept_terms).astype(np.int32).tobytes() if kept_terms else b"")
        self._row_terms_end = array("q", np.cumsum([len(t) for t in kept_terms], dtype=np.int64).tobytes())
        del ends, starts, terms, kept_terms
        del alive
        self._alive = array("b", b"\x01" * len(live))
        self._row_of, self._more_rows, self._more_cache = {}, {}, None
        for row, claim_id in enumerate(self._claim_ids):  # a claim's first row stays its first
            if claim_id in self._row_of:
                self._more_rows.setdefault(claim_id, []).append(row)
            else:
                self._row_of[claim_id] = row

    def _further_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every claim's further rows and, for each, the claim's first row."""
        if self._more_cache is None:
            pairs = [(row, self._row_of[c]) for c, rows in self._more_rows.items() for row in rows]
            more = np.asarray([p[0] for p in pairs], dtype=np.int64)
            self._more_cache = (more, np.asarray([p[1] for p in pairs], dtype=np.int64))
        return self._more_cache

    def _query_terms(self, text: str) -> set[int]:
        """Term ids of the query's words; an unknown run-together word ('georgesoros', a lower-case hashtag)
        counts as the two indexed words it splits into, if any."""
        found: set[int] = set()
        for word in words(text):
            term_id = self._term_ids.get(_stem(word))
            if term_id is not None:
                found.add(term_id)
            elif 7 <= len(word) <= MAX_WORD_CHARS:
                found.update(self._split_compound(word))
        return found

    def _split_compound(self, word: str) -> tuple[int, ...]:
        """The most balanced split of ``word`` into two indexed words of 3+ letters, or nothing."""
        stop = _stop_words()
        for cut in sorted(range(3, len(word) - 2), key=lambda c: -min(c, len(word) - c)):
            head, tail = word[:cut], word[cut:]
            if head in stop or tail in stop:
                continue
            ids = (self._term_ids.get(_stem(head)), self._term_ids.get(_stem(tail)))
            if None not in ids and all(self._df[i] > 0 for i in ids):
                return ids  # type: ignore[return-value]
        return ()

    def search(
        self, text: str, k: int, allowed_ids: np.ndarray | None = None, also: Sequence[int] = ()
    ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``k`` best claims by BM25 as (claim id, score), best first, and the scores of the claims in
        ``also`` (0 where no query word occurs); only claims in ``allowed_ids`` when it is given."""
        with self._lock:
            n = self._live_rows
            term_ids = self._query_terms(text)
            if n == 0 or k <= 0:
                return [], {int(i): 0.0 for i in also}
            scores = np.zeros(len(self._claim_ids), dtype=np.float32)
            lengths = np.frombuffer(self._lengths, dtype=np.float32)
            average = self._total_length / n or 1.0
            for term_id in term_ids:
                df = self._df[term_id]
                if df <= 0:
                    continue
                idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
                rows = np.frombuffer(self._rows[term_id], dtype=np.int32)
                freqs = np.frombuffer(self._freqs[term_id], dtype=np.float32)
                norm = self.k1 * (1.0 - self.b + self.b * lengths[rows] / average)
                scores[rows] += idf * freqs * (self.k1 + 1.0) / (freqs + norm)
                del rows, freqs
            del lengths
            if self._more_rows:  # a claim scores as its best row, kept on its first row
                more, first = self._further_rows()
                np.maximum.at(scores, first, scores[more])
                scores[more] = 0.0
            claim_ids = np.frombuffer(self._claim_ids, dtype=np.int64)
            usable = np.frombuffer(self._alive, dtype=np.int8).astype(bool) & (scores > 0)
            if allowed_ids is not None:
                usable &= np.isin(claim_ids, np.asarray(allowed_ids, dtype=np.int64))
            rows = np.flatnonzero(usable)
            if len(rows) > k:
                rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
            rows = rows[np.argsort(-scores[rows], kind="stable")]
            top = [(int(claim_ids[r]), float(scores[r])) for r in rows]
            extra = {}
            for claim_id in also:
                row = self._row_of.get(int(claim_id))
                extra[int(claim_id)] = float(scores[row]) if row is not None and usable[row] else 0.0
            del claim_ids
        return top, extra


# --- the retriever --------------------------------------------------------------------------
class Retriever:
    """Candidates for a statement: dense search, fused with the lexical ranking in ``fused`` mode.

    ``fused``: the union of the dense and the lexical top ``retrieval_depth``, ordered by
    cosine + ``lexical_weight`` * BM25 / (best BM25 of the query); ``dense``: the FAISS order alone.
    With ``collapse_duplicates`` a claim stored twice (same source, same words) shows once, as the first stored.
    """

    def __init__(self, config: "Config", store: "Store", embedder: "Embedder") -> None:
        if config.retrieval_mode not in RETRIEVAL_MODES:
            raise ValueError(f"FACTCHECK_RETRIEVAL_MODE={config.retrieval_mode!r}: "
                             f"use one of {', '.join(RETRIEVAL_MODES)}")
        self.config, self.store, self.embedder = config, store, embedder
        self.lexical = LexicalIndex() if config.retrieval_mode == "fused" else None
        self.resolved_texts = config.index_resolved_text
        self._built = False
        self._lock = threading.Lock()

    # --- keeping the lexical index in step with the store ----------------------------------
    def rebuild(self) -> int:
        """Build the lexical index from every stored claim; later changes are replayed by ``sync``."""
        if self.lexical is None:
            return 0
        with self._lock:
            self.lexical.reset()
            generation = self.store.generation()
            for batch in self.store.all_claim_documents():
                self.lexical.add((claim_id, self.documents(text, title, resolved))
                                 for claim_id, text, title, resolved in batch)
            self.lexical.generation = generation
            self._built = True
        self.sync()  # changes made while building
        return self.lexical.size

    def sync(self) -> int:
        """Apply store changes the lexical index has not seen (from this or any other process)."""
        if self.lexical is None:
            return 0
        if not self._built:
            self.rebuild()
            return 0
        if self.store.generation() == self.lexical.generation:
            return 0
        with self._lock:
            changes = self.store.changes_since(self.lexical.generation)
            if not changes:
                return 0
            added, deleted = net_changes(changes)
            self.lexical.remove(deleted)
            rows = self.store.claims_by_ids(added)
            self.lexical.add((claim_id, self.documents(row["text"], row.get("claim_title"), row.get("resolved_text")))
                             for claim_id, row in rows.items())
            self.lexical.generation = changes[-1][0]
        return len(changes)

    def documents(self, text: str, title: str | None, resolved_text: str | None) -> list[str]:
        """A claim's BM25 documents: its text, and its resolved text where that differs (when configured)."""
        documents = [claim_document(text, title)]
        if self.resolved_texts and resolved_text and resolved_text != text:
            documents.append(claim_document(resolved_text, title))
        return documents

    # --- search ------------------------------------------------------------------------------
    def query_text(self, statement: str) -> str:
        """The statement as searched: cleaned of social-media markup when configured (never left empty)."""
        if not self.config.clean_statements:
            return statement
        return clean_statement(statement) or statement

    def search(
        self, statement: str, index: "VectorIndex", k: int, threshold: float = 0.0,
        allowed_ids: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[tuple[int, float]]]:
        """The statement's vector and up to ``k`` (claim id, cosine similarity), best first, similarity >= threshold."""
        query = self.query_text(statement)
        vector = self.embedder.encode([query])[0]
        depth = max(k, self.config.retrieval_depth)
        widened = self.lexical is not None or self.config.collapse_duplicates
        dense = index.search(vector, depth if widened else k, allowed_ids)
        similarity = dict(dense)
        order = [claim_id for claim_id, _ in dense]
        if self.lexical is not None:
            top, of_dense = self.lexical.search(query, depth, allowed_ids, also=order)
            lexical = {**of_dense, **dict(top)}
            missing = [claim_id for claim_id in lexical if claim_id not in similarity]
            ids, vectors, _ = self.store.index_vectors_of(missing, second=index.second_vectors)
            for claim_id, score in zip(ids.tolist(), (vectors @ vector).tolist() if len(ids) else []):
                similarity[claim_id] = max(similarity.get(claim_id, -1.0), score)  # its closer vector
            best = max(lexical.values(), default=0.0)
            weight = self.config.lexical_weight / best if best > 0 else 0.0
            fused = {claim_id: s + weight * lexical.get(claim_id, 0.0) for claim_id, s in similarity.items()}
            order = sorted(fused, key=lambda claim_id: (-fused[claim_id], claim_id))
        if self.config.collapse_duplicates:
            order = self._collapse(order)
        hits = [(claim_id, similarity[claim_id]) for claim_id in order if similarity[claim_id] >= threshold]
        return vector, hits[:k]

    def _collapse(self, order: list[int]) -> list[int]:
        """Keep one claim per duplicate key, at the best position of its group: the first stored (lowest id)."""
        rows = self.store.claims_by_ids(order)
        kept: list[int] = []
        position: dict[tuple[str, str], int] = {}
        for claim_id in order:
            row = rows.get(claim_id)
            if row is None:  # deleted meanwhile
                continue
            key = duplicate_key(row)
            if key in position:
                kept[position[key]] = min(kept[position[key]], claim_id)
            else:
                position[key] = len(kept)
                kept.append(claim_id)
        return kept
