"""Stance model trained on FNC-1: gradient-boosted trees over embedding, lexical and cue features."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import joblib
import numpy as np

from .base import ArticleStance, SourceInput, Stance, StanceInput
from .fast import CompiledTfidf, CompiledTreeEnsemble
from .features import Body, TextInfo, analyse, body_sentences, feature_matrix, make_bodies, negated_topic

ARTEFACT_FILE = "stance_model.joblib"
SETTINGS_FILE = "settings.json"
FNC_TO_STANCE = {"agree": "supports", "disagree": "refutes", "discuss": "neutral", "unrelated": "neutral"}
EVIDENCE_SENTENCES = 3
SOURCE_CACHE_SIZE = 512  # analysed sources (articles) kept per process; an article id always means the same text
HEDGED_VOICES = frozenset({"alleges", "reports"})  # voices under which a "discuss" claim stays neutral
# Claim-level rules (hand-set, not learned).
RELATED_PROBABILITY = 0.5  # claim head P(related) from which a claim takes a side
NEGATED_TOPIC_MIN_SIMILARITY = 0.2  # a claim negating a statement topic word is related from this similarity
RULE_CONFIDENCE = 0.5  # least confidence of a side taken by the negated-topic rule


def claim_pairs(bodies: Sequence[Body], orders: Sequence[np.ndarray]) -> list[Body]:
    """Each body reduced to its sentence most similar to the headline: the claim head's training view."""
    reduced = []
    for body, order in zip(bodies, orders, strict=True):
        if not body.sentences:
            reduced.append(body)
            continue
        best = int(order[0])
        sentence = body.sentences[best]
        reduced.append(Body(sentence, (sentence,), (body.infos[best],), body.vectors[best : best + 1]))
    return reduced


def save_artefact(directory: Path, tfidf, article_model, claim_model, meta: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump({"tfidf": tfidf, "article": article_model, "claim": claim_model}, directory / ARTEFACT_FILE,
                compress=3)
    (directory / SETTINGS_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


class TrainedStanceModel:
    """FNC-1 stance model: an article head (headline vs whole body) and a claim head (vs one sentence).

    The claim head decides whether a claim takes a side on the statement; which side follows from
    polarity rules (the claim's extracted polarity/voice and negation cues against the statement's).
    """

    name = "trained"

    def __init__(self, embedder, tfidf, article_model, claim_model, meta: dict) -> None:
        self.embedder = embedder
        self.meta = meta
        self.dense = bool(meta["settings"]["dense"])
        # The fitted scikit-learn parts, evaluated by service/stance/fast.py (same outputs, no per-call overhead).
        self.tfidf = CompiledTfidf(tfidf)
        self.article_model = CompiledTreeEnsemble(article_model)
        self.claim_model = CompiledTreeEnsemble(claim_model)
        self._article_classes = [str(c) for c in article_model.classes_]
        self._claim_classes = [str(c) for c in claim_model.classes_]
        self._sources: OrderedDict[str, tuple[Body, dict[int, float]]] = OrderedDict()
        self._sources_lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path, embedder) -> TrainedStanceModel:
        """Load the artefact written by scripts/train_stance.py; ``embedder`` must be the model it was trained with."""
        directory = Path(path)
        if not (directory / ARTEFACT_FILE).is_file():
            raise FileNotFoundError(f"no stance model at {directory / ARTEFACT_FILE}; run scripts/train_stance.py")
        meta = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        if int(getattr(embedder, "dim", meta["embedding_dim"])) != meta["embedding_dim"]:
            raise ValueError(
                f"stance model {directory} needs {meta['embedding_model']} embeddings (dim {meta['embedding_dim']}), "
                f"got dim {embedder.dim}"
            )
        parts = joblib.load(directory / ARTEFACT_FILE)
        return cls(embedder, parts["tfidf"], parts["article"], parts["claim"], meta)

    # -- article level ---------------------------------------------------------------------------------------

    def _bodies(self, texts: Sequence[str]) -> list[Body]:
        sentences = [body_sentences(text) for text in texts]
        vectors = self.embedder.encode([s for parts in sentences for s in parts])
        return make_bodies(texts, sentences, vectors)

    def predict_pairs(self, headlines: Sequence[str], body_ids: Sequence[str], bodies: dict[str, str]) -> list[str]:
        """FNC-1 labels for (headline, body id) pairs, embedding each distinct text once."""
        return self.predict_pairs_with_orders(headlines, body_ids, bodies)[0]

    def predict_pairs_with_orders(
        self, headlines: Sequence[str], body_ids: Sequence[str], bodies: dict[str, str]
    ) -> tuple[list[str], list[np.ndarray]]:
        """FNC-1 labels, and each body's sentence indexes ordered by similarity to its headline."""
        used = sorted(set(body_ids))
        by_id = dict(zip(used, self._bodies([bodies[b] for b in used])))
        unique = sorted(set(headlines))
        vectors = self.embedder.encode(unique)
        index = {h: i for i, h in enumerate(unique)}
        features, orders = feature_matrix(
            headlines, vectors[[index[h] for h in headlines]], [by_id[b] for b in body_ids], self.tfidf, self.dense
        )
        probabilities = self.article_model.predict_proba(features)
        return [self._article_classes[int(i)] for i in np.argmax(probabilities, axis=1)], list(orders)

    def classify_article(self, statement: str, text: str) -> ArticleStance:
        """FNC-1 label of ``text`` toward ``statement``; evidence indexes ``split_sentences(text)``."""
        return self.article_stance_and_order(statement, text)[0]

    def article_stance_and_order(self, statement: str, text: str) -> tuple[ArticleStance, np.ndarray]:
        """The article-level stance, and the body sentences ordered by similarity to the statement."""
        body = self._bodies([text])[0]
        vector = self.embedder.encode([statement])[0]
        features, orders = feature_matrix([statement], vector[None, :], [body], self.tfidf, self.dense)
        return self._article_stance(self.article_model.predict_proba(features)[0], orders[0]), orders[0]

    def classify_sources(
        self, statement: str, sources: Sequence[SourceInput], statement_vector: np.ndarray | None = None
    ) -> list[ArticleStance]:
        """Article-level stance of each stored source, from its claims' stored vectors (nothing is re-encoded).

        The source's claims stand in for the body sentences the article head was trained on; evidence
        indexes ``SourceInput.claim_texts``.
        """
        if not sources:
            return []
        if statement_vector is None:
            statement_vector = self.embedder.encode([statement])[0]
        statement_tfidf = self.tfidf.vector(statement)
        bodies, cosines = [], []
        for source in sources:
            body, body_tfidf = self._source_body(source)
            bodies.append(body)
            cosines.append(self.tfidf.cosine(statement_tfidf, body_tfidf))
        vectors = np.repeat(np.asarray(statement_vector, dtype=np.float32)[None, :], len(sources), axis=0)
        features, orders = feature_matrix([statement] * len(sources), vectors, bodies, self.tfidf, self.dense,
                                          cosines=np.asarray(cosines, dtype=np.float32))
        return [self._article_stance(p, order) for p, order in zip(self.article_model.predict_proba(features), orders)]

    def _source_body(self, source: SourceInput) -> tuple[Body, dict[int, float]]:
        """The analysed source (cached by key: analysing 50 claims costs more than classifying them)."""
        with self._sources_lock:
            cached = self._sources.get(source.key)
            if cached is not None and len(cached[0].sentences) == len(source.claim_texts):
                self._sources.move_to_end(source.key)
                return cached
        texts = tuple(source.claim_texts)
        vectors = np.asarray(source.claim_vectors, dtype=np.float32).reshape(len(texts), -1)
        body = Body(source.text, texts, tuple(analyse(t) for t in texts), vectors)
        entry = (body, self.tfidf.vector(source.text))
        with self._sources_lock:
            self._sources[source.key] = entry
            while len(self._sources) > SOURCE_CACHE_SIZE:
                self._sources.popitem(last=False)
        return entry

    def _article_stance(self, probabilities: np.ndarray, order: np.ndarray) -> ArticleStance:
        best = int(np.argmax(probabilities))
        label = self._article_classes[best]
        evidence = [] if label == "unrelated" else [int(i) for i in order[:EVIDENCE_SENTENCES]]
        return ArticleStance(label, float(probabilities[best]), evidence)

    # -- claim level -----------------------------------------------------------------------------------------

    def classify(
        self, statement: str, claims: Sequence[StanceInput], statement_vector: np.ndarray | None = None
    ) -> list[Stance]:
        """Stance of each single-sentence claim toward ``statement`` (supports / refutes / neutral)."""
        if not claims:
            return []
        if statement_vector is None:
            statement_vector = self.embedder.encode([statement])[0]
        vectors = self._claim_vectors(claims)
        infos = [analyse(c.text) for c in claims]
        bodies = [Body(c.text, (c.text,), (info,), vectors[i : i + 1]) for i, (c, info) in enumerate(zip(claims, infos))]
        statement_vectors = np.repeat(np.asarray(statement_vector, dtype=np.float32)[None, :], len(claims), axis=0)
        features, _ = feature_matrix([statement] * len(claims), statement_vectors, bodies, self.tfidf, dense=False)
        probabilities = self.claim_model.predict_proba(features)
        statement_info = analyse(statement)
        return [
            self._claim_stance(statement_info, claim, info, dict(zip(self._claim_classes, map(float, p))))
            for claim, info, p in zip(claims, infos, probabilities)
        ]

    def _claim_vectors(self, claims: Sequence[StanceInput]) -> np.ndarray:
        """The claims' stored vectors; only those missing are encoded."""
        missing = [i for i, c in enumerate(claims) if c.vector is None]
        encoded = self.embedder.encode([claims[i].text for i in missing]) if missing else None
        vectors = np.empty((len(claims), self.meta["embedding_dim"]), dtype=np.float32)
        for i, claim in enumerate(claims):
            if claim.vector is not None:
                vectors[i] = claim.vector
        if encoded is not None:
            vectors[missing] = encoded
        return vectors

    def _claim_stance(
        self, statement: TextInfo, claim: StanceInput, info: TextInfo, probabilities: dict[str, float]
    ) -> Stance:
        """Learned: does the claim take a side (claim head). Rules: which side, from polarity and voice."""
        unrelated = probabilities.get("unrelated", 0.0)
        related = 1.0 - unrelated
        # "The missile part is completely wrong." negates a statement topic word: related despite low similarity.
        negates_topic = negated_topic(info, statement.content) > 0 and claim.similarity >= NEGATED_TOPIC_MIN_SIMILARITY
        if related < RELATED_PROBABILITY and not negates_topic:
            return Stance("neutral", unrelated)
        if claim.voice == "refuses_to_confirm":
            return Stance("neutral", related)
        claim_negative = claim.polarity == "negative" or claim.voice == "denies" or info.negation + info.refute > 0
        statement_negative = statement.negation + statement.refute > 0
        if claim_negative == statement_negative and claim.voice in HEDGED_VOICES:
            discuss = probabilities.get("discuss", 0.0)
            if discuss > probabilities.get("agree", 0.0) + probabilities.get("disagree", 0.0):
                return Stance("neutral", discuss)
        label = "refutes" if claim_negative != statement_negative else "supports"
        return Stance(label, max(related, RULE_CONFIDENCE) if negates_topic else related)
