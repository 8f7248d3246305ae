"""Stance features of a (headline, body sentences) pair: embedding similarity, lexical overlap and cue words.

The same features serve a whole article (many sentences) and a single claim (one sentence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
NEGATIONS = frozenset(
    "not no never none nothing neither nor without cannot nobody nowhere n't".split()
)
REFUTE_CUES = frozenset(
    "fake fraud hoax false falsely deny denies denied denial denying debunk debunks debunked debunking bogus "
    "untrue unfounded baseless wrong wrongly myth lie lies lying rumor rumors rumour rumours misleading satire "
    "satirical refute refutes refuted reject rejects rejected dismiss dismissed dismisses doubt doubts retract "
    "retracted prank pranks nonsense fabricated fabrication incorrect inaccurate".split()
)
HEDGE_CUES = frozenset(
    "reportedly allegedly alleged alleges claim claims claimed claiming according report reports reported "
    "rumored rumoured may might could possibly apparently seems seem appears appear suggests suggest "
    "unconfirmed purportedly supposedly speculation speculate believed unverified sources source say says "
    "said if whether".split()
)
CONFIRM_CUES = frozenset(
    "confirm confirms confirmed confirming admit admits admitted acknowledge acknowledged official officially "
    "announced indeed true verified proof proves proved evidence".split()
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) - NEGATIONS
HEADLINE_CUES = ("fake", "hoax", "false", "deny", "denies", "denied", "not", "no", "debunk", "reportedly",
                 "allegedly", "claims", "report", "may", "rumor", "confirmed", "official", "?")
NEAR_WINDOW = 4  # tokens between a negation cue and a headline content word for "negated topic"
TOP_K = 3


def tokenize(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("n’t", " n't").replace("n't", " n't"))


def stem(word: str) -> str:
    """A crude suffix stripper, enough to match missile/missiles and supply/supplied."""
    if len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


@dataclass(frozen=True)
class TextInfo:
    """What the features need from one sentence or headline, computed once."""

    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    content: frozenset[str]  # stems of non-stop words
    bigrams: frozenset[tuple[str, str]]
    negation: int
    refute: int
    hedge: int
    confirm: int
    question: bool


def analyse(text: str) -> TextInfo:
    tokens = tuple(tokenize(text))
    stems = tuple(stem(t) for t in tokens)
    content = frozenset(s for t, s in zip(tokens, stems) if t not in STOP_WORDS and len(t) > 1)
    return TextInfo(
        tokens=tokens,
        stems=stems,
        content=content,
        bigrams=frozenset(zip(stems, stems[1:])),
        negation=sum(t in NEGATIONS for t in tokens),
        refute=sum(t in REFUTE_CUES for t in tokens),
        hedge=sum(t in HEDGE_CUES for t in tokens),
        confirm=sum(t in CONFIRM_CUES for t in tokens),
        question="?" in text,
    )


def negated_topic(sentence: TextInfo, topic: frozenset[str]) -> int:
    """How many negation/refutation cues stand within a few tokens of a headline content word."""
    cue_positions = [i for i, t in enumerate(sentence.tokens) if t in NEGATIONS or t in REFUTE_CUES]
    if not cue_positions:
        return 0
    topic_positions = [i for i, s in enumerate(sentence.stems) if s in topic]
    return sum(any(abs(c - p) <= NEAR_WINDOW for p in topic_positions) for c in cue_positions)


def _overlap(part: frozenset, whole: frozenset) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _headline_names() -> list[str]:
    return [f"headline_has_{cue}" for cue in HEADLINE_CUES]


FEATURE_NAMES: tuple[str, ...] = (
    "sim_max", "sim_second", "sim_top3_mean", "sim_mean", "sim_first", "sim_first3_max", "sim_body",
    "frac_sim_over_05", "n_sentences_log", "headline_tokens",
    "jaccard_body", "headline_coverage_body", "headline_coverage_best", "headline_coverage_max",
    "bigram_coverage_body", "bigram_coverage_max", "tfidf_cosine",
    "headline_negation", "headline_refute", "headline_hedge", "headline_confirm",
    "best_negation", "best_refute", "best_hedge", "best_confirm", "best_negated_topic",
    "top_negation", "top_refute", "top_hedge", "top_confirm", "top_negated_topic",
    "body_negation_rate", "body_refute_rate", "body_hedge_rate", "body_confirm_rate", "body_negated_topic",
    "negation_mismatch_best", "negation_mismatch_top",
    *_headline_names(),
)


def pair_features(
    headline: TextInfo,
    headline_vector: np.ndarray,
    headline_text: str,
    sentences: Sequence[TextInfo],
    sentence_vectors: np.ndarray,
    tfidf_cosine: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature row for one pair, and the body sentence indices ordered by similarity (best first)."""
    sims = sentence_vectors @ headline_vector if len(sentences) else np.zeros(1, dtype=np.float32)
    order = np.argsort(-sims, kind="stable")
    top = order[:TOP_K]
    n = max(len(sentences), 1)
    body_vector = sentence_vectors.sum(axis=0) if len(sentences) else np.zeros_like(headline_vector)
    body_norm = float(np.linalg.norm(body_vector))
    sim_body = float(body_vector @ headline_vector) / body_norm if body_norm else 0.0
    sorted_sims = sims[order]

    infos = list(sentences) or [analyse("")]
    body_content = frozenset().union(*(s.content for s in infos))
    body_bigrams = frozenset().union(*(s.bigrams for s in infos))
    coverage = [_overlap(headline.content, s.content) for s in infos]
    bigram_coverage = [_overlap(headline.bigrams, s.bigrams) for s in infos]
    topic = headline.content
    best = infos[int(order[0])]
    top_infos = [infos[int(i)] for i in top]
    negated = [negated_topic(s, topic) for s in infos]
    n_tokens = max(sum(len(s.tokens) for s in infos), 1)
    top_negation = sum(s.negation for s in top_infos)
    union = headline.content | body_content
    lowered = headline_text.lower()

    row = [
        float(sorted_sims[0]),
        float(sorted_sims[1]) if len(sorted_sims) > 1 else float(sorted_sims[0]),
        float(sorted_sims[:TOP_K].mean()),
        float(sims.mean()),
        float(sims[0]),
        float(sims[:3].max()),
        sim_body,
        float((sims > 0.5).mean()),
        float(np.log1p(len(sentences))),
        float(len(headline.tokens)),
        len(headline.content & body_content) / len(union) if union else 0.0,
        _overlap(headline.content, body_content),
        coverage[int(order[0])],
        max(coverage),
        _overlap(headline.bigrams, body_bigrams),
        max(bigram_coverage),
        tfidf_cosine,
        float(headline.negation),
        float(headline.refute),
        float(headline.hedge),
        float(headline.confirm),
        float(best.negation),
        float(best.refute),
        float(best.hedge),
        float(best.confirm),
        float(negated[int(order[0])]),
        float(top_negation),
        float(sum(s.refute for s in top_infos)),
        float(sum(s.hedge for s in top_infos)),
        float(sum(s.confirm for s in top_infos)),
        float(sum(negated[int(i)] for i in top)),
        sum(s.negation for s in infos) / n_tokens,
        sum(s.refute for s in infos) / n_tokens,
        sum(s.hedge for s in infos) / n_tokens,
        sum(s.confirm for s in infos) / n_tokens,
        sum(negated) / n,
        float((headline.negation > 0) != (best.negation > 0)),
        float((headline.negation > 0) != (top_negation > 0)),
        *(float(cue in lowered) if cue == "?" else float(cue in headline.tokens) for cue in HEADLINE_CUES),
    ]
    return np.asarray(row, dtype=np.float32), order


def fit_tfidf(texts: Sequence[str]) -> TfidfVectorizer:
    """TF-IDF over unigrams and bigrams, fitted on training headlines and bodies."""
    vectorizer = TfidfVectorizer(
        tokenizer=tokenize, token_pattern=None, lowercase=False, stop_words=sorted(STOP_WORDS),
        ngram_range=(1, 2), min_df=2, max_features=50_000, sublinear_tf=True, dtype=np.float32,
    )
    vectorizer.fit(texts)
    return vectorizer


def tfidf_cosines(vectorizer: TfidfVectorizer, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Row-wise cosine of TF-IDF vectors (rows are L2-normalised by the vectorizer)."""
    if hasattr(vectorizer, "cosines"):  # a CompiledTfidf (service/stance/fast.py)
        return vectorizer.cosines(left, right)
    a = vectorizer.transform(left)
    b = vectorizer.transform(right)
    return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float32).ravel()


MAX_BODY_SENTENCES = 80  # longer bodies are judged on their first sentences


@dataclass(frozen=True)
class Body:
    """A body split into sentences, each analysed and embedded."""

    text: str
    sentences: tuple[str, ...]
    infos: tuple[TextInfo, ...]
    vectors: np.ndarray  # (len(sentences), dim), L2-normalised


def body_sentences(text: str) -> list[str]:
    from service.extraction.sentences import split_sentences

    return [s.text for s in split_sentences(text)][:MAX_BODY_SENTENCES]


def make_bodies(texts: Sequence[str], sentences: Sequence[Sequence[str]], vectors: np.ndarray) -> list[Body]:
    """Bodies from their texts, sentence lists and the stacked sentence vectors (in the same order)."""
    bodies, start = [], 0
    for text, parts in zip(texts, sentences, strict=True):
        end = start + len(parts)
        bodies.append(Body(text, tuple(parts), tuple(analyse(s) for s in parts), vectors[start:end]))
        start = end
    return bodies


def focus_vector(body: Body, order: np.ndarray) -> np.ndarray:
    """Normalised mean of the body sentences most similar to the headline."""
    if not len(body.sentences):
        return np.zeros(body.vectors.shape[1], dtype=np.float32)
    mean = body.vectors[order[:TOP_K]].mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-6)


def feature_matrix(
    headlines: Sequence[str],
    headline_vectors: np.ndarray,
    bodies: Sequence[Body],
    tfidf: TfidfVectorizer,
    dense: bool,
    cosines: np.ndarray | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Features of aligned (headline, body) pairs, and each body's sentence order by similarity.

    With ``dense``, the element-wise product of the headline vector and the body's focus vector is appended.
    ``cosines`` are the pairs' TF-IDF cosines when the caller already has them.
    """
    infos: dict[str, TextInfo] = {}
    if cosines is None:
        cosines = tfidf_cosines(tfidf, headlines, [b.text for b in bodies])
    rows, orders = [], []
    for headline, vector, body, cosine in zip(headlines, headline_vectors, bodies, cosines, strict=True):
        info = infos.get(headline) or infos.setdefault(headline, analyse(headline))
        row, order = pair_features(info, vector, headline, body.infos, body.vectors, float(cosine))
        if dense:
            row = np.concatenate([row, vector * focus_vector(body, order)])
        rows.append(row)
        orders.append(order)
    return np.vstack(rows), orders
