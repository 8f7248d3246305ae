"""Extraction: article text -> cleaned text, sentences, claims with speakers, verb, voice, polarity and date.

One interface, :class:`Extractor`, so that a better model can replace the rules: ``load_extractor(name)`` gives
``"rules"`` (:class:`RuleExtractor`) or ``"spacy"`` (:class:`~service.extraction.spacy_extractor.SpacyExtractor`,
the same pipeline with a dependency parse and named entities for speakers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, Sequence

from .attribution import (
    ATTRIBUTION_ONLY,
    OPENERS,
    VERB,
    VERB_PATTERN,
    Attribution,
    Attributor,
    QuoteRegion,
    Speaker,
    continue_quotations,
    find_quote_regions,
    has_unclosed_quote,
    organisation_of,
    polarity_of,
    voice_of,
)
from .cleaning import clean_article, content_hash, normalise
from .dates import find_time_expression
from .references import link_references
from .sentences import Sentence, split_sentences

__all__ = [
    "ClaimSpeaker", "ExtractedArticle", "ExtractedClaim", "Extractor", "RuleExtractor", "content_hash",
    "load_extractor", "normalise",
]

MIN_CLAIM_WORDS = 4
NOT_A_CLAIM = re.compile(r"\?[\"'”’)]*$")
CALL_TO_ACTION = re.compile(
    r"^(?:Please|Click|Subscribe|Sign up|Follow us|Share this|Donate|Support us|Read more|Find out|Let us know|"
    r"Tell us|Send us|Join us)\b",
    re.I,
)
# "Iran has denied X and Russia maintains that Y": two claims by two speakers in one sentence.
SECOND_CLAUSE = re.compile(
    rf"(?:,\s*|\s+)and\s+(?=(?:the\s+)?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){{0,3}}\s+(?:{VERB_PATTERN})\b)"
)


@dataclass(frozen=True)
class ClaimSpeaker:
    """One speaker of a claim, as the article names it."""

    name: str
    role: str | None = None
    organisation: str | None = None
    is_person: bool = True
    aliases: tuple[str, ...] = ()  # other forms of the name in the same article ("Amirabdollahian")


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
    speaker_organisation: str | None = None
    speaker_aliases: tuple[str, ...] = ()
    co_speakers: tuple[ClaimSpeaker, ...] = ()  # "Moscow and Tehran have denied": Tehran here, Moscow above
    date: str | None = None  # the claim's time expression resolved: "YYYY-MM-DD", "YYYY-MM", or None
    time_text: str | None = None  # the time expression as written ("on Saturday"), resolved or not
    # What the claim answers when its content is a reference ("We strongly reject this information"): the
    # antecedent claim's index in the article's claim list (None for a sentence that is no claim), its text, and
    # the claim with the reference replaced by what it refers to (see references.py).
    responds_to_index: int | None = None
    responds_to_text: str | None = None
    resolved_text: str | None = None

    @property
    def standalone_text(self) -> str:
        """The claim as it stands alone: its resolved text where it refers to something, else its own words."""
        return self.resolved_text or self.text

    @property
    def speakers(self) -> tuple[ClaimSpeaker, ...]:
        if not self.speaker:
            return self.co_speakers
        first = ClaimSpeaker(self.speaker, self.speaker_role, self.speaker_organisation, self.speaker_is_person,
                             self.speaker_aliases)
        return (first, *self.co_speakers)


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # the cleaned article text that claim spans refer to
    title: str | None
    stated_date: date | None
    claims: list[ExtractedClaim] = field(default_factory=list)
    dropped_lines: tuple[str, ...] = ()


class Extractor(Protocol):
    name: str

    def extract(self, raw_text: str, published: date | None = None) -> ExtractedArticle: ...

    def extract_many(self, articles: Sequence[tuple[str, date | None]]) -> list[ExtractedArticle]: ...


@dataclass
class Draft:
    """A claim while its article is being read: speakers may still be renamed or resolved."""

    text: str
    start: int
    end: int
    speakers: list[Speaker]
    verb: str | None
    voice: str
    context: str  # the sentence (and its attribution sentence) that dates the claim


class RuleExtractor:
    """Rule-based extraction: boilerplate filters, a quotation-aware splitter, reporting-verb rules."""

    name = "rules-v2"

    def extract_many(self, articles: Sequence[tuple[str, date | None]]) -> list[ExtractedArticle]:
        """Extract (text, published) pairs in order; an extractor that can share work between articles overrides it."""
        return [self.extract(text, published) for text, published in articles]

    def extract(self, raw_text: str, published: date | None = None) -> ExtractedArticle:
        clean = clean_article(raw_text)
        article_date = published or clean.stated_date
        attributor = Attributor(self._mentioned)
        paragraphs = list(re.finditer(r"[^\n]+", clean.text))
        self._prepare(clean.text, [(p.start(), p.end()) for p in paragraphs])
        drafts: list[Draft] = []
        continued: Attribution | None = None  # a quotation running on from the previous paragraph
        for paragraph in paragraphs:
            text, base = paragraph.group(0), paragraph.start()
            regions = find_quote_regions(text)
            if continued and OPENERS.match(text):
                regions.insert(0, QuoteRegion(1, len(text), continued))
            for region in regions:
                region.attribution = region.attribution or attributor.attribute_quote(text, region)
            continue_quotations(text, regions)
            paragraph_drafts: list[Draft] = []
            for sentence in split_sentences(text):
                attributor.sentences_read.append((base + sentence.start, base + sentence.end))
                if self._attribution_only(attributor, sentence.text, paragraph_drafts or drafts[-1:]):
                    continue
                for draft in self._sentence_drafts(attributor, text, base, sentence, regions):
                    paragraph_drafts.append(draft)
                    attributor.speakers.note(draft.speakers[0] if draft.speakers else None)
            continued = None
            if has_unclosed_quote(text) and paragraph_drafts:
                continued = next((r.attribution for r in reversed(regions) if r.attribution), None) or Attribution(
                    attributor.speakers.last_person, None, "asserts"
                )
            drafts.extend(paragraph_drafts)
        self._resolve_placeholders(attributor, drafts)
        claims = self._deduplicate([self._claim(d, article_date) for d in drafts])
        claims = link_references(clean.text, claims, clean.title)
        return ExtractedArticle(clean.text, clean.title, clean.stated_date, claims, clean.dropped_lines)

    # --- hooks a model-based extractor overrides -----------------------------------------------
    def _prepare(self, text: str, paragraphs: list[tuple[int, int]]) -> None:
        """Called once per article before reading it (a parser runs here)."""

    def _attribute(self, attributor: Attributor, sentence: str, start: int) -> Attribution:
        """The attribution of a sentence (or clause) without a quotation; ``start`` is its offset in the text."""
        return attributor.attribute_sentence(sentence)

    def _extra_claims(
        self, attributor: Attributor, paragraph: str, base: int, sentence: Sentence, quoted: list[Draft]
    ) -> list[Draft]:
        """Claims outside the quotations of a sentence ("..., he added, although he admitted that X")."""
        return []

    def _mentioned(self, attributor: Attributor, kind: str, phrase: str) -> Speaker | None:
        """The latest body or person ("body", "person") named before ``phrase`` in the sentences read, though not
        as a speaker: what "the company" or "she" stands for when no speaker does. Rules cannot tell."""
        return None

    # --- reading -----------------------------------------------------------------------
    def _attribution_only(self, attributor: Attributor, sentence: str, previous: list[Draft]) -> bool:
        """'This was stated on Monday by X.': X is the speaker of the claim before; the sentence is no claim."""
        match = ATTRIBUTION_ONLY.match(sentence)
        if not match or not previous:
            return False
        speakers = attributor.speakers_from_phrase(match.group(3))
        if not speakers:
            return False
        last = previous[-1]
        if not last.speakers:
            last.speakers = speakers
            last.verb = match.group(1).lower()
            last.voice = voice_of(last.verb, sentence)
        last.context = f"{last.context} {sentence}"
        return True

    def _sentence_drafts(
        self, attributor: Attributor, paragraph: str, base: int, sentence: Sentence, regions: list[QuoteRegion]
    ) -> list[Draft]:
        if (len(sentence.text.split()) < MIN_CLAIM_WORDS or NOT_A_CLAIM.search(sentence.text)
                or CALL_TO_ACTION.match(sentence.text)):
            return []
        start, end = sentence.start, sentence.end
        quoted: list[Draft] = []
        overlapping = [r for r in regions if r.start < end and r.end > start]
        # a second quotation in a sentence whose first one is attributed: "“A,” X said, saying “B”"
        first_attributed = next((r.attribution for r in overlapping if r.attribution and r.attribution.speaker), None)
        for region in overlapping:
            attribution = region.attribution
            if not (attribution and attribution.speaker):
                attribution = first_attributed
            if not (attribution and attribution.speaker):
                continue
            inner_start, inner_end = max(start, region.start), min(end, region.end)
            outside = paragraph[start:inner_start] + paragraph[inner_end:end]
            # Keep the quoted words as the claim when the rest is only the attribution.
            names = {w for s in attribution.speakers for w in s.name.split()}
            attributes = bool(VERB.search(outside)) or bool(names & set(re.findall(r"[\w’'-]+", outside)))
            if len(paragraph[inner_start:inner_end].split()) >= MIN_CLAIM_WORDS and attributes:
                quoted.append(self._draft(paragraph, base, inner_start, inner_end, attribution, sentence.text))
            elif region is overlapping[0]:
                quoted.append(self._draft(paragraph, base, start, end, attribution, sentence.text))
                break
        if quoted:
            return quoted + self._extra_claims(attributor, paragraph, base, sentence, quoted)
        drafts = []
        clause_start = start
        cuts = [m for m in SECOND_CLAUSE.finditer(paragraph, start, end)] if not overlapping else []
        for cut in cuts + [None]:
            clause_end = cut.start() if cut else end
            clause = paragraph[clause_start:clause_end]
            attribution = self._attribute(attributor, clause, base + clause_start)
            if cut and not attribution.speaker:
                continue  # not two attributed clauses: keep the sentence whole
            drafts.append(self._draft(paragraph, base, clause_start, clause_end, attribution, sentence.text))
            if cut:
                clause_start = cut.end()
        return drafts

    def _draft(
        self, paragraph: str, base: int, start: int, end: int, attribution: Attribution, context: str
    ) -> Draft:
        piece = paragraph[start:end]
        text = piece.strip(" “”\"‘’',")
        offset = start + piece.index(text) if text else start
        return Draft(text, base + offset, base + offset + len(text), attribution.speakers, attribution.verb,
                     attribution.voice, context)

    def _resolve_placeholders(self, attributor: Attributor, drafts: list[Draft]) -> None:
        """'Iran's Foreign Minister said ...' before the minister is named: the person named later with that role."""
        for draft in drafts:
            resolved = []
            for speaker in draft.speakers:
                if speaker.placeholder:
                    title = speaker
                    speaker = attributor.speakers.by_title(title.name)
                    if speaker is None and title.office:  # never named: the office speaks ("Chile's finance minister")
                        office = title.office
                        speaker = attributor.speakers.resolve(office.name, office.role, is_person=True)
                        speaker.organisation = speaker.organisation or office.organisation
                    if speaker is None:
                        continue
                if speaker not in resolved:
                    resolved.append(speaker)
            draft.speakers = resolved

    def _claim(self, draft: Draft, article_date: date | None) -> ExtractedClaim:
        time = find_time_expression(draft.context, article_date)
        first = draft.speakers[0] if draft.speakers else None
        co = tuple(
            ClaimSpeaker(s.name, s.role, s.organisation or organisation_of(s.role), s.is_person, tuple(sorted(s.aliases)))
            for s in draft.speakers[1:]
        )
        return ExtractedClaim(
            text=draft.text,
            start=draft.start,
            end=draft.end,
            speaker=first.name if first else None,
            speaker_role=first.role if first else None,
            speaker_is_person=bool(first and first.is_person),
            verb=draft.verb,
            voice=draft.voice,
            polarity=polarity_of(draft.text, draft.voice, draft.verb),
            speaker_organisation=(first.organisation or organisation_of(first.role)) if first else None,
            speaker_aliases=tuple(sorted(first.aliases)) if first else (),
            co_speakers=co,
            date=time.resolved if time else None,
            time_text=time.text if time else None,
        )

    @staticmethod
    def _deduplicate(claims: list[ExtractedClaim]) -> list[ExtractedClaim]:
        """A repeated pull quote is one claim: keep the attributed copy."""
        kept: list[ExtractedClaim] = []
        index_of_text: dict[str, int] = {}
        for claim in claims:
            key = " ".join(claim.text.lower().split())
            if key not in index_of_text:
                index_of_text[key] = len(kept)
                kept.append(claim)
            elif claim.speaker and not kept[index_of_text[key]].speaker:
                kept[index_of_text[key]] = claim
        return kept


def load_extractor(name: str) -> Extractor:
    """The extractor named by configuration: 'spacy' (parser + NER + rules) or 'rules'."""
    choice = (name or "spacy").strip().lower()
    if choice == "rules":
        return RuleExtractor()
    if choice == "spacy":
        from .spacy_extractor import SpacyExtractor

        return SpacyExtractor()
    raise ValueError(f"FACTCHECK_EXTRACTOR={name!r}: expected 'spacy' or 'rules'")
