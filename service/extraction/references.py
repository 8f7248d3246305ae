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

from .attribution import DEMONYMS, LOOKING_INTO, NO_RESPONSE
from .sentences import split_sentences

if TYPE_CHECKING:
    from . import ExtractedClaim

REPORT_NOUNS = "reports? stor(?:y|ies) articles? reporting findings".split()
ALLEGATION_NOUNS = ("claims? accusations? allegations? charges? assertions? suggestions? rumou?rs? statements? "
                    "remarks comments talk denials? complaints? account").split()
QUESTION_NOUNS = ["questions?"]
FIGURE_NOUNS = ["figures?", "numbers?", "amounts?", "sums?", "totals?", "estimates?", "tally", "toll"]  # a number's
OTHER_NOUNS = ["information", "part", "assessments?", "conclusions?", *FIGURE_NOUNS]
NOUNS = "|".join(REPORT_NOUNS + ALLEGATION_NOUNS + QUESTION_NOUNS + OTHER_NOUNS)
FIGURE = re.compile("|".join(FIGURE_NOUNS), re.I)
FIGURE_NUMBER = re.compile(r"\d")
AGE_OR_YEAR = re.compile(r",\s+\d{1,3},|\b(?:19|20)\d\d\b")  # "Radebe, 54, ...", "in 2023": not a figure given
SELF_CUED = {"complaint", "complaints"}  # nouns the sentence they answer names too
DETERMINERS = r"this|these|that|those|such|the|similar|its|their|his|her"
RESPONSE_VERBS = (
    r"den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|rebut(?:s|ted|ting)?|"
    r"disput(?:e|es|ed|ing)|contest(?:s|ed|ing)?|call(?:s|ed|ing)?|describ(?:e|es|ed|ing)|brand(?:s|ed|ing)?|"
    r"label(?:s|led|ed|ling)?|term(?:s|ed)?|confirm(?:s|ed|ing)?|condemn(?:s|ed|ing)?|debunk(?:s|ed|ing)?|"
    r"confident in|comment on|st(?:an)?d(?:s|ing)? by|stood by|no evidence (?:to support|for|of)|"
    rf"{LOOKING_INTO}|"
    r"(?:repeat|reiterat)(?:s|es|ed|ing|e)?(?=\s+(?:the|its|his|her|their|that)\s+denials?\b)"
)
DISMISSING = re.compile(r"^(?:call|describ|brand|label|term|dismiss)", re.I)
WEEKDAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
# Words after the reference that name its content, so that the claim does not depend on the one before ("on" a
# day or a medium is when or where it was answered: "rejected the accusations on Friday").
OWN_CONTENT = (r"\s+(?:that|of|about|on(?!\s+(?:" + WEEKDAYS + r"|Twitter|X|Facebook|Telegram|social media|state "
               r"(?:television|TV|radio|media))\b)|regarding|concerning|over|by|in which|from)\b")
MODIFIER = r"(?P<mod>(?!(?:into|in|on|at|for|with|to|from|by|of|as)\b)[\w’'-]+)"  # not "calls into question"
PHRASE = rf"(?:(?P<det>{DETERMINERS})\s+)?(?:{MODIFIER}\s+)?(?P<noun>{NOUNS})\b(?!{OWN_CONTENT}|-)"
PRONOUN = (r"(?P<pron>this|it)(?=\s*(?:[.,;:!?”’\"')]|$)|\s+(?:as|a|an|before|again|outright|later|then|too|"
           r"strongly|categorically|flatly|firmly|immediately|on|in|at|last|earlier)\b)")
# (not a participle before a noun: "the confirmed toll")
OBJECT = re.compile(rf"(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bits\s)(?<!\btheir\s)"
                    rf"\b(?P<verb>{RESPONSE_VERBS})\s+(?:\w+ly\s+)?(?P<ref>{PHRASE}|{PRONOUN})", re.I)
# A reference as the subject of a judgement: "These claims are baseless", "The claim about waiting lists is wrong"
# (what it is about points to the antecedent), "That is not true".
# What it is about may follow: "The claim about waiting lists", "Talk of a sale", "the figure of 2,000", "the board
# member's account of the warning".
JUDGED_PHRASE = (rf"(?:(?P<det>{DETERMINERS})\s+)?(?:(?P<first>[\w-]+\s+)?{MODIFIER}\s+)?(?P<noun>{NOUNS})\b"
                 r"(?:\s+(?:about|(?:(?<=talk\s)|(?<=figure\s)|(?<=figures\s)|(?<=account\s))of)\s+"
                 r"(?P<about>[$€£]?[\w’'-]+(?:[.,]\d+)*(?:\s+[\w’'-]+){0,2}?)"
                 r"(?=\s+[“\"‘]?(?:is|are|was|were)\b)"
                 r"|\s+(?:being\s+)?(?P<participle>quoted|cited|carried|published|reported|mentioned|circulated|"
                 r"circulating|given|presented|released|shared|posted|aired|broadcast|put\s+forward)"
                 r"(?P<agent>\s+(?:by|in|on)(?:\s+[\w’'-]+){1,4}?|\s+online)"
                 r"(?=\s+[“\"‘]?(?:is|are|was|were|do|does|did|have|has|had)\b))?(?!-)")
COPULA = r"(?:is|are|was|were|remains?|has been|have been)"
NOT_COPULA = r"(?:is|are|was|were)n[’']t"  # "isn't", "aren’t"
NEGATED_COPULA = re.compile(rf"\s+{NOT_COPULA}\b", re.I)
# What a judgement's verb may be: a copula ("is false", "It's a story that belongs in a novel"), "has nothing to do
# with", "does not reflect", "belongs in a novel"; an opening quotation mark may stand before it.
NOT_REFLECTING = r"(?:do|does|did)\s+not\s+(?:\w+ly\s+)?(?:reflect|correspond\s+to|match|add\s+up)"
FICTION = r"belongs?\s+in\s+(?:a|the)\s+(?:[\w-]+\s+){0,2}?(?:novel|film|movie|thriller|fairy\s+tale|fiction)"
NO_BASIS = r"(?:have|has|had)\s+no\s+(?:\w+\s+)?(?:basis|foundation|merit|substance|grounds)"
SUBJECT_VERB = (rf"(?:\s+[“\"‘]?(?:{COPULA}|{NOT_COPULA}|(?:have|has|had)\s+nothing\s+to\s+do\s+with|{NOT_REFLECTING}|"
                rf"{FICTION}|{NO_BASIS})"
                rf"|[’']s)\b")
# "What was written", "What the newspaper published": a free relative naming what was reported or said
PUBLISHED = r"written|wrote|writes|reported|reports|published|publishes|printed|prints|aired|airs|broadcast"
WHAT_SAID = (rf"What\s+(?:(?:was|has\s+been|had\s+been)\s+(?:{PUBLISHED}|said|alleged|claimed)|"
             rf"(?:(?:the|this|that)\s+)?(?:[\w’'-]+\s+){{0,3}}?"
             rf"(?:{PUBLISHED}|said|says|claimed|claims|alleged|alleges))")
SUBJECT = re.compile(
    rf"(?:(?:[A-Z][\w’'-]*(?:\s+[\w’'-]+){{0,3}},|But|And|Yet|So)\s+)?(?P<ref>(?:{JUDGED_PHRASE})|"
    rf"(?P<none>None\s+of\s+)?(?P<pron>This|That|It|They)|(?P<what>{WHAT_SAID}))(?={SUBJECT_VERB})", re.I
)
PRONOUN_NOUNS = {"this", "that", "it", "they"}  # SUBJECT's and PRONOUN's, lower case
INTENSIFIERS = r"(?:(?:\w+ly|not|just|simply|all|both|a|an|pure|total|complete|utter|another)\s+){0,4}"
# What a judgement says of the reference: that it is false ("are baseless", "is not true", "have nothing to do with
# reality"), or that it is true.
PEJORATIVES = (r"(?:untrue|false|incorrect|inaccurate|wrong|baseless|groundless|unfounded|absurd|ridiculous|nonsense|"
               r"rubbish|lies?|fake|fabricat\w*|fiction|invent(?:ed|ion)|fantasy|(?:fairy[\s-])?tales?|made[\s-]up|"
               r"(?:dreamed|dreamt|cooked|thought)\s+up|concocted|speculation|misleading|smear|slander\w*|defamatory|"
               r"malicious|"
               r"exaggerated|overstated|inflated|overblown|(?:a\s+)?(?:product|figment)\s+of\s+(?:\w+\s+)?imagination|"
               rf"(?:story|tale|plot|scenario)\s+(?:that\s+|which\s+)?{FICTION}|"
               r"propaganda|politically motivated|without (?:any )?(?:foundation|basis|merit)|"
               r"part of (?:a|an) [\w -]{0,30}?campaign|fuss|stuffing|hoax)\b")
PEJORATIVE = re.compile(r"\b" + PEJORATIVES, re.I)
REJECTING = re.compile(
    rf"(?:\s+[“\"‘]?{COPULA}|[’']s)\s*[“\"‘]?" + INTENSIFIERS + PEJORATIVES +
    rf"|(?:\s+[“\"‘]?(?:(?:is|are|was|were)\s+(?:\w+ly\s+)?not|{NOT_COPULA})|[’']s\s+(?:\w+ly\s+)?not)"
    r"\s+(?:\w+ly\s+)?(?:true|correct|accurate|right)\b"
    r"|\s+[“\"‘]?(?:have|has|had)\s+nothing\s+to\s+do\s+with\s+(?:reality|the truth|the facts)\b"
    rf"|\s+[“\"‘]?(?:{NOT_REFLECTING}|{FICTION}|{NO_BASIS})\b", re.I)
ENDORSING = re.compile(rf"(?:\s+{COPULA}|[’']s)\s+(?:\w+ly\s+)?(?:true|correct|accurate|right|confirmed)\b", re.I)
# Where a judged pronoun's clause may end: punctuation, "and", "but", or a participle ("pure fiction invented to").
CLAUSE_END = re.compile(r"(?:\s+(?:at\s+all|whatsoever))?[”\"’']?\s*(?:[.,;:!?)–—]|$|and\b|but\b)"
                        r"|\s+(?:\w+ed|made|meant|written|spread)\s+(?:to|by|up|in|for)\b")
# Where a claim's content may open after its attribution: after a colon or an opening quotation mark, or after
# "said" (and a day): "Hanbit said in a statement: “The report is false”", "said on Monday the information was ...".
CONTENT_OPENING = re.compile(r":\s*[“\"‘]?|(?<!\w)[“\"‘](?=[A-Z])|\b(?:said|says|saying|insisted|added|stressed|"
                             r"maintained|argued|replied|responded|acknowledged|admitted|conceded|agreed|"
                             r"told\s+(?:reporters|journalists|the\s+[\w-]+|[A-Z][\w-]+))\s+"
                             r"(?:(?:on|in|at|to|during)\s+[\w’' -]{1,40}?\s+(?=that\s)|"
                             r"on\s+(?:" + WEEKDAYS + r")\s+)?(?:that\s+)?|,\s+(?:and|but)\s+|;\s+")
# "There is no such plan", "No such meeting took place": what was asked or said before does not exist (not "the
# resort has no such problems").
NO_SUCH = re.compile(r"(?:^[“\"‘]?|\bthere\s+(?:is|was|are|were|has been|have been)\s+|"
                     r"\b(?:we|I|they|he|she|it)\s+(?:have|has|had)\s+)"
                     r"(?P<ref>no\s+(?:such\s+(?P<noun>[a-z]{3,20})|(?P<kind_noun>[a-z]{3,20})\s+of\s+(?:that|this|the\s+)"
                     r"\s*(?:kind|sort|nature)))\b", re.I)
NO_SUCH_SPAN = re.compile(r"no\s+(?:such\s|[a-z]{3,20}\s+of\s)", re.I)
# A refusal to comment with nothing after it ("FjordAir declined to comment.", "did not respond to a request for
# comment"): it withholds a view of what was said before it.
BARE_REFUSAL = re.compile(
    r"\b(?:(?:declined|refused|would\s+not|did\s+not|was\s+not\s+available)\s+to\s+comment|" + NO_RESPONSE +
    r"|(?:neither\s+confirm|neither\s+confirmed)\s+nor\s+den(?:y|ied))"
    r"(?=(?:\s+(?:on\s+(?:" + WEEKDAYS + r")|immediately|further|when\s+contacted))*\s*(?:[.,;!?”\"’)]|$))", re.I)
# A reply to a question, with no reference of its own ("“Absolutely not, ...,” he replied."): it answers the
# question asked just before it (REPLY_REACH items back at most).
REPLY = re.compile(r"[,”\"’]\s+(?:[\w’'-]+\s+){0,4}?(?:replied|answered)\b(?!\s+(?:by|to|that|yes|no|in|with)\b)|"
                   r"\b(?:replied|answered)\s*:", re.I)
REPLY_REACH = 2
# A response verb that rejects what it answers; a negated verb rejects or endorses nothing.
REJECTING_VERB = re.compile(r"^(?:den|reject|dismiss|refut|rebut|disput|contest|debunk|condemn|no evidence)", re.I)
ENDORSING_VERB = re.compile(r"^(?:confirm|confident|st(?:an)?d|stood)", re.I)
NEGATED_BEFORE = re.compile(r"(?:(?i:\b(?:not|n[’']t|never|cannot|unable to|declined to|refused to)\s+(?:\w+ly\s+)?)|"
                            r"(?:^|[.;:]\s+)No\s+(?:[\w-]+\s+){1,6})$")  # "No agency confirmed the account"
# A reporting or response verb with a clause of its own before the matched verb: the reference is not the claim's
# content ("denied his country had supplied missiles, calling the accusations ‘completely false’"); "said it stood
# by its reporting" is.
EARLIER_VERB = re.compile(rf"\b(?:{RESPONSE_VERBS}|said|says|insisted|admitted|stressed|added|told)\b(?!\s+nor\b)",
                          re.I)
CLAUSE_OPENER = re.compile(r"\bthat\b|:")
# Words that make no clause of their own between two verbs: "said it would neither confirm nor deny such reports".
FUNCTION_WORDS = {"it", "he", "she", "they", "we", "i", "would", "will", "could", "can", "may", "might", "should",
                  "had", "has", "have", "was", "were", "is", "are", "did", "does", "do", "not", "neither", "nor",
                  "also", "still", "never", "again", "later", "only", "confirm", "to", "and"}
LOOK_BACK = 40  # claims and sentences searched before a referring claim, nearest first
GENERIC_MODIFIERS = {"latest", "new", "recent", "earlier", "previous", "same", "whole", "entire", "first", "last",
                     "other", "media", "press", "news", "these", "those", "such", "similar", "all", "any", "both"}
STOP = {"a", "an", "the", "as", "and", "but", "of", "to", "in", "on", "is", "was", "that", "this", "with", "for",
        "by", "its", "their", "simply", "pure", "just"}

# An antecedent that states an allegation, a report, or a question.
ALLEGATION = re.compile(r"\b(?:accus\w*|alleg\w*|claim\w*|fuss|rumou?r\w*|charges?|information|statements?)\b"
                        r"[^.;:]{0,60}?\b(?:that|of)\b|\baccus\w*\s+[^.;]{1,40}?\s+of\b|"
                        r"\b(?:people|some|others|critics|many)\s+(?:are\s+|have\s+been\s+)?(?:saying|claiming|suggesting)\b",
                        re.I)
REPORTED = re.compile(r"\b(?:report\w*|articles?|published|found|findings|stor(?:y|ies))\b", re.I)
# A sentence that only names a report's source: "The Perth Ledger attributed the information to two former staff",
# "The institute said its estimate was drawn from admission records".
SOURCING = re.compile(r"\battribut\w*\s+(?:the|its|their|this|that)\s+(?:information|report|story|claims?|allegations?)"
                      r"\s+to\b|\b(?:the\s+)?(?:information|report|story)\s+(?:came|comes)\s+from\b|"
                      r"\b(?:its|their|the|this|that)\s+(?:estimates?|figures?|numbers?|data|count|tally|findings|"
                      r"information|report|story)\s+(?:was|were|is|are|had\s+been|has\s+been|have\s+been)\s+"
                      r"(?:\w+ly\s+)?(?:drawn|based|taken|compiled|gathered|derived)\s+(?:from|on)\b", re.I)
ASKED = re.compile(r"\?|\bask(?:s|ed|ing)?\b", re.I)
NOT_ANTECEDENT_VOICES = {"denies", "refuses_to_confirm"}
ALLEGING_VOICES = {"alleges", "reports"}

# The content of an antecedent: after "said that", "accusations that", "confident that" (repeatedly, near the
# start: "I can tell you that we are confident that X" -> X); else "accused X of Y-ing"; else "suggested X".
CONTENT_TRIGGERS = (r"said|says|say|told|tell|stated|confident|believe\w*|know\w*|found|find\w*|alleg\w*|accus\w*|"
                    r"claim\w*|report\w*|suggest\w*|insist\w*|den(?:y|ies|ied)|admitted|acknowledg\w*|fuss|"
                    r"information|rumou?r\w*|statements?|evidence|concluded|argued|maintains?|warned|asserted")
THAT_CONTENT = re.compile(rf"\b(?:{CONTENT_TRIGGERS})\b[^.;:?]{{0,60}}?\bthat\s+", re.I)
ASKED_WHETHER = re.compile(r"\bask(?:s|ed|ing)?\b[^.;:?]{0,80}?\b(?:whether|if)\s+", re.I)
ACCUSED_OF = re.compile(r"\baccus\w*\s+(?P<who>[^.;]{1,40}?)(?:\s+(?:on\s+(?:" + WEEKDAYS + r")|last\s+\w+|"
                        r"earlier|again|repeatedly|publicly|yesterday))?\s+of\s+(?P<what>\w+ing\b.*)", re.I)
BARE_CLAUSE = re.compile(r"\b(?:suggested|said|says|saying|claimed|alleged|reported)\s+"
                         r"(?:(?:on\s+(?:" + WEEKDAYS + r")|last\s+\w+|yesterday|today|earlier)\s+)?"
                         r"(?!(?:that|to)\b)(?=[A-Za-z])", re.I)
ASIDE = re.compile(r"\s+[–—-]\s+[^–—]{1,150}?\s+[–—-]\s+")
TRAILING_ASIDE = re.compile(r"\s+[–—]\s+[^–—]{1,150}$")
QUOTE_MARKS = re.compile(r"[“”\"«»]|(?<!\w)[‘’']|[‘’'](?!\w)")
# An attribution after the content, up to the end: "..., according to TASS.", "..., a union said on Monday.", "...,
# the weekly Zimbabwe Business Review reported on Tuesday."
# (After the last comma only, so that finding it stays linear.)
TRAILER = re.compile(r",[”\"’]?\s+(?:(?:according to|citing)\b[^,;]*|(?!(?:who|which|but|and)\b)(?:[\w’'.-]+\s+){1,8}?"
                     r"(?:reported|said|says|reports|wrote|alleged|alleges|claimed|claims)\b"
                     r"(?:\s+(?:on|in|at|last|this|earlier|late|yesterday|today|"
                     r"overnight|during|after|before|when|while|to)\b[^,;]{0,50})?)\s*[.!]?[”\"’]?\s*$")


@dataclass(frozen=True)
class Reference:
    """A reference inside a claim's text: its span, what it names, and words that point to its antecedent."""

    start: int
    end: int
    noun: str  # "claims", "part", or the pronoun ("this", "it")
    modifier: str | None
    cues: tuple[str, ...]
    subject: bool = False  # the subject of a judgement ("These claims are baseless"), not a verb's object
    judgement: str | None = None  # "rejects" ("denied it", "These claims are baseless"), "endorses" ("confirmed
    # the report", "the information was accurate") or "withholds" ("would neither confirm nor deny such reports"):
    # what the claim says of what it answers
    reply: bool = False  # a reply to the question asked just before ("“Absolutely not,” he replied.")

    @property
    def kind(self) -> str:
        if self.noun == "comment":  # "declined to comment": on what was alleged or reported
            return "allegation"
        for kind, nouns in (("report", REPORT_NOUNS), ("allegation", ALLEGATION_NOUNS), ("question", QUESTION_NOUNS),
                            ("figure", FIGURE_NOUNS)):
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
    """The reference that makes ``text`` depend on the article, or None when the claim stands alone: the subject of
    a judgement at the start ("These claims are baseless", "This is a lie") or where the content opens after its
    attribution (then only with a judgement: 'X said: “That is not true”'), or the object of a response verb."""
    match, judged = _judged_subject(text)
    if match is None:
        match = next((m for m in OBJECT.finditer(text) if not _content_before(text[:m.start("verb")])), None)
    if match is None:
        return _reference_without_noun(text)
    groups = match.groupdict()
    noun = (groups.get("noun") or groups.get("pron") or "").lower()
    if groups.get("what"):  # "What the newspaper published is a smear" -> "The report that ... is a smear"
        noun = "report" if re.search(rf"\b(?:{PUBLISHED})$", groups["what"], re.I) else "claim"
    modifier = groups.get("mod")
    if modifier and (modifier.lower() in GENERIC_MODIFIERS or modifier.lower() in DETERMINERS.split("|")):
        modifier = None
    cues = [re.sub(r"[’']s?$", "", modifier)] if modifier else []  # "the runner's allegation" -> "runner"
    if noun in SELF_CUED:  # "reviewing the complaint": the sentence that says one was made
        cues.append(noun.rstrip("s"))
    cues += [w for w in re.findall(r"\d[\d.,]*\d|[\w’'-]+", groups.get("about") or "") if w.lower() not in STOP][:2]
    if agent := groups.get("agent"):  # "The figures presented by the union", "The numbers being shared online"
        named = [w for w in re.findall(r"[\w’'-]+", agent) if w.lower() not in STOP | {"by", "online"}]
        cues += named[-2:] if named else [groups["participle"]]
    verb = groups.get("verb")
    after = text[match.end("ref"):]
    if verb and DISMISSING.match(verb):  # "... as a ‘fuss’": the word the other side used
        words = re.findall(r"[\w’'-]+", QUOTE_MARKS.sub(" ", after))[:4]
        cues += [w for w in words if w.lower() not in STOP and len(w) > 3 and not w.endswith("ly")][:1]
    before = text[max(0, match.start("ref") - 60):match.start("verb")] if verb else ""
    if verb and before.rstrip().lower().endswith("nor"):  # "neither confirmed nor denied it"
        judged = "withholds"
    elif verb and re.match(LOOKING_INTO, text[match.start("verb"):], re.I):  # "was looking into the claims"
        judged = "withholds"
    elif verb and NEGATED_BEFORE.search(before):  # "could not confirm the report"
        judged = "withholds" if ENDORSING_VERB.match(verb) else None
    elif verb and (REJECTING_VERB.match(verb) or (DISMISSING.match(verb) and PEJORATIVE.search(after[:80]))):
        judged = "rejects"
    elif verb and ENDORSING_VERB.match(verb):
        judged = "endorses"
    elif verb and noun.startswith("denial"):  # "repeated the denial"
        judged = "rejects"
    elif not judged and REJECTING.match(after):
        judged = "rejects"
    return Reference(match.start("ref"), match.end("ref"), noun, modifier, tuple(cues), not verb, judged)


def _reference_without_noun(text: str) -> Reference | None:
    """A reference no noun or pronoun names: "There is no such plan", a bare refusal to comment, a reply."""
    if (such := NO_SUCH.search(text)) is not None:
        noun = (such.group("noun") or such.group("kind_noun")).lower()
        return Reference(such.start("ref"), such.end("ref"), noun, None, (re.sub(r"s$", "", noun),), True, "rejects")
    if (refusal := BARE_REFUSAL.search(text)) is not None:
        return Reference(refusal.end(), refusal.end(), "comment", None, (), False, "withholds")
    if is_reply(text):
        return Reference(0, 0, "question", None, (), False, None, reply=True)
    return None


def is_reply(text: str) -> bool:
    """Whether a claim is a reply ('...,” he replied', 'replied:'), not one that asks ("When asked if P, he
    replied: ...")."""
    return bool(REPLY.search(text)) and not ASKED.search(text)


def _judged_subject(text: str) -> tuple[re.Match | None, str | None]:
    """A reference that is the subject of a judgement, and the judgement ("rejects", "endorses" or None)."""
    starts = [0]
    for opening in CONTENT_OPENING.finditer(text):
        starts.append(opening.end())
        that = re.search(r"\bthat\s+$", opening.group(0))
        if that and "," not in text[:opening.start()]:  # "Sandoval said that was pure fiction": "that" the subject
            starts.append(opening.start() + that.start())
    for start in dict.fromkeys(starts):
        match = SUBJECT.match(text, start)
        if match is None:
            continue
        after = text[match.end("ref"):]
        judged = REJECTING.match(after) or ENDORSING.match(after)
        judgement = None if judged is None else "rejects" if judged.re is REJECTING else "endorses"
        if judgement and match.group("none"):  # "None of that is correct"
            judgement = "rejects" if judgement == "endorses" else "endorses"
        if judged and match.group("pron") and not CLAUSE_END.match(after[judged.end():]):
            continue  # "It is true that ...", "it is absolutely right to ...": no reference
        if not judged and (after[:2] in {"’s", "'s"} or NEGATED_COPULA.match(after)):
            continue  # "That story's great", "this isn't the first time": only "It's nonsense", "That isn't true"
        # at the start any judgement of a named reference will do ("The missile part is completely wrong"); a bare
        # "That", "It" or "They", figures ("The figures are preliminary"), what a reference is about, two words
        # before its noun ("The phony Culkin story is ..."), or a reference after the attribution must be judged true
        # or false
        noun = (match.group("noun") or match.group("pron") or "").lower()
        if judgement or (start == 0 and not match.group("about") and not match.group("first")
                         and (noun == "this" or match.group("noun") and not FIGURE.fullmatch(noun))):
            return match, judgement
    return None, None


def _content_before(before: str) -> bool:
    """Whether a reporting verb with a clause of its own (a comma, or five words or more) precedes. A clause the
    verb opens with "that" or a colon is the claim's content: 'told reporters on Tuesday that the government
    “categorically rejects these allegations”'. Linear: every verb before the last opener shares the words after it.
    """
    cut = max((m.end() for m in CLAUSE_OPENER.finditer(before)), default=0)
    verbs = list(EARLIER_VERB.finditer(before))
    if any(m.end() <= cut for m in verbs) and _own_clause(before[cut:]):
        return True
    return any(_own_clause(before[m.end():]) for m in verbs if m.end() > cut)


def _own_clause(between: str) -> bool:
    words = [w for w in between.split() if w.lower() not in FUNCTION_WORDS and not w.lower().endswith("ly")]
    return "," in between or len(words) >= 5


def content_of(text: str) -> tuple[str, str]:
    """(connector, content) of an antecedent: ("that", "X") for "said that X", ("of", "Russia using drones") for
    "accused Russia of using drones", ("whether", "X") for "asked him whether X", ("quote", whole text) for a direct
    question or when no content clause is found."""
    if text.rstrip().endswith("?"):
        return "quote", _clean(text)
    trailing = _trailer(text)  # "P, the weekly reported on Tuesday.": P
    text = text[:trailing] if trailing is not None else text
    body, connector = text, ""
    while (match := THAT_CONTENT.search(body)) and (not connector or match.start() < 40):
        body, connector = body[match.end():], "that"
    if not connector:
        if asked := ASKED_WHETHER.search(text):  # "a reporter asked X whether P" -> ("whether", P)
            return "whether", _clean(text[asked.end():].rstrip("?"))
        if accused := ACCUSED_OF.search(text):
            return "of", _clean(f"{accused.group('who')} {accused.group('what')}")
        if bare := BARE_CLAUSE.search(text):
            return "that", _clean(text[bare.end():])
        return ("that" if trailing is not None else "quote"), _clean(text)
    return connector, _clean(body)


def _trailer(text: str) -> int | None:
    """Where the attributions after the content start (``TRAILER``: "..., the weekly reported on Tuesday, citing two
    officials."), or None."""
    start = None
    for _ in range(3):
        at = text.rfind(",", 0, start)
        if at < 0 or not TRAILER.match(text[:start], at):
            break
        start = at
    return start


def answered_content(antecedent: str | None) -> str | None:
    """What a referring claim answers, as its stance is judged: the antecedent's content without its attribution
    ("there are Iranian personnel on the ground in Crimea ...", not "Kanani denied US accusations that ...")."""
    return content_of(antecedent)[1] if antecedent else None


def _clean(content: str) -> str:
    content = QUOTE_MARKS.sub("", TRAILING_ASIDE.sub("", ASIDE.sub(" ", content.strip().rstrip("."))))
    content = content.strip()
    content = content[:_trailer(content)]
    return " ".join(content.split()).rstrip(" .,;:")


# What may follow a cue in a word that holds it: an ending ("plans", "planned"), a possessive or a hyphen; not
# another word ("plan" is not "planting").
INFLECTED = re.compile(r"(?:s|es|e?d|ned|n?ing|ers?)?(?:$|[’'-])", re.I)


def _has_cue(item: Item, cues: Sequence[str]) -> bool:
    words = re.findall(r"[\w’'-]+", item.text)
    for cue in cues:
        if cue[0].isdigit() and re.search(rf"(?<![\w.,]){re.escape(cue)}(?!\w|[.,]\d)", item.text):
            return True  # a number: "the figure of 2,000"
        if cue.isupper() and cue in words:
            return True
        stem = re.sub(r"(?<!s)s$", "", cue.lower())  # "runners" -> "runner", "fuss" stays
        if not cue.isupper() and any(w.lower().startswith(stem) and INFLECTED.match(w[len(stem):]) for w in words):
            return True
    return False


def _qualifies(kind: str, item: Item, claim: "ExtractedClaim") -> bool:
    """Whether ``item`` is the kind of thing a reference of ``kind`` refers to."""
    if SOURCING.search(item.text):  # who a report's source was is not what it says
        return False
    if kind == "report":
        return item.voice in ALLEGING_VOICES or bool(REPORTED.search(item.text))
    if kind == "question":
        return bool(ASKED.search(item.text))
    if kind == "figure":  # "The figures quoted by the newspaper", "contested the amount": numbers someone else gave
        others = bool(item.speakers) and not item.speakers & _speakers(claim)
        return _numbered(item) and (others or _qualifies("report", item, claim)
                                    or _qualifies("allegation", item, claim))
    if kind == "allegation":  # an allegation, or what someone else said: "Residents said that police fired ..."
        attributed = item.voice in {"asserts", "admits"} and bool(THAT_CONTENT.search(item.text))
        return (item.voice in ALLEGING_VOICES or bool(ALLEGATION.search(item.text))
                or (attributed and not item.speakers & _speakers(claim)))
    return item.voice not in NOT_ANTECEDENT_VOICES or bool(ALLEGATION.search(item.text))


def _numbered(item: Item) -> bool:
    """Whether ``item`` gives a number other than an age or a year (what "the figures" may refer to)."""
    return bool(FIGURE_NUMBER.search(AGE_OR_YEAR.sub("", item.text)))


# References that answer one sentence, not a speaker's run of them: a pronoun, a part, a refusal to comment, a noun
# that is its own cue.
UNRUN = PRONOUN_NOUNS | {"part", "comment"} | SELF_CUED


def _first_of_run(before: list[Item], found: Item, passes: Callable[[Item], bool]) -> Item:
    """The first item that passes in the run of one party's items that ends at ``found`` (``before`` is nearest
    first): "rejected the accusations" answers the group's lead allegation, not the detail its next sentences add."""
    at = next(n for n, it in enumerate(before) if it is found)
    later = found
    for item in before[at + 1:]:
        if not _same_party(later, item):
            break
        later = item
        if passes(item):
            found = item
    return found


# a source named by what it is: "The group said ...", "A consumer group accused ...", "The report by ... cited",
# "A regional news website reported"; and named: "the Patients' Rights Coalition"
PARTY = (r"(?:group|association|coalition|union|organi[sz]ation|watchdog|campaigners|charity|alliance|network|"
         r"federation|NGO|lobby|activists|report|newspaper|paper|weekly|daily|magazine|tabloid|website|site|outlet|"
         r"broadcaster|channel|publication)")
ANAPHORIC_PARTY = re.compile(rf"^[Tt]he\s+(?:[\w’'-]+\s+)?{PARTY}\b")
UNNAMED_PARTY = re.compile(rf"^(?:An?|One|[A-Z][\w-]*[’']s)\s+(?:[\w’'-]+\s+){{0,3}}{PARTY}\b")
NAMED_PARTY = re.compile(r"\b(?:Coalition|Group|Association|Union|Watch|Network|Federation|Alliance|Foundation|"
                         r"Council|Institute|Cent(?:re|er)|Trust|Society|Initiative|Campaign|Front|Movement|Committee|"
                         r"Forum|Confederation)\b")
PARTY_SAID = re.compile(rf",\s+the\s+(?:[\w’'-]+\s+)?{PARTY}\s+(?:said|says|added|alleged|claimed)\b[^,]*$")


def _same_party(later: Item, earlier: Item) -> bool:
    """Whether two neighbouring items are said by one party: the same speakers; "The group said ..." after a lead
    that named the group or introduced it; a group named after a lead that said "A consumer group" only."""
    unnamed = bool(UNNAMED_PARTY.match(earlier.text))  # "A teachers' union alleged", "Alberta's largest union"
    if later.speakers:
        return later.speakers == earlier.speakers or unnamed and any(NAMED_PARTY.search(n) for n in later.speakers)
    # a detail with no speaker of its own: "The group said ...", "..., the union said."
    detail = ANAPHORIC_PARTY.match(later.text) or PARTY_SAID.search(later.text)
    return bool(detail) and bool(earlier.speakers or unnamed)


def _states_others(text: str) -> bool:
    """Whether a text states an allegation, a report or a question (what someone else says or asks)."""
    return bool(ALLEGATION.search(text) or REPORTED.search(text) or ASKED.search(text))


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
            if _states_others(sentence.text):
                items.append(Item(start, sentence.text, None, None, frozenset()))
    return items


def resolved_text(claim: "ExtractedClaim", reference: Reference, antecedent: str) -> str:
    """The claim with its reference replaced by what it refers to; the speaker in front unless the text names them."""
    connector, content = content_of(antecedent)
    noun = reference.noun.lower()
    if reference.reply:  # "Asked whether P: “Absolutely not,” he replied."
        asked = f"whether {content}" if connector == "whether" else f"“{content}”"
        return f"Asked {asked}: {claim.text}"
    if noun in PRONOUN_NOUNS:
        phrase = "the claims" if noun == "they" else "the claim"
    elif noun == "comment":  # "declined to comment" -> "declined to comment on the claim that ..."
        phrase = " on the claim"
    elif NO_SUCH_SPAN.match(claim.text, reference.start, reference.end):
        phrase = f"no {noun}"  # "There is no such plan" -> "There is no plan “...”"
    elif noun == "part":
        phrase = f"the {reference.modifier + ' ' if reference.modifier else ''}part of the claim"
    else:
        phrase = f"the {noun}"
    filled = f"{phrase} “{content}”" if connector == "quote" else f"{phrase} {connector} {content}"
    opens = not claim.text[:reference.start].strip() or claim.text[:reference.start].rstrip()[-1] in "“\"‘:"
    if opens and claim.text[reference.start:reference.start + 1].isupper():  # not "to confirm Kadalim's account"
        filled = filled[0].upper() + filled[1:]
    rest = claim.text[reference.end:]
    if re.match(r"[’']s\b", rest):  # "It's a story ..." -> "The claim that ... is a story ..."
        rest = " is" + rest[2:]
    text = claim.text[:reference.start] + filled + rest
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

        def refers(item: Item) -> bool:  # a referring claim, which stands for what it refers to
            return item.index is not None and references[item.index] is not None

        def target(item: Item) -> Item | None:
            return antecedent.get(item.index) if refers(item) else item

        if not reference.reply and is_reply(claim.text):  # '“There is no such plan,” he replied.' answers the
            # question just before it, whatever it names
            asked = next((it for it in before[:REPLY_REACH] if not refers(it) and _qualifies("question", it, claim)),
                         None)
            if asked is not None:
                references[i] = replace(reference, reply=True)
                antecedent[i] = asked
                continue
        if reference.reply:
            before = before[:REPLY_REACH]
        if reference.judgement == "rejects" and reference.subject:  # nobody calls their own words false ("I have
            # seen it. It is not true."), unless they state what others say ("This fuss made by some Western ...")
            before = [it for it in before if not it.speakers & _speakers(claim) or _states_others(it.text)]

        def chained(item: Item) -> bool:  # what another reference answered: "such reports" after "these claims"
            return refers(item) and {references[item.index].kind, reference.kind} <= {"allegation", "report"}

        # each test reads an item and its target (what a referring claim answers, else the item itself)
        tests: list[Callable[[Item, Item], bool]] = []
        if reference.cues:
            tests.append(lambda it, t: _has_cue(t, reference.cues) and not SOURCING.search(t.text)
                         and (reference.kind != "figure" or _numbered(t)))
        if reference.kind != "any":
            tests.append(lambda it, t: chained(it) or _qualifies(reference.kind, t, claim))
        if not reference.reply:  # a reply answers a question or nothing
            tests.append(lambda it, t: _qualifies("any", t, claim))
        found = next(((it, t, test) for test in tests for it in before if (t := target(it)) and test(it, t)), None)
        if found is not None and found[0] is found[1] and reference.noun not in UNRUN:
            item, _, test = found
            antecedent[i] = _first_of_run(before, item, lambda it: not refers(it) and test(it, it))
        else:
            antecedent[i] = found[1] if found else None
    linked = list(claims)
    for i, found in antecedent.items():
        if found is not None:
            # a rejection of what it answers negates it, whatever its verb ("These claims are baseless", "called
            # the accusations a smear"), and an endorsement does not, whatever else the sentence negates; the voice
            # stays the reporting verb's
            judgement = references[i].judgement if claims[i].voice != "refuses_to_confirm" else None
            polarity = {"rejects": "negative", "endorses": "positive", "withholds": "positive"}.get(
                judgement or "", claims[i].polarity)
            # and a view withheld ("could not confirm the report", "No agency confirmed his account") takes no side
            voice = "refuses_to_confirm" if judgement == "withholds" else claims[i].voice
            linked[i] = replace(claims[i], responds_to_index=found.index, responds_to_text=found.text,
                                resolved_text=resolved_text(claims[i], references[i], found.text), polarity=polarity,
                                voice=voice)
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
