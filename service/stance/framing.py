"""What the stance model is asked: a statement and stored claims, framed so that each one's voice is applied once.

The claim-level model judges a claim's *content* against the statement and applies the claim's voice on top
("X denied that P" is judged as P and turned round). These framings make that work for what journalists type and
for what articles report:

- **A statement with a reporting verb** ("Israeli analysts say drone parts ... match Iranian models") is judged by
  its content ("drone parts ... match Iranian models"); a subject pronoun of the content is its speaker ("Iran
  says it does not arm either side" -> "Iran does not arm either side"). So is a statement in the present tense
  ("Iran insists it is not taking sides"), one with a time phrase before its clause ("alleged in August that P"),
  and a belief stated about a party ("Washington is sure Tehran gave Moscow ..." -> "Tehran gave Moscow ...").
- **A denial against a denial** ("Moscow denies that its forces use Iranian drones" against "Russia has also
  denied that it has used Iranian drones"): the two denied contents are compared directly, since two parties
  denying the same thing agree. Turning the claim's content round against the whole statement loses this (a
  content that refutes the statement gives no side). A denial's content is found after "that", after a bare
  clause ("denied his country had supplied missiles"), after a noun that names it ("dismissed reports that P",
  "denied accusations of having handed over weapons") and in a gerund, whose subject is the speaker ("Iran denies
  selling missiles to Moscow" -> "Iran was selling missiles to Moscow").
- **An allegation or a report** ("Ukraine and its Western allies have accused Russia of using Iranian-made
  drones", "reports have suggested that the Revolutionary Guard trained Russians") asserts what it alleges: it is
  judged on that content, the way a speaker's "said that P" is.
- **A claim that endorses what it answers** ("We are confident in that information", "similar statements were
  made by ...") asserts that content, and is judged on it.
- **A plan against a plan of the same thing** ("Iran was getting ready to ship missiles to Russia" against "Iran was
  preparing to ship missiles to Russia"): the two planned acts are compared ("Iran ships missiles to Russia"), since
  the model reads a plan as taking no side on the act, which is right against a statement that the act was done but
  not against a statement of the same plan. Plans of two things ("send drones" / "ship missiles") are left to the
  model's reading of plans: it tells drones from missiles less well than a plan from a deed.
- **A refusal in the statement** ("Tehran refuses to send arms to either party") is the act negated ("Tehran does
  not send arms to either party"): the model reads a negation well and "refuses to" poorly (as against "We are
  not exporting weapons to either side").
- **A rejection that goes on to assert something of its own** ("called such reports a stuffing and stressed that
  the Russian army uses domestically produced drones") is judged on its own words too when what it rejects gives
  no side.

A statement that itself only refers ("Iran's UN ambassador called the accusations totally unfounded", "said the
allegations were baseless") is compared with the claims' own words, not with what they answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..extraction.references import answered_content, content_of, find_reference, third_person
from ..extraction.verbs import PRESENT_VERBS
from .base import Stance, StanceInput
from .claim_model import attributed_content

if TYPE_CHECKING:
    from ..extraction import Extractor
    from .base import StanceModel

ALLEGING_VOICES = frozenset({"alleges", "reports"})
# Contents that open with a pronoun need the sentence around them; they are left to the model whole.
PRONOUN_START = re.compile(r"^(?:it|its|they|their|he|his|she|her|we|our|i|this|that|these|those)\b", re.I)
GERUND_START = re.compile(r"^\w+ing\b")
SUBJECT_PRONOUN = re.compile(r"^(?:(?P<it>it|they)|(?P<its>its|their))\b", re.I)
# "Washington is sure (that) P", "the US is confident P": a belief stated about a party, its content P.
BELIEF = re.compile(r"^(?P<speaker>[^,;:]{2,60}?)\s+(?:is|are|was|were|remains?)\s+(?:\w+ly\s+)?"
                    r"(?:sure|confident|convinced|certain|adamant)\s+(?:that\s+)?"
                    r"(?!(?:to|of|about|in|on|with|for|that)\b)(?P<content>\S.*)$", re.I)
# A clause after a verb without "that" ("denied his country had supplied missiles"): a subject of up to five words
# (none of them a word that opens a noun's own complement), then a finite auxiliary.
BARE_CLAUSE = re.compile(r"^(?:(?!(?:that|which|who|of|about|on|over|to|for|in)\b)[\w’'-]+\s+){1,5}?"
                         r"(?:had|has|have|was|were|is|are|did|does|do|will|would|could|can|might|may)\b", re.I)
# The same in a typed statement, where a pronoun subject may take any verb ("Iran denies it sent drones").
PRONOUN_CLAUSE = re.compile(r"^(?:it|they|he|she|we)\s+\w+", re.I)
# A time or manner phrase between a reporting verb and its "that" ("said on Monday that P", "admitted for the first
# time on Saturday that P", "alleged in August that P").
ADVERBIAL_BEFORE_THAT = re.compile(r"^\s+(?:on|in|at|during|for|after|before|last|this|earlier|later|again|also|"
                                   r"repeatedly|previously|yesterday|today|once|now)\b"
                                   r"[^.;:\"“”]{0,40}?\s+(?=that\b)", re.I)
# A denial of a noun that names its content: "denied US accusations that P", "dismissed reports that P", "denied
# accusations of having handed over weapons".
CONTENT_NOUN = re.compile(r"^(?:[\w’'-]+\s+){0,2}?(?:accusations?|claims?|allegations?|reports?|suggestions?|"
                          r"charges?|rumou?rs?)\s+(?P<connector>that|of)\s+", re.I)
# A rejection that goes on to assert something of its own: "called such reports a stuffing and stressed that the
# Russian army uses domestically produced drones", "call the accusations ‘totally unfounded’ and stressed Iran’s
# neutrality".
SECOND_ASSERTION = re.compile(r"\b(?:and|but)\s+(?:also\s+)?(?:stressed|said|added|insisted|stated|noted|"
                              r"emphasi[sz]ed|maintained|underlined|reiterated)\b", re.I)
# A referring claim that endorses what it answers: "We are confident in that information", "stood by the report",
# "similar statements were made by ...", "these reports are true".
ENDORSING_BEFORE = re.compile(r"\b(?:confident in|(?:stand|stands|standing|stood) by|confirm(?:s|ed|ing)?|"
                              r"repeat(?:s|ed|ing)?|reiterat(?:es|ed|ing)|echo(?:es|ed|ing)?|back(?:s|ed|ing)?)\s+"
                              r"(?:\w+ly\s+)?$", re.I)
ENDORSING_AFTER = re.compile(r"^\s+(?:is|are|was|were|has been|have been)\s+(?:\w+ly\s+)?"
                             r"(?:true|correct|accurate|right|made|repeated|confirmed|echoed)\b", re.I)
# A refusal of an act: "refuses to send", "has declined to supply", "refused to hand over"; not of a speech act
# ("declined to confirm" takes no side, "refused to comment" says nothing).
REFUSED = re.compile(r"\b(?:(?P<perfect>has|have|had)\s+)?(?P<verb>refuses|refuse|refused|declines|decline|declined)"
                     r"\s+to\s+(?!(?:confirm|deny|comment|say|elaborate|discuss|disclose|reveal|specify|speculate|"
                     r"answer|respond|name|identify)\b)(?=[a-z]+\b)", re.I)
# What a planned act acts on: the words after its verb up to a preposition, a conjunction or punctuation.
PLAN_OBJECT = re.compile(r"[^,.;:!?()\[\]\"“”]*?(?=\s+(?:to|from|for|in|on|at|with|into|by|of|over|against|before|"
                         r"after|following|amid|despite|until|since|ahead|due|during|and|but|if|as|when|while|because|"
                         r"that|which|who)\b|[,.;:!?()\[\]\"“”]|$)",
                         re.I)
# A plan or preparation: "was preparing to ship", "is getting ready to send", "planned to deliver", "is set to sign".
# Also a threat ("had threatened to quit") and talks ("was in talks to move"); a bare gerund where a content was
# cut from "accused the government of preparing to postpone".
PLANNED = re.compile(r"\b(?:(?:(?:is|are|was|were|has been|have been|had been)\s+)?(?:preparing|planning|getting ready|"
                     r"gearing up|readying|threatening|negotiating)|(?:is|are|was|were)\s+(?:poised|set|about|in talks)|"
                     r"(?:(?:has|have|had)\s+)?(?:threatened|planned|intended)|plans|intends|threatens)"
                     r"\s+to\s+(?P<verb>[a-z]+)\b", re.I)
# A quantity whose thing follows "of": "cut the number of daily slots" acts on slots.
QUANTITY = {"number", "amount", "share", "level", "size", "part", "proportion", "volume", "price", "cost"}


# A statement's own hedge: "reportedly", "allegedly"; "is said to be", "were reported to have".
ACCORDING_TO = re.compile(r",\s+according\s+to\s+[^,;]{2,80}?\s*(?=[.!]?$)", re.I)
HEDGING_ADVERB = re.compile(r"\s+(?:reportedly|allegedly|supposedly|apparently)\b(?=\s+\w)", re.I)
REPORTED_TO = re.compile(r"\b(?P<aux>is|are|was|were)\s+(?:widely\s+)?(?:reported|said|believed|alleged|understood|"
                         r"thought|rumou?red|claimed)\s+to\s+(?:be\b|(?P<have>have)\b)", re.I)
PERFECT = {"is": "has", "are": "have", "was": "had", "were": "had"}


@dataclass(frozen=True)
class StatementFrame:
    """The statement as claims are judged against it."""

    text: str  # the whole statement, or its content when an asserting reporting verb governs it
    denied: str | None = None  # the content a denying statement denies ("denies that P" -> P)
    refers: bool = False  # its content is a reference ("called the accusations unfounded")


def unhedged(statement: str) -> str:
    """A statement as the fact it reports: "Chad reportedly agreed" -> "Chad agreed", "X were reported to be
    preparing" -> "X were preparing", "X is said to have sent" -> "X has sent". Checking a reported fact is checking
    the fact."""
    statement = REPORTED_TO.sub(lambda m: PERFECT.get(m.group("aux").lower(), m.group("aux")) if m.group("have")
                                else m.group("aux"), statement)
    return HEDGING_ADVERB.sub("", ACCORDING_TO.sub("", statement))


def frame_statement(statement: str, extractor: "Extractor") -> StatementFrame:
    """How ``statement`` is judged: its reporting verb's content, what it denies, whether it only refers; a hedge of
    the statement's own is set aside (``unhedged``)."""
    statement = unhedged(statement)
    found = extractor.extract(statement).claims
    if len(found) != 1:
        return StatementFrame(statement)
    claim = found[0]
    if find_reference(statement) is not None:
        return StatementFrame(statement, refers=True)
    if not claim.verb:
        belief = BELIEF.match(statement.strip())
        if belief is None or len(belief.group("content").split()) < 3:
            return StatementFrame(statement)
        content = _with_speaker(belief.group("content"), belief.group("speaker"))
        return StatementFrame(content[0].upper() + content[1:])
    normalised = _content_clause(statement, claim.verb, claim.speaker, claim.voice == "denies", typed=True)
    content, governed = _statement_content(normalised, claim.verb, claim.voice)
    if governed and find_reference(content) is not None:  # "said the allegations were baseless"
        return StatementFrame(statement, refers=True)
    if claim.voice == "denies" and GERUND_START.match(content) and claim.speaker:
        return StatementFrame(statement, denied=_gerund_clause(content, claim.speaker))  # "denies selling ..."
    if not governed or GERUND_START.match(content):  # "acknowledged sending ...": the subject is the speaker's
        return StatementFrame(statement)
    content = _with_speaker(content, claim.speaker)
    if claim.voice == "denies":
        return StatementFrame(statement, denied=content)
    if claim.voice in {"asserts", "admits"} | ALLEGING_VOICES:
        return StatementFrame(content)
    return StatementFrame(statement)


def _statement_content(statement: str, verb: str, voice: str | None) -> tuple[str, bool]:
    """The content a statement's reporting verb governs, the present tense included ("Iran insists it is not
    taking sides" -> "it is not taking sides"); a denial's complement in any tense as it stands ("denies selling
    ...", "denied arming ...")."""
    content, governed = attributed_content(statement, verb)
    if governed or (verb.lower() not in PRESENT_VERBS and voice != "denies"):
        return content, governed
    match = re.search(rf"\b{re.escape(verb)}\b(?:,\s*)?\s*", statement, flags=re.I)
    rest = statement[match.end():].strip() if match else ""
    if len(rest.split()) < 3 or (voice == "denies" and not (GERUND_START.match(rest) or BARE_CLAUSE.match(rest)
                                                                   or PRONOUN_CLAUSE.match(rest))):
        return statement, False
    if GERUND_START.match(rest):
        return rest, False
    return rest[0].upper() + rest[1:], True


def _gerund_clause(content: str, speaker: str) -> str:
    """"selling missiles to Moscow" denied by Iran -> "Iran was selling missiles to Moscow"; "having sent
    drones" -> "Iran has sent drones"."""
    content = content.rstrip(" .")
    if content.lower().startswith("having "):
        return f"{speaker} has {content[len('having '):]}"
    return f"{speaker} was {content}"


def _with_speaker(content: str, speaker: str | None) -> str:
    """"it does not arm either side" said by Iran -> "Iran does not arm either side"."""
    match = SUBJECT_PRONOUN.match(content)
    if not speaker or match is None:
        return content
    return (speaker if match.group("it") else f"{speaker}’s") + content[match.end():]


def refusal_negated(text: str) -> str:
    """A refusal as the act negated: "Tehran refuses to send arms" -> "Tehran does not send arms", "refused to" ->
    "did not"; ``text`` itself without one."""
    def negation(match: re.Match) -> str:
        verb = match.group("verb").lower()
        if match.group("perfect") or verb.endswith("d"):
            return "did not "
        return "does not " if verb.endswith("s") else "do not "

    return REFUSED.sub(negation, text, count=1)


def planned(text: str) -> tuple[str, str] | None:
    """The act a plan names, as done, and what it acts on (the last word before a preposition or a clause break,
    lower case and singular; "" for an act on nothing): "Iran was preparing to ship missiles to Russia" -> ("Iran
    ships missiles to Russia", "missile"); None without a plan."""
    match = PLANNED.search(text)
    if match is None:
        return None
    phrase = PLAN_OBJECT.match(text, match.end())
    words = phrase.group(0).split() if phrase else []
    if words and words[-1].lower() in QUANTITY and text.startswith(" of ", phrase.end()):
        phrase = PLAN_OBJECT.match(text, phrase.end() + len(" of "))
        words = phrase.group(0).split() or words
    thing = re.sub(r"(?<=[a-z]{3})s$", "", words[-1].lower()) if words else ""
    return text[:match.start()] + third_person(match.group("verb")) + text[match.end():], thing


def _denied_content(row: Mapping) -> str | None:
    """What a stored denial denies, when the model would judge it separately from its voice: "denied that P" -> P;
    a rejection of what it answers -> that content. None for any other claim."""
    context = answered_content(row.get("responds_to_text"))
    if context and (row.get("voice") == "denies" or row.get("polarity") == "negative"):
        return attributed_content(context, None)[0]
    text = _content_clause(row["text"], row.get("verb"), row.get("speaker_name"), row.get("voice") == "denies",
                           named=True)
    content, governed = attributed_content(text, row.get("verb"))
    return content if governed and row.get("voice") == "denies" else None


def _content_clause(text: str, verb: str | None, speaker: str | None, denial: bool, typed: bool = False,
                    named: bool = False) -> str:
    """``text`` with its reporting verb directly before "that P", so that the content is split off as "said that P"
    is. A denial's bare clause gets its "that" ("denied his country had supplied" -> "denied that his country had
    supplied"). In a typed statement (``typed``) also: a time phrase in between is dropped ("alleged in August that
    P"), and a denial's noun that names the content is taken away ("dismissed reports that P", "denies accusations
    of having handed over" -> "denies that <speaker> has handed over"). A stored denial compared with a denying
    statement (``named``) loses its noun too, and its gerund gets the speaker ("denied arming Russia" -> "denied that
    Iran was arming Russia"). Otherwise stored claims keep both: the stance model reads them better whole (measured
    on the validation statements)."""
    match = re.search(rf"\b{re.escape(verb)}\b", text, flags=re.I) if verb else None
    if match is None:
        return text
    head, rest = text[:match.end()], text[match.end():]
    if typed and (adverbial := ADVERBIAL_BEFORE_THAT.match(rest)):
        return f"{head} {rest[adverbial.end():]}"
    rest = rest.lstrip()
    if not denial:
        return text
    if (typed or named) and (noun := CONTENT_NOUN.match(rest)):
        content = rest[noun.end():]
        if noun.group("connector") == "of":
            if not (speaker and GERUND_START.match(content)):
                return text
            content = _gerund_clause(content, speaker)
        return f"{head} that {content}"
    if BARE_CLAUSE.match(rest):
        return f"{head} that {rest}"
    if named and speaker and GERUND_START.match(rest):  # "denied arming Russia" -> "denied that Iran was arming"
        return f"{head} that {_gerund_clause(rest, speaker)}"
    return text


def _endorses(text: str) -> bool:
    """Whether a referring claim endorses what it refers to ("We are confident in that information")."""
    reference = find_reference(text)
    if reference is None or reference.noun in {"part", "question", "questions"}:
        return False
    return bool(ENDORSING_BEFORE.search(text[:reference.start]) or ENDORSING_AFTER.match(text[reference.end:]))


def claim_input(row: Mapping, similarity: float, vector: np.ndarray | None, frame: StatementFrame) -> StanceInput:
    """The stance model's input for one stored claim, judged against ``frame.text``."""
    text, voice, verb = row["text"], row.get("voice"), row.get("verb")
    context = None if frame.refers else answered_content(row.get("responds_to_text"))
    text = _content_clause(text, verb, row.get("speaker_name"), voice == "denies")
    # A referring claim that endorses what it answers asserts it: "We are confident in that information".
    if context and voice not in {"denies", "refuses_to_confirm"} and row.get("polarity") != "negative" \
            and _endorses(text):
        return StanceInput(text=context, similarity=similarity, polarity="positive", voice="asserts", verb=None,
                           vector=vector, context=None)
    # An allegation asserts what it alleges; an assertion whose verb does not govern its content ("found in a
    # visual analysis that P") is judged on P too, as "said that P" is.
    framed = voice in ALLEGING_VOICES or (voice == "asserts" and not attributed_content(text, verb)[1])
    if framed and not context:
        connector, content = content_of(text)
        if connector in {"that", "of"} and not PRONOUN_START.match(content):
            text, voice, verb = content, "asserts", None
    return StanceInput(text=text, similarity=similarity, polarity=row.get("polarity") or "positive", voice=voice,
                       verb=verb, vector=vector, context=context)


def judge(model: "StanceModel", frame: StatementFrame, rows: Sequence[Mapping], similarities: Sequence[float],
          vectors: Sequence[np.ndarray | None], statement_vector: np.ndarray | None) -> list[Stance]:
    """Each stored claim's stance toward the framed statement (in ``rows`` order)."""
    inputs = [claim_input(row, s, v, frame) for row, s, v in zip(rows, similarities, vectors)]
    stances: list[Stance | None] = [None] * len(rows)
    paired: list[int] = []
    if frame.denied is not None:  # a denial against a denial: their denied contents compared
        denials = [(position, _denied_content(row)) for position, row in enumerate(rows)]
        paired = [position for position, content in denials if content]
        contents = {position: content for position, content in denials if content}
        pairs = [StanceInput(text=contents[p], similarity=inputs[p].similarity, vector=inputs[p].vector,
                             voice="asserts") for p in paired]
        for position, stance in zip(paired, model.classify(frame.denied, pairs, None) if pairs else []):
            stances[position] = stance
    frame = replace(frame, text=refusal_negated(frame.text))
    plan = planned(frame.text)
    if plan is not None:  # a plan against a plan of the same thing: the planned acts compared
        # a referring claim's plan is the one it answers ("There is no such plan" -> the plan reported)
        plans = {p: planned(inputs[p].context or inputs[p].text) for p in range(len(rows)) if stances[p] is None}
        acts = {p: other[0] for p, other in plans.items() if other is not None and other[1] == plan[1]}
        pairs = [replace(inputs[p], context=act) if inputs[p].context else replace(inputs[p], text=act)
                 for p, act in acts.items()]
        for position, stance in zip(acts, model.classify(plan[0], pairs, statement_vector) if pairs else []):
            stances[position] = stance
    rest = [position for position in range(len(rows)) if stances[position] is None]
    judged = model.classify(frame.text, [inputs[p] for p in rest], statement_vector) if rest else []
    for position, stance in zip(rest, judged):
        stances[position] = stance
    # A rejection judged on what it answers has no side toward a statement about something else; when the claim
    # goes on to assert something of its own, its own words are judged too.
    compound = [p for p in rest if stances[p].label == "neutral" and inputs[p].context
                and inputs[p].voice != "refuses_to_confirm" and SECOND_ASSERTION.search(rows[p]["text"])]
    own = [StanceInput(text=rows[p]["text"], similarity=inputs[p].similarity, vector=inputs[p].vector,
                       polarity=inputs[p].polarity, voice="asserts") for p in compound]
    for position, stance in zip(compound, model.classify(frame.text, own, statement_vector) if own else []):
        if stance.label != "neutral":
            stances[position] = stance
    return [stance for stance in stances if stance is not None]
