"""Extraction: article text -> cleaned text, sentences, claims with speaker, verb, voice and polarity.

One interface, :class:`Extractor`, so that a better model can replace the rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from .attribution import (
    OPENERS,
    VERB,
    Attribution,
    Attributor,
    QuoteRegion,
    find_quote_regions,
    has_unclosed_quote,
    polarity_of,
)
from .cleaning import clean_article, content_hash, normalise
from .sentences import Sentence, split_sentences

__all__ = ["ExtractedArticle", "ExtractedClaim", "Extractor", "RuleExtractor", "content_hash", "normalise"]

MIN_CLAIM_WORDS = 4
NOT_A_CLAIM = re.compile(r"\?[\"'”’)]*$")


@dataclass(frozen=True)
class ExtractedClaim:
    text: str
    start: int  # span of ``text`` in the cleaned article text
    end: int
    speaker: str | None
    speaker_role: str | None
    speaker_is_person: bool
    verb: str | None
    voice: str
    polarity: str


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # the cleaned article text that claim spans refer to
    title: str | None
    stated_date: date | None
    claims: list[ExtractedClaim] = field(default_factory=list)
    dropped_lines: tuple[str, ...] = ()


class Extractor(Protocol):
    def extract(self, raw_text: str) -> ExtractedArticle: ...


class RuleExtractor:
    """Rule-based extraction: boilerplate filters, a quotation-aware splitter, reporting-verb rules."""

    name = "rules-v1"

    def extract(self, raw_text: str) -> ExtractedArticle:
        clean = clean_article(raw_text)
        attributor = Attributor()
        claims: list[ExtractedClaim] = []
        index_of_text: dict[str, int] = {}
        continued: Attribution | None = None  # a quotation running on from the previous paragraph
        for paragraph in re.finditer(r"[^\n]+", clean.text):
            text = paragraph.group(0)
            regions = find_quote_regions(text)
            if continued and OPENERS.match(text):
                regions.insert(0, QuoteRegion(1, len(text), continued))
            for region in regions:
                region.attribution = region.attribution or attributor.attribute_quote(text, region)
            paragraph_claims = [
                claim
                for sentence in split_sentences(text)
                if (claim := self._claim(attributor, text, paragraph.start(), sentence, regions)) is not None
            ]
            continued = None
            if has_unclosed_quote(text) and paragraph_claims:
                continued = next((r.attribution for r in reversed(regions) if r.attribution), None) or Attribution(
                    attributor.speakers.last_person, None, "asserts"
                )
            for claim in paragraph_claims:
                key = " ".join(claim.text.lower().split())
                if key not in index_of_text:
                    index_of_text[key] = len(claims)
                    claims.append(claim)
                elif claim.speaker and not claims[index_of_text[key]].speaker:
                    claims[index_of_text[key]] = claim  # a repeated pull quote: keep the attributed copy
        return ExtractedArticle(clean.text, clean.title, clean.stated_date, claims, clean.dropped_lines)

    def _claim(
        self, attributor: Attributor, paragraph: str, base: int, sentence: Sentence, regions: list[QuoteRegion]
    ) -> ExtractedClaim | None:
        if len(sentence.text.split()) < MIN_CLAIM_WORDS or NOT_A_CLAIM.search(sentence.text):
            return None
        start, end = sentence.start, sentence.end
        region = next((r for r in regions if r.start < sentence.end and r.end > sentence.start), None)
        attribution: Attribution | None = None
        if region and region.attribution and region.attribution.speaker:
            attribution = region.attribution
            inner_start, inner_end = max(start, region.start), min(end, region.end)
            outside = paragraph[start:inner_start] + paragraph[inner_end:end]
            # Keep the quoted words as the claim when the rest is only the attribution.
            speaker_words = set(attribution.speaker.name.split())
            attributes = bool(VERB.search(outside)) or bool(speaker_words & set(re.findall(r"[\w’'-]+", outside)))
            if len(paragraph[inner_start:inner_end].split()) >= MIN_CLAIM_WORDS and attributes:
                start, end = inner_start, inner_end
        if attribution is None:
            attribution = attributor.attribute_sentence(sentence.text)
        attributor.speakers.note(attribution.speaker)
        text = paragraph[start:end].strip(" “”\"‘’',")
        start = start + paragraph[start:end].index(text) if text else start
        end = start + len(text)
        speaker = attribution.speaker
        return ExtractedClaim(
            text=text,
            start=base + start,
            end=base + end,
            speaker=speaker.name if speaker else None,
            speaker_role=speaker.role if speaker else None,
            speaker_is_person=bool(speaker and speaker.is_person),
            verb=attribution.verb,
            voice=attribution.voice,
            polarity=polarity_of(text, attribution.voice, attribution.verb),
        )
