"""Fact-level claim stance: a cross-encoder fine-tuned here (scripts/train_claim_stance.py), run by ONNX Runtime.

The model reads the pair (claim content, statement) and gives supports / refutes / neutral for the same fact,
not the same topic: another weapon, another actor, another number or date, an antonym, a plan or a rumour
are told apart. Voice is applied on top of the content: "X denied that P" is judged as P and flipped;
"X neither confirmed nor denied" is neutral; a rejection of what the claim answers ("We strongly reject this
information", extraction's ``responds_to``) is judged on that antecedent and flipped. Probabilities are
calibrated by a temperature fitted on the validation split; a side the model is not sure of (below
``side_threshold``) is reported as neutral. On top of the model, the parse's fact checks (facts.py) turn another
actor's same act, or the same act on another made thing, to neutral; a conflicting number, an opposite verb, a part
against the whole, "after" against "before", a denied act or a contest's winner losing to refutes; and one result
told the other way round to supports. Before it, a capital is named as its country and a count that entails the
statement's is written as the statement writes it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np

from ..extraction.verbs import CONTENT_VERBS
from ..onnx_classifier import OnnxClassifier, softmax
from .base import ArticleStance, SourceInput, Stance, StanceInput
from .facts import (CONFLICT, HEDGED, NUMBER_WORDS, OTHER_FACT, SAME_FACT, FactReader, compare,
                    name_countries_alike, numbers_alike)
from .features import body_sentences

LABELS = ("supports", "refutes", "neutral")
SUPPORTS, REFUTES, NEUTRAL = range(3)
DEFAULT_SIDE_THRESHOLD = 0.5
# A trailing source attribution is not part of the content: "..., according to TASS Russian state news."
TRAILING_SOURCE = re.compile(r",\s*(?:according to|citing|as reported by)\s+[^,;]{1,80}[.!]?$", re.I)
EVIDENCE_SENTENCES = 3
# The parse's fact checks apply to pairs the model finds related (neutral below this) and move this share of the
# probability: support to neutral for another fact, support and neutral to refutes for a conflicting detail,
# refutation to support for one contest's result told the other way round.
FACT_CHECK_RELATED, FACT_CHECK_WEIGHT = 0.6, 0.9
# A claim whose own embedding is this far from the statement's (cosine below it) shares no topic with it: the
# cross-encoder is not asked, and the pair is neutral. Random pairings of validation statements and claims: 16 of
# the 34 sides the model gave were below it, and 2 of 3,000 validation pairs (FEVER, FNC-1, VitaminC); a claim
# judged on what it answers (its context) is always asked.
UNRELATED_SIMILARITY = 0.1
# A text that may count something: a digit or a number word (the others are not parsed for their counts).
NUMBER = re.compile(r"\d|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.I)


def calibration_error(probabilities: np.ndarray, truth: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the chosen label's probability (equal-width bins)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood on held-out pairs (a 1-D search)."""
    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.log(np.clip(p[np.arange(len(truth)), truth], 1e-12, None)).mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 200))
    return float(grid[int(np.argmin([nll(t) for t in grid]))])


def attributed_content(text: str, verb: str | None) -> tuple[str, bool]:
    """The content a reporting verb governs, and whether it was split off.

    "Amirabdollahian on Friday denied that Iran has supplied drones" -> ("Iran has supplied drones", True);
    "X said Iran had supplied drones" -> ("Iran had supplied drones", True); "Iran had supplied drones, U.S.
    officials said." -> ("Iran had supplied drones.", True). A quotation (the text is the quoted
    words), "accused Iran of ..." or "denied supplying ..." stay whole and the model reads the reporting verb.
    """
    if not verb:
        return text, False
    trailing = re.match(rf"^(?P<content>.{{12,}}?)[,;]\s*(?:[\w.’'-]+\s+){{1,6}}?{re.escape(verb)}\s*[.!]?$", text,
                        flags=re.I | re.S)
    if trailing and len(trailing.group("content").split()) >= 3:  # "P, U.S. officials said."
        content = trailing.group("content").strip().rstrip(",;")
        return content[0].upper() + content[1:] + ".", True
    match = re.search(rf"\b{re.escape(verb)}\b(?:,\s*)?(\s+that\b)?\s*", text, flags=re.I)
    if match is None:
        return text, False
    rest = text[match.end():].strip()
    if not match.group(1) and verb.lower() not in CONTENT_VERBS:
        return text, False
    rest = TRAILING_SOURCE.sub("", rest)
    if len(rest.split()) < 3:
        return text, False
    return rest[0].upper() + rest[1:], True


def judged_content(claim: StanceInput) -> tuple[str, bool, str]:
    """What the model reads of ``claim``, whether its voice turns the answer round, and the text its fact is
    parsed from."""
    content, governed = attributed_content(claim.text, claim.verb)
    flip = governed and claim.voice == "denies"
    fact = claim.text if governed and not flip else content  # "X said it ...": the parse names "it"
    if claim.context and (claim.voice == "denies" or claim.polarity == "negative"):
        # "We strongly reject this information": judged on the information it rejects, turned round
        content, flip = attributed_content(claim.context, None)[0], True
        fact = content
    return content, flip, fact


class ClaimStanceClassifier(OnnxClassifier):
    """The shipped cross-encoder: (claim, statement) pairs -> logits over LABELS, through ONNX Runtime."""

    training_script = "scripts/train_claim_stance.py"
    labels = len(LABELS)

    def __init__(self, model_dir: str | Path, temperature: float | None = None, threads: int = 1,
                 model_file: str | Path | None = None, parallel: int = 1) -> None:
        super().__init__(model_dir, threads, model_file, temperature, parallel)
        self.side_threshold = float(self.settings.get("side_threshold", DEFAULT_SIDE_THRESHOLD))

    def logits(self, claims: Sequence[str], statements: Sequence[str]) -> np.ndarray:
        """Raw logits (len(claims), 3), one pair per run."""
        return self.run(list(zip(claims, statements)))

    def probabilities(self, claims: Sequence[str], statements: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities (len(claims), 3) in LABELS order."""
        return softmax(self.logits(claims, statements) / self.temperature)

    def decide(self, probabilities: np.ndarray) -> Stance:
        """The label of one calibrated row: a side only when its probability reaches ``side_threshold``."""
        best = int(np.argmax(probabilities))
        if best != NEUTRAL and probabilities[best] < self.side_threshold:
            return Stance("neutral", float(1.0 - probabilities[best]))
        return Stance(LABELS[best], float(probabilities[best]))


class FactStanceModel:
    """Claim-level stance from the fact-level cross-encoder, with the claim's voice applied to its content.

    Articles: relatedness comes from the FNC-1 article head (``related``, the trained model, when given) and the
    side from the cross-encoder over the article's sentences or matched claims.
    """

    name = "fact"

    def __init__(self, classifier: ClaimStanceClassifier, related=None,  # noqa: ANN001
                 facts: FactReader | None = None) -> None:
        self.classifier = classifier
        self.related = related  # TrainedStanceModel: its article head decides related / unrelated
        self.facts = facts  # the parse's fact checks on top of the model (None: the model alone)
        article = classifier.settings.get("article", {})
        self.disagree_threshold = float(article.get("disagree_threshold", 0.5))
        self.agree_threshold = float(article.get("agree_threshold", 0.5))
        self.article_sentences = int(article.get("sentences", 8))

    @classmethod
    def load(cls, model_dir: str | Path, related=None, threads: int = 1,  # noqa: ANN001
             parallel: int = 1, fact_checks: bool = True) -> FactStanceModel:
        return cls(ClaimStanceClassifier(model_dir, threads=threads, parallel=parallel), related,
                   FactReader() if fact_checks else None)

    # -- claim level -----------------------------------------------------------------------------------------

    def content_probabilities(self, statement: str, claims: Sequence[StanceInput]) -> np.ndarray:
        """Calibrated probabilities of each claim's stance toward ``statement``, its voice applied."""
        judged = [judged_content(claim) for claim in claims]
        contents, flips, facts = [c for c, _, _ in judged], [f for _, f, _ in judged], [t for _, _, t in judged]
        # with the fact checks on, one party under one name for the model too ("Tehran" where the other side says Iran)
        pairs = [name_countries_alike(statement, c) if self.facts is not None else (statement, c) for c in contents]
        pairs = self.numbers_alike(statement, facts, pairs)
        probabilities = self.check_facts(statement, facts, self.classifier.probabilities([c for _, c in pairs],
                                                                                         [s for s, _ in pairs]))
        for row, (claim, flip) in enumerate(zip(claims, flips)):
            if flip:  # "X denied that P": against the statement when P supports it; no side when P refutes it
                supports, refutes = probabilities[row, SUPPORTS], probabilities[row, REFUTES]
                probabilities[row] = (0.0, supports, probabilities[row, NEUTRAL] + refutes)
            if claim.voice == "refuses_to_confirm":  # "neither confirmed nor denied": no side, whatever P says
                probabilities[row] = (0.0, 0.0, 1.0)
        return probabilities

    def warm(self, claims: Sequence[StanceInput]) -> int:
        """Parse the facts of stored claims ahead of the checks that will judge them (off the request path);
        the number parsed now."""
        if self.facts is None:
            return 0
        return self.facts.warm([judged_content(claim)[2] for claim in claims])

    def numbers_alike(self, statement: str, facts: Sequence[str], pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The pairs with a claim's count that entails the statement's bound or approximation of the same thing
        written as the statement writes it (facts.numbers_alike), when the fact checks are on."""
        said = self.facts.fact(statement) if self.facts is not None else None
        if said is None or not any(a.bound != "exact" and a.unit for a in said.amounts):
            return pairs
        counted = [row for row, text in enumerate(facts) if NUMBER.search(text)]  # only these are parsed for it
        pairs = list(pairs)
        for row, fact in zip(counted, self.facts.facts([facts[row] for row in counted])):
            if fact is not None:
                pairs[row] = (pairs[row][0], numbers_alike(said, fact, pairs[row][1]))
        return pairs

    def check_facts(self, statement: str, claims: Sequence[str], probabilities: np.ndarray) -> np.ndarray:
        """The model's probabilities with the parse's fact checks (facts.py) of each claim's text against the
        statement applied to the related pairs."""
        related = [row for row in range(len(claims)) if probabilities[row, NEUTRAL] < FACT_CHECK_RELATED]
        if self.facts is None or not related:
            return probabilities
        said = self.facts.fact(statement)
        if said is None:
            return probabilities
        facts = self.facts.facts([claims[row] for row in related])
        w = FACT_CHECK_WEIGHT
        for row, fact in zip(related, facts):
            verdict = compare(said, fact) if fact is not None else None
            s, r, n = probabilities[row]
            if verdict == OTHER_FACT:  # a refutation stays: "directed by X" against "directed by Y" is one
                probabilities[row] = (s * (1 - w), r, n + w * s)
            elif verdict == CONFLICT:
                probabilities[row] = (s * (1 - w), r + w * (s + n), n * (1 - w))
            elif verdict == HEDGED:  # a rumour or a possibility takes no side on the fact itself
                probabilities[row] = (s * (1 - w), r * (1 - w), n + w * (s + r))
            elif verdict == SAME_FACT:  # one result told the other way round: "X lost to Y" / "Y beat X"
                probabilities[row] = (s + w * r, r * (1 - w), n)
        return probabilities

    def classify(
        self, statement: str, claims: Sequence[StanceInput], statement_vector: np.ndarray | None = None
    ) -> list[Stance]:
        unrelated = [c.vector is not None and not c.context and c.similarity < UNRELATED_SIMILARITY for c in claims]
        asked = [c for c, skip in zip(claims, unrelated) if not skip]
        judged = iter([self.classifier.decide(p) for p in self.content_probabilities(statement, asked)])
        return [Stance("neutral", 1.0) if skip else next(judged) for skip in unrelated]

    # -- article level -----------------------------------------------------------------------------------------

    def side(self, support: float, refute: float) -> str:
        """agree / disagree / discuss from the strongest supporting and refuting probability among an article's texts."""
        if refute >= self.disagree_threshold:
            return "disagree"
        return "agree" if support >= self.agree_threshold else "discuss"

    def side_of_texts(self, statement: str, texts: Sequence[str]) -> tuple[str, float, list[int]]:
        """agree / disagree / discuss from the strongest supporting and refuting text, with the deciding ones."""
        if not texts:
            return "discuss", 1.0, []
        p = self.classifier.probabilities(list(texts), [statement] * len(texts))
        refute, support = p[:, REFUTES], p[:, SUPPORTS]
        label = self.side(float(support.max()), float(refute.max()))
        if label == "disagree":
            return label, float(refute.max()), [int(i) for i in np.argsort(-refute)[:EVIDENCE_SENTENCES]]
        if label == "agree":
            return label, float(support.max()), [int(i) for i in np.argsort(-support)[:EVIDENCE_SENTENCES]]
        neutral = p[:, NEUTRAL]
        return label, float(neutral.mean()), [int(i) for i in np.argsort(-(support + refute))[:EVIDENCE_SENTENCES]]

    def article_candidates(self, sentences: Sequence[str], order: Sequence[int] | None) -> list[int]:
        """The body sentences the side is read from: the lead and those nearest the statement."""
        ranked = list(order) if order is not None else list(range(len(sentences)))
        chosen = [0] if sentences else []
        for i in ranked:
            if len(chosen) >= self.article_sentences:
                break
            if int(i) not in chosen:
                chosen.append(int(i))
        return chosen

    def classify_article(self, statement: str, text: str) -> ArticleStance:
        """FNC-1 label of ``text`` toward ``statement``; evidence indexes ``body_sentences(text)``."""
        sentences = body_sentences(text)
        if not sentences:
            return ArticleStance("unrelated", 1.0, [])
        order = None
        if self.related is not None:
            head, order = self.related.article_stance_and_order(statement, text)
            if head.label == "unrelated":
                return head
        candidates = self.article_candidates(sentences, order)
        label, confidence, evidence = self.side_of_texts(statement, [sentences[i] for i in candidates])
        return ArticleStance(label, confidence, [candidates[i] for i in evidence])

    def strongest_sides(
        self, headlines: Sequence[str], body_ids: Sequence[str], bodies: dict[str, str]
    ) -> tuple[list[str], np.ndarray]:
        """The article head's label of each (headline, body id) pair, and for related pairs the strongest supports
        and refutes probability among the body's candidate sentences ((n, 2); zeros for unrelated pairs)."""
        if self.related is None:
            raise ValueError("FNC-1 pairs need the article head (models/stance) for relatedness")
        heads, orders = self.related.predict_pairs_with_orders(headlines, body_ids, bodies)
        split = {body_id: body_sentences(bodies[body_id]) for body_id in set(body_ids)}
        strongest = np.zeros((len(headlines), 2), dtype=np.float32)
        for i, (headline, body_id, head, order) in enumerate(zip(headlines, body_ids, heads, orders)):
            if head != "unrelated" and split[body_id]:
                texts = [split[body_id][c] for c in self.article_candidates(split[body_id], order)]
                p = self.classifier.probabilities(texts, [headline] * len(texts))
                strongest[i] = p[:, SUPPORTS].max(), p[:, REFUTES].max()
        heads = [head if split[body_id] else "unrelated" for head, body_id in zip(heads, body_ids)]
        return heads, strongest

    def predict_pairs(self, headlines: Sequence[str], body_ids: Sequence[str], bodies: dict[str, str]) -> list[str]:
        """FNC-1 labels for (headline, body id) pairs: the article head's relatedness, the cross-encoder's side."""
        heads, strongest = self.strongest_sides(headlines, body_ids, bodies)
        return ["unrelated" if head == "unrelated" else self.side(float(s), float(r))
                for head, (s, r) in zip(heads, strongest)]

    def classify_sources(
        self, statement: str, sources: Sequence[SourceInput], statement_vector: np.ndarray | None = None
    ) -> list[ArticleStance]:
        """Relatedness of each stored source from the article head; the side comes from its matched claims."""
        if self.related is None:
            return [ArticleStance("discuss", 1.0, []) for _ in sources]
        return self.related.classify_sources(statement, sources, statement_vector)
