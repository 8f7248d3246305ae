"""What a claim answers: claims whose content is a reference, linked to what they refer to in the article.

"We strongly reject this information", "Tehran has repeatedly denied these claims", "The missile part is
completely wrong" make no sense alone. A claim is *referring* when a reference ("this information", "these
claims", "such reports", "the accusations", "the missile part", "this", "it") is the object of its response verb
(denied, rejected, dismissed ... as, called, confident in) or its subject before a copula, and is not followed by
its own content ("denied the information about X", "accusations that X" name it).

The antecedent is the nearest claim or sentence before it (a repeated pull quote counts where its full quotation
stands) that passes, in this order of preference:

1. a cue: it contains the reference's modifier ("missile" in "the missile part") or the dismissal's word
   ("described the accusations as a ‘fuss’" -> the sentence with "fuss");
2. the kind the reference names: an allegation or a third party's assertion for "claims", "accusations"; a report
   for "reports", "the report"; a question for "the question";
3. anything that is not itself a denial (unless the denial states the accusation: "denied US accusations that X").

A referring claim met on the way stands for its own antecedent, so "such reports" after "these claims" reaches the
allegation both refer to. The resolved text replaces the reference by what it refers to ("the information that
X"), with the speaker in front when the claim does not name them.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from itertools import accumulate, islice
from typing import TYPE_CHECKING, Callable, Sequence

from .attribution import DEMONYMS
from .sentences import split_sentences

if TYPE_CHECKING:
    from . import ExtractedClaim

REPORT_NOUNS = "reports? stor(?:y|ies) articles? reporting findings".split()
ALLEGATION_NOUNS = ("claims? accusations? allegations? charges? assertions? suggestions? rumou?rs? statements? "
                    "remarks comments").split()
QUESTION_NOUNS = ["questions?"]
OTHER_NOUNS = ["information", "part"]
NOUNS = "|".join(REPORT_NOUNS + ALLEGATION_NOUNS + QUESTION_NOUNS + OTHER_NOUNS)
DETERMINERS = r"this|these|that|those|such|the|similar|its|their|his|her"
RESPONSE_VERBS = (
    r"den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|rebut(?:s|ted|ting)?|"
    r"disput(?:e|es|ed|ing)|contest(?:s|ed|ing)?|call(?:s|ed|ing)?|describ(?:e|es|ed|ing)|brand(?:s|ed|ing)?|"
    r"label(?:s|led|ed|ling)?|term(?:s|ed)?|confirm(?:s|ed|ing)?|condemn(?:s|ed|ing)?|debunk(?:s|ed|ing)?|"
    r"confident in|comment on|st(?:an)?d(?:s|ing)? by|stood by"
)
DISMISSING = re.compile(r"^(?:call|describ|brand|label|term|dismiss)", re.I)
# Words after the reference that name its content, so that the claim does not depend on the one before.
OWN_CONTENT = r"\s+(?:that|of|about|on|regarding|concerning|over|by|in which|from)\b"
PHRASE = rf"(?:(?P<det>{DETERMINERS})\s+)?(?:(?P<mod>[\w’'-]+)\s+)?(?P<noun>{NOUNS})\b(?!{OWN_CONTENT}|-)"
PRONOUN = (r"(?P<pron>this|it)(?=\s*(?:[.,;:!?”’\"')]|$)|\s+(?:as|a|an|before|again|outright|later|then|too|"
           r"strongly|categorically|flatly|firmly|immediately|on|in|at|last|earlier)\b)")
OBJECT = re.compile(rf"\b(?P<verb>{RESPONSE_VERBS})\s+(?:\w+ly\s+)?(?P<ref>{PHRASE}|{PRONOUN})", re.I)
SUBJECT = re.compile(
    rf"^(?:(?:[A-Z][\w’'-]*(?:\s+[\w’'-]+){{0,3}},|But|And|Yet|So)\s+)?(?P<ref>(?:{PHRASE})|(?P<pron>This))"
    r"\s+(?:is|are|was|were|remains?|has been|have been)\b", re.I
)
# A reporting or response verb with a clause of its own before the matched verb: the reference is not the claim's
# content ("denied his country had supplied missiles, calling the accusations ‘completely false’"); "said it stood
# by its reporting" is.
EARLIER_VERB = re.compile(rf"\b(?:{RESPONSE_VERBS}|said|says|insisted|admitted|stressed|added|told)\b(?!\s+nor\b)",
                          re.I)
LOOK_BACK = 40  # claims and sentences searched before a referring claim, nearest first
GENERIC_MODIFIERS = {"latest", "new", "recent", "earlier", "previous", "same", "whole", "entire", "first", "last",
                     "other", "media", "press", "news", "these", "those", "such", "similar", "all", "any", "both"}
STOP = {"a", "an", "the", "as", "and", "but", "of", "to", "in", "on", "is", "was", "that", "this", "with", "for",
        "by", "its", "their", "simply", "pure", "just"}

# An antecedent that states an allegation, a report, or a question.
ALLEGATION = re.compile(r"\b(?:accus\w*|alleg\w*|claim\w*|fuss|rumou?r\w*|charges?|information|statements?)\b"
                        r"[^.;:]{0,60}?\b(?:that|of)\b|\baccus\w*\s+[^.;]{1,40}?\s+of\b", re.I)
REPORTED = re.compile(r"\b(?:report\w*|articles?|published|found|findings|stor(?:y|ies))\b", re.I)
ASKED = re.compile(r"\?|\bask(?:s|ed|ing)?\b", re.I)
NOT_ANTECEDENT_VOICES = {"denies", "refuses_to_confirm"}
ALLEGING_VOICES = {"alleges", "reports"}

# The content of an antecedent: after "said that", "accusations that", "confident that" (repeatedly, near the
# start: "I can tell you that we are confident that X" -> X); else "accused X of Y-ing"; else "suggested X".
CONTENT_TRIGGERS = (r"said|says|say|told|tell|stated|confident|believe\w*|know\w*|found|find\w*|alleg\w*|accus\w*|"
                    r"claim\w*|report\w*|suggest\w*|insist\w*|den(?:y|ies|ied)|admitted|acknowledg\w*|fuss|"
                    r"information|rumou?r\w*|statements?|evidence|concluded|argued|maintains?|warned|asserted")
THAT_CONTENT = re.compile(rf"\b(?:{CONTENT_TRIGGERS})\b[^.;:?]{{0,60}}?\bthat\s+", re.I)
ACCUSED_OF = re.compile(r"\baccus\w*\s+(?P<who>[^.;]{1,40}?)\s+of\s+(?P<what>\w+ing\b.*)", re.I)
BARE_CLAUSE = re.compile(r"\b(?:suggested|said|says|claimed|alleged|reported)\s+(?!that\b)(?=[A-Za-z])", re.I)
ASIDE = re.compile(r"\s+[–—-]\s+[^–—]{1,150}?\s+[–—-]\s+")
TRAILING_ASIDE = re.compile(r"\s+[–—]\s+[^–—]{1,150}$")
QUOTE_MARKS = re.compile(r"[“”\"«»]|(?<!\w)[‘’']|[‘’'](?!\w)")
TRAILER = re.compile(r",\s+(?:according to|citing|(?:the\s+)?[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,3}\s+(?:reported|said))\b"
                     r".*$")


@dataclass(frozen=True)
class Reference:
    """A reference inside a claim's text: its span, what it names, and words that point to its antecedent."""

    start: int
    end: int
    noun: str  # "claims", "part", or the pronoun ("this", "it")
    modifier: str | None
    cues: tuple[str, ...]

    @property
    def kind(self) -> str:
        for kind, nouns in (("report", REPORT_NOUNS), ("allegation", ALLEGATION_NOUNS), ("question", QUESTION_NOUNS)):
            if any(re.fullmatch(n, self.noun, re.I) for n in nouns):
                return kind
        return "any"


@dataclass(frozen=True)
class Item:
    """A claim or a sentence that may be referred to, at the position where it stands in the article."""

    position: int
    text: str
    index: int | None  # the claim's index in the article's claim list; None for a sentence
    voice: str | None
    speakers: frozenset[str]


def find_reference(text: str) -> Reference | None:
    """The reference that makes ``text`` depend on the article, or None when the claim stands alone."""
    match = SUBJECT.match(text)
    if match is None:
        match = next((m for m in OBJECT.finditer(text) if not _content_before(text[:m.start("verb")])), None)
        if match is None:
            return None
    groups = match.groupdict()
    noun = (groups.get("noun") or groups.get("pron") or "").lower()
    modifier = groups.get("mod")
    if modifier and (modifier.lower() in GENERIC_MODIFIERS or modifier.lower() in DETERMINERS.split("|")):
        modifier = None
    cues = [modifier] if modifier else []
    if groups.get("verb") and DISMISSING.match(groups["verb"]):  # "... as a ‘fuss’": the word the other side used
        words = re.findall(r"[\w’'-]+", QUOTE_MARKS.sub(" ", text[match.end("ref"):]))[:4]
        cues += [w for w in words if w.lower() not in STOP and len(w) > 3 and not w.endswith("ly")][:1]
    return Reference(match.start("ref"), match.end("ref"), noun, modifier, tuple(cues))


def _content_before(before: str) -> bool:
    """Whether a reporting verb with a clause of its own (a comma, or five words or more) precedes."""
    return any("," in before[m.end():] or len(before[m.end():].split()) >= 5 for m in EARLIER_VERB.finditer(before))


def content_of(text: str) -> tuple[str, str]:
    """(connector, content) of an antecedent: ("that", "X") for "said that X", ("of", "Russia using drones") for
    "accused Russia of using drones", ("quote", whole text) for a question or when no content clause is found."""
    if text.rstrip().endswith("?"):
        return "quote", _clean(text)
    body, connector = text, ""
    while (match := THAT_CONTENT.search(body)) and (not connector or match.start() < 40):
        body, connector = body[match.end():], "that"
    if not connector:
        if accused := ACCUSED_OF.search(text):
            return "of", _clean(f"{accused.group('who')} {accused.group('what')}")
        if bare := BARE_CLAUSE.search(text):
            return "that", _clean(text[bare.end():])
        return "quote", _clean(text)
    return connector, _clean(body)


def answered_content(antecedent: str | None) -> str | None:
    """What a referring claim answers, as its stance is judged: the antecedent's content without its attribution
    ("there are Iranian personnel on the ground in Crimea ...", not "Kanani denied US accusations that ...")."""
    return content_of(antecedent)[1] if antecedent else None


def _clean(content: str) -> str:
    content = QUOTE_MARKS.sub("", TRAILING_ASIDE.sub("", ASIDE.sub(" ", content.strip().rstrip("."))))
    content = TRAILER.sub("", content.strip())
    return " ".join(content.split()).rstrip(" .,;:")


def _has_cue(item: Item, cues: Sequence[str]) -> bool:
    words = re.findall(r"[\w’'-]+", item.text)
    for cue in cues:
        if cue.isupper() and cue in words:
            return True
        if not cue.isupper() and any(w.lower().startswith(cue.lower().rstrip("s")) for w in words):
            return True
    return False


def _qualifies(kind: str, item: Item, claim: "ExtractedClaim") -> bool:
    """Whether ``item`` is the kind of thing a reference of ``kind`` refers to."""
    if kind == "report":
        return item.voice in ALLEGING_VOICES or bool(REPORTED.search(item.text))
    if kind == "question":
        return bool(ASKED.search(item.text))
    if kind == "allegation":  # an allegation, or what someone else said: "Residents said that police fired ..."
        attributed = item.voice in {"asserts", "admits"} and bool(THAT_CONTENT.search(item.text))
        return (item.voice in ALLEGING_VOICES or bool(ALLEGATION.search(item.text))
                or (attributed and not item.speakers & _speakers(claim)))
    return item.voice not in NOT_ANTECEDENT_VOICES or bool(ALLEGATION.search(item.text))


def _speakers(claim: "ExtractedClaim") -> frozenset[str]:
    return frozenset(s.name for s in claim.speakers)


def _sentences(text: str, claims: Sequence["ExtractedClaim"], title: str | None) -> list[Item]:
    """Sentences outside every claim that state an allegation, a report or a question."""
    spans = sorted((c.start, c.end) for c in claims)
    starts, reach = [a for a, _ in spans], list(accumulate((b for _, b in spans), max))
    items: list[Item] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        for sentence in split_sentences(paragraph.group(0)):
            start, end = paragraph.start() + sentence.start, paragraph.start() + sentence.end
            before = bisect_left(starts, end)  # claims starting before the sentence ends
            if sentence.text == title or (before and reach[before - 1] > start):
                continue
            if ASKED.search(sentence.text) or ALLEGATION.search(sentence.text) or REPORTED.search(sentence.text):
                items.append(Item(start, sentence.text, None, None, frozenset()))
    return items


def resolved_text(claim: "ExtractedClaim", reference: Reference, antecedent: str) -> str:
    """The claim with its reference replaced by what it refers to; the speaker in front unless the text names them."""
    connector, content = content_of(antecedent)
    noun = reference.noun.lower()
    if noun in {"this", "it"}:
        phrase = "the claim"
    elif noun == "part":
        phrase = f"the {reference.modifier + ' ' if reference.modifier else ''}part of the claim"
    else:
        phrase = f"the {noun}"
    filled = f"{phrase} “{content}”" if connector == "quote" else f"{phrase} {connector} {content}"
    if claim.text[reference.start].isupper():
        filled = filled[0].upper() + filled[1:]
    text = claim.text[:reference.start] + filled + claim.text[reference.end:]
    names = [n for s in claim.speakers for n in (s.name, *s.aliases)]
    if claim.speaker and not any(n in claim.text or n.split()[-1] in claim.text for n in names):
        text = f"{claim.speaker}: {text}"
    return text


def link_references(text: str, claims: list["ExtractedClaim"], title: str | None = None) -> list["ExtractedClaim"]:
    """Each referring claim with ``responds_to_index``, ``responds_to_text`` and ``resolved_text`` set; each claim
    that names its party by a pronoun ("we", "his country") with the party named as ``resolved_text``."""
    return [c if c.resolved_text else _party_named(c) for c in _linked(text, claims, title)]


def _linked(text: str, claims: list["ExtractedClaim"], title: str | None) -> list["ExtractedClaim"]:
    references = [find_reference(c.text) for c in claims]
    if not any(references):
        return claims
    positions = []
    for claim in claims:  # a pull quote stands where its full quotation does
        later = text.rfind(claim.text, claim.start)
        positions.append(later if later >= 0 else claim.start)
    items = [Item(p, c.text, i, c.voice, _speakers(c)) for i, (p, c) in enumerate(zip(positions, claims))]
    items = sorted(items + _sentences(text, claims, title), key=lambda it: it.position)
    places = [it.position for it in items]
    antecedent: dict[int, Item | None] = {}
    for i in sorted((i for i, r in enumerate(references) if r), key=lambda i: positions[i]):
        reference, claim = references[i], claims[i]
        nearest = reversed(items[:bisect_left(places, positions[i])])
        before = list(islice((it for it in nearest if it.index != i), LOOK_BACK))

        def target(item: Item) -> Item | None:
            if item.index is not None and references[item.index] is not None:
                return antecedent.get(item.index)  # a referring claim stands for what it refers to
            return item

        tests: list[Callable[[Item], bool]] = []
        if reference.cues:
            tests.append(lambda it: _has_cue(it, reference.cues))
        if reference.kind != "any":
            tests.append(lambda it: _qualifies(reference.kind, it, claim))
        tests.append(lambda it: _qualifies("any", it, claim))
        antecedent[i] = next((t for test in tests for it in before if (t := target(it)) and test(t)), None)
    linked = list(claims)
    for i, found in antecedent.items():
        if found is not None:
            linked[i] = replace(claims[i], responds_to_index=found.index, responds_to_text=found.text,
                                resolved_text=resolved_text(claims[i], references[i], found.text))
    return linked


# "we" opening a clause, the adverb after it, and the verb it agrees with.
WE = re.compile(r"(?:^|(?<=[.;:!?…\]]\s)|(?<=,\s)|(?<=\bthat\s)|(?<=\band\s)|(?<=\bbut\s))(?P<we>[Ww]e)\s+"
                r"(?P<adverb>(?:\w+ly|also|never|still|only|already|always|just|all|not)\s+)?(?P<verb>[\w’']+)")
AGREEMENT = {"are": "is", "were": "was", "have": "has", "do": "does", "aren’t": "isn’t", "aren't": "isn't",
             "weren’t": "wasn’t", "weren't": "wasn't", "haven’t": "hasn’t", "haven't": "hasn't", "don’t": "doesn’t",
             "don't": "doesn't", "’re": "’s", "'re": "'s", "’ve": "’s", "'ve": "'s"}
UNINFLECTED = {"will", "would", "can", "could", "should", "shall", "must", "may", "might", "did", "had", "didn’t",
               "didn't", "won’t", "won't", "can’t", "can't", "cannot", "wouldn’t", "wouldn't", "couldn’t", "couldn't",
               "hadn’t", "hadn't", "was", "wasn’t", "wasn't"}


def third_person(verb: str) -> str:
    """The verb as it agrees with a singular subject: "are" -> "is", "supply" -> "supplies", "supplied" stays."""
    lower = verb.lower()
    if lower in AGREEMENT:
        return AGREEMENT[lower]
    if lower in UNINFLECTED or lower.endswith("ed") or not lower.isalpha():
        return verb
    if re.search(r"(?:s|sh|ch|x|z|o)$", lower):
        return verb + "es"
    if re.search(r"[^aeiou]y$", lower):
        return verb[:-1] + "ies"
    return verb + "s"


def party_of(claim: "ExtractedClaim") -> str | None:
    """Who "we" is in a claim: the organisation a person speaks for, or a speaker that is itself an organisation."""
    if claim.speaker_is_person:
        return claim.speaker_organisation
    return claim.speaker


# "his country", "her country's": the speaker's own country.
OWN_COUNTRY = re.compile(r"\b(?:his|her|their)\s+country(?P<possessive>[’']s)?\b", re.I)
COUNTRIES = {country.lower(): country for country in DEMONYMS.values()}


def country_of(claim: "ExtractedClaim", before: str) -> str | None:
    """The speaker's country: a demonym or country named by their organisation, their role, or the words before
    the pronoun ("The Iranian foreign minister again denied his country ..." -> "Iran")."""
    for text in (claim.speaker_organisation, claim.speaker_role, before):
        for word in re.findall(r"[A-Z][\w.’']*", text or ""):  # capitalised: "US", not "us"
            lowered = word.lower().rstrip(".") if word.count(".") == 1 else word.lower()  # "Iran." but "U.S."
            if lowered in DEMONYMS or lowered in COUNTRIES:
                return DEMONYMS.get(lowered) or COUNTRIES[lowered]
    return None


def _party_named(claim: "ExtractedClaim") -> "ExtractedClaim":
    """A claim with its party named where a pronoun stands for it (a second text to find it by: a statement names
    the country, the claim never does).

    "We do not supply weapons to either side" said by Iran's foreign minister -> "Iran does not supply weapons to
    either side"; "The Iranian foreign minister again denied his country had supplied missiles" -> "... denied Iran
    had supplied missiles"."""
    text = claim.text
    party = party_of(claim)
    if party and WE.search(text):
        def named(match: re.Match) -> str:
            return f"{party} {match.group('adverb') or ''}{third_person(match.group('verb'))}"

        text = WE.sub(named, text)
        text = re.sub(r"\b[Oo]ur\b", f"{party}’s", text)
        text = re.sub(r"\bus\b", party, text)
    own = OWN_COUNTRY.search(text)
    country = country_of(claim, text[:own.start()]) if own and claim.speaker else None
    if own and country:
        text = OWN_COUNTRY.sub(lambda m: country + ("’s" if m.group("possessive") else ""), text)
    return replace(claim, resolved_text=text) if text != claim.text else claim
