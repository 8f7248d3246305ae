"""Scores an extractor against a hand-annotated gold file (tests/gold/seed_claims.json).

Matching (one-to-one, per article): claim texts are compared as sequences of lower-cased word tokens;
``shared`` is the number of tokens in the blocks common to both (difflib). A gold claim and an extracted claim
can match when ``shared / min(len)`` >= 0.75 (one contains most of the other) and ``shared / max(len)`` >= 0.25
(neither is a small piece of a much longer text); pairs are taken greedily, best ``shared / max(len)`` first.
Then, over the matched pairs: speaker accuracy (the set of extracted speakers equals the gold set after mapping
names and aliases to canonical speakers; [] for narrative), voice accuracy, date accuracy (resolved date or null,
exactly), and responds_to accuracy over the pairs where the gold or the extraction links the claim to an antecedent
(both texts matching as claims do, or both null). An extracted claim that overlaps a gold ``not_claims`` entry the
same way is a boilerplate claim.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from . import ExtractedClaim, Extractor
from .cleaning import speaker_key
from .sentences import split_sentences

MIN_CONTAINMENT = 0.75
MIN_COVERAGE = 0.25
WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def overlap(a: list[str], b: list[str]) -> tuple[float, float]:
    """(containment, coverage) of two token lists."""
    if not a or not b:
        return 0.0, 0.0
    shared = sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return shared / min(len(a), len(b)), shared / max(len(a), len(b))


def claim_speakers(claim: ExtractedClaim) -> list[str]:
    return [s.name for s in claim.speakers]


@dataclass
class ArticleScore:
    file: str
    gold: int
    extracted: int
    matched: list[tuple[dict, ExtractedClaim]] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)
    extra: list[ExtractedClaim] = field(default_factory=list)
    boilerplate: list[tuple[ExtractedClaim, dict]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class GoldReport:
    articles: list[ArticleScore]
    canonical: dict[str, str]

    def speaker_ok(self, gold: dict, claim: ExtractedClaim) -> bool:
        found = {self.canonical.get(speaker_key(n), n) for n in claim_speakers(claim)}
        return found == set(gold["speakers"])

    @staticmethod
    def responds_to_ok(gold: dict, claim: ExtractedClaim) -> bool:
        """The antecedent found is the gold one (token overlap as for claims), or neither has one."""
        want, got = gold.get("responds_to"), claim.responds_to_text
        if not want or not got:
            return not want and not got
        containment, coverage = overlap(tokens(want), tokens(got))
        return containment >= MIN_CONTAINMENT and coverage >= MIN_COVERAGE

    def figures(self) -> dict[str, Any]:
        pairs = [p for a in self.articles for p in a.matched]
        referring = [(g, c) for g, c in pairs if g.get("responds_to") or c.responds_to_text]
        gold = sum(a.gold for a in self.articles)
        extracted = sum(a.extracted for a in self.articles)
        dated = [(g, c) for g, c in pairs if g.get("time")]
        n = len(pairs) or 1
        return {
            "gold_claims": gold,
            "extracted_claims": extracted,
            "matched": len(pairs),
            "claim_recall": round(len(pairs) / (gold or 1), 3),
            "claim_precision": round(len(pairs) / (extracted or 1), 3),
            "speaker_accuracy": round(sum(self.speaker_ok(g, c) for g, c in pairs) / n, 3),
            "voice_accuracy": round(sum(g["voice"] == c.voice for g, c in pairs) / n, 3),
            "date_accuracy": round(sum(g["date"] == c.date for g, c in pairs) / n, 3),
            "date_accuracy_with_time_expression": round(sum(g["date"] == c.date for g, c in dated) / (len(dated) or 1), 3),
            "responds_to_accuracy": round(sum(self.responds_to_ok(*p) for p in referring) / (len(referring) or 1), 3),
            "responds_to_pairs": len(referring),
            "boilerplate_claims": sum(len(a.boilerplate) for a in self.articles),
            "ms_per_article": round(1000 * sum(a.seconds for a in self.articles) / (len(self.articles) or 1), 1),
        }

    def errors(self) -> list[str]:
        """One line per missed claim, extra claim, wrong speaker, voice or date."""
        lines: list[str] = []
        for article in self.articles:
            for gold in article.missed:
                lines.append(f"{article.file[:3]} MISSED {gold['text'][:90]!r}")
            for claim in article.extra:
                lines.append(f"{article.file[:3]} EXTRA  {claim.text[:90]!r} ({claim_speakers(claim)}, {claim.voice})")
            for claim, gold in article.boilerplate:
                lines.append(f"{article.file[:3]} BOILERPLATE {claim.text[:80]!r} ({gold['why']})")
            for gold, claim in article.matched:
                if not self.speaker_ok(gold, claim):
                    lines.append(f"{article.file[:3]} SPEAKER {claim_speakers(claim)} != {gold['speakers']}: {gold['text'][:70]!r}")
                if gold["voice"] != claim.voice:
                    lines.append(f"{article.file[:3]} VOICE {claim.voice} != {gold['voice']}: {gold['text'][:70]!r}")
                if gold["date"] != claim.date:
                    lines.append(f"{article.file[:3]} DATE {claim.date} != {gold['date']}: {gold['text'][:70]!r}")
                if not self.responds_to_ok(gold, claim):
                    lines.append(f"{article.file[:3]} RESPONDS_TO {(claim.responds_to_text or '')[:40]!r} != "
                                 f"{(gold.get('responds_to') or '')[:40]!r}: {gold['text'][:50]!r}")
        return lines


def load_gold(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def canonical_names(gold: dict[str, Any]) -> dict[str, str]:
    canonical: dict[str, str] = {}
    for speaker in gold["speakers"]:
        for name in [speaker["name"], *speaker["aliases"]]:
            canonical[speaker_key(name)] = speaker["name"]
    return canonical


def _match(gold_claims: list[dict], claims: list[ExtractedClaim]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    gold_tokens = [tokens(g["text"]) for g in gold_claims]
    claim_tokens = [tokens(c.text) for c in claims]
    candidates = []
    for gi, gt in enumerate(gold_tokens):
        for ci, ct in enumerate(claim_tokens):
            containment, coverage = overlap(gt, ct)
            if containment >= MIN_CONTAINMENT and coverage >= MIN_COVERAGE:
                candidates.append((coverage, gi, ci))
    pairs, used_gold, used_claims = [], set(), set()
    for _, gi, ci in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if gi not in used_gold and ci not in used_claims:
            pairs.append((gi, ci))
            used_gold.add(gi)
            used_claims.add(ci)
    missed = [gi for gi in range(len(gold_claims)) if gi not in used_gold]
    extra = [ci for ci in range(len(claims)) if ci not in used_claims]
    return pairs, missed, extra


def evaluate(extractor: Extractor, gold: dict[str, Any], seeds_dir: Path) -> GoldReport:
    """Run ``extractor`` on every annotated seed (with the article date of the gold file) and score it."""
    scores: list[ArticleScore] = []
    for article in gold["articles"]:
        raw = (seeds_dir / article["file"]).read_text(encoding="utf-8")
        published = date.fromisoformat(article["published"]) if article["published"] else None
        started = time.perf_counter()
        extracted = extractor.extract(raw, published=published)
        seconds = time.perf_counter() - started
        claims = extracted.claims
        pairs, missed, extra = _match(article["claims"], claims)
        score = ArticleScore(article["file"], len(article["claims"]), len(claims), seconds=seconds)
        score.matched = [(article["claims"][gi], claims[ci]) for gi, ci in pairs]
        score.missed = [article["claims"][gi] for gi in missed]
        score.extra = [claims[ci] for ci in extra]
        for claim in claims:
            for skip in article["not_claims"]:
                containment, _ = overlap(tokens(skip["text"]), tokens(claim.text))
                if containment >= MIN_CONTAINMENT:
                    score.boilerplate.append((claim, skip))
                    break
        scores.append(score)
    return GoldReport(scores, canonical_names(gold))


def format_figures(name: str, figures: dict[str, Any]) -> str:
    keys = ["claim_recall", "claim_precision", "speaker_accuracy", "voice_accuracy", "date_accuracy",
            "date_accuracy_with_time_expression", "responds_to_accuracy", "responds_to_pairs", "boilerplate_claims",
            "ms_per_article"]
    head = (f"extractor {name}: {figures['matched']} of {figures['gold_claims']} gold claims matched, "
            f"{figures['extracted_claims']} extracted")
    return head + "\n" + "\n".join(f"  {k:36s} {figures[k]}" for k in keys)


# --- speakers of single sentences (tests/gold/speaker_sentences.json) -------------------------
def _speaker_name(name: str | None) -> str | None:
    """A speaker name as compared: case-folded, without a leading article or honorific."""
    if not name:
        return None
    name = re.sub(r"^(?:the|dr\.?|mr\.?|mrs\.?|ms\.?|prof\.?)\s+", "", name.strip().casefold())
    return " ".join(name.replace("’", "'").split())


@dataclass
class SpeakerScore:
    """Per split: sentences, right speakers (name, or none where none is expected), right person/body kind."""

    cases: int = 0
    right: int = 0
    kind_right: int = 0
    kind_cases: int = 0
    misses: list[str] = field(default_factory=list)


def evaluate_speakers(extractor: Extractor, cases: list[dict]) -> dict[str, SpeakerScore]:
    """Each text extracted alone; the first speaker of its first claim (or of the claim that contains the case's
    ``claim`` words) against the gold speaker (or none)."""
    scores: dict[str, SpeakerScore] = {}
    for case in cases:
        score = scores.setdefault(case.get("split", "validation"), SpeakerScore())
        claims = extractor.extract(case["text"]).claims
        if case.get("claim"):
            claims = [c for c in claims if case["claim"] in c.text]
        speaker = claims[0].speakers[0] if claims and claims[0].speakers else None
        found = speaker.name if speaker else None
        score.cases += 1
        if _speaker_name(found) == _speaker_name(case["speaker"]):
            score.right += 1
            if speaker is not None and case.get("is_person") is not None:
                score.kind_cases += 1
                score.kind_right += speaker.is_person == case["is_person"]
        else:
            score.misses.append(f"{found!r} != {case['speaker']!r}: {case['text'][:80]!r}")
    return scores


def load_speaker_cases(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


# --- what referring claims answer (tests/gold/responds_to_blind.json) ----------------------------
@dataclass
class ReferenceScore:
    """Per half: referring claims, those extracted, linked right (answers and controls apart)."""

    entries: int = 0
    extracted: int = 0
    answers: int = 0
    answers_right: int = 0
    controls: int = 0
    controls_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def linked_right(self) -> int:
        return self.answers_right + self.controls_right


def sentence_with(text: str, words: str) -> str:
    """The sentence of ``text`` (split as extraction splits it) that holds ``words``."""
    at, offset = text.index(words), 0
    for paragraph in text.split("\n"):
        if offset <= at <= offset + len(paragraph):
            return next((s.text for s in split_sentences(paragraph) if offset + s.start <= at < offset + s.end),
                        paragraph)
        offset += len(paragraph) + 1
    return words


# The words of a quotation inside gold words that also hold its marks and attribution ('“That is not true,” the
# minister said', or without the opening mark: the stored claim is the quotation).
QUOTED_WORDS = re.compile(r"(?:^|[“\"‘])([^“”\"]{8,}?)[,.]?[”\"’]")


def claim_words(words: str) -> list[str]:
    """The gold words of a claim as a stored claim holds them: as written, else the quotation inside them."""
    return [words, *(m.group(1) for m in QUOTED_WORDS.finditer(words))]


def score_reference(score: ReferenceScore, article: dict, entry: dict,
                    claims: list[tuple[str, str | None]]) -> int | None:
    """Tally one gold entry against an article's claims ``(text, responds_to_text)``: the claim holding the entry's
    words must answer the gold sentence (token overlap as claims are matched), or nothing for a control. Returns
    the position of the claim found in ``claims``, or None when no claim holds the words."""
    score.entries += 1
    where = f"{article['id']} {entry['claim'][:40]!r}"
    position = next((n for n, (text, _) in enumerate(claims) for words in claim_words(entry["claim"])
                     if words in text), None)
    if position is None:
        score.misses.append(f"{where}: not a claim")
        return None
    score.extracted += 1
    answers = claims[position][1]
    if entry["antecedent"] is None:
        score.controls += 1
        score.controls_right += answers is None
        if answers is not None:
            score.misses.append(f"{where}: a control linked to {answers[:60]!r}")
        return position
    wanted = sentence_with(article["text"], entry["antecedent"])
    score.answers += 1
    if answers and overlap(tokens(wanted), tokens(answers))[0] >= MIN_CONTAINMENT:
        score.answers_right += 1
    else:
        score.misses.append(f"{where}: context {(answers or '')[:50]!r} != {wanted[:50]!r}")
    return position


def evaluate_references(extractor: Extractor, articles: list[dict]) -> dict[str, ReferenceScore]:
    """Each article extracted alone (with its date); each gold entry scored by :func:`score_reference`."""
    scores: dict[str, ReferenceScore] = {}
    for article in articles:
        published = date.fromisoformat(article["published"]) if article.get("published") else None
        claims = [(c.text, c.responds_to_text) for c in extractor.extract(article["text"], published).claims]
        for entry in article["referring"]:
            score_reference(scores.setdefault(article["split"], ReferenceScore()), article, entry, claims)
    return scores


def load_reference_articles(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["articles"]
