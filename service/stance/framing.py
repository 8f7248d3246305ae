"""What the stance model is asked: a statement and stored claims, framed so that each one's voice is applied once.

The claim-level model judges a claim's *content* against the statement and applies the claim's voice on top
("X denied that P" is judged as P and turned round). Three framings make that work for what journalists type and
for what articles report:

- **A statement with a reporting verb** ("Israeli analysts say drone parts ... match Iranian models") is judged by
  its content ("drone parts ... match Iranian models"); a subject pronoun of the content is its speaker ("Iran
  says it does not arm either side" -> "Iran does not arm either side").
- **A denial against a denial** ("Moscow denies that its forces use Iranian drones" against "Russia has also
  denied that it has used Iranian drones"): the two denied contents are compared directly, since two parties
  denying the same thing agree. Turning the claim's content round against the whole statement loses this (a
  content that refutes the statement gives no side).
- **An allegation or a report** ("Ukraine and its Western allies have accused Russia of using Iranian-made
  drones", "reports have suggested that the Revolutionary Guard trained Russians") asserts what it alleges: it is
  judged on that content, the way a speaker's "said that P" is.

A statement that itself only refers ("Iran's UN ambassador called the accusations totally unfounded") is compared
with the claims' own words, not with what they answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..extraction.references import answered_content, content_of, find_reference
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


@dataclass(frozen=True)
class StatementFrame:
    """The statement as claims are judged against it."""

    text: str  # the whole statement, or its content when an asserting reporting verb governs it
    denied: str | None = None  # the content a denying statement denies ("denies that P" -> P)
    refers: bool = False  # its content is a reference ("called the accusations unfounded")


def frame_statement(statement: str, extractor: "Extractor") -> StatementFrame:
    """How ``statement`` is judged: its reporting verb's content, what it denies, whether it only refers."""
    found = extractor.extract(statement).claims
    if len(found) != 1 or not found[0].verb:
        return StatementFrame(statement)
    claim = found[0]
    if find_reference(statement) is not None:
        return StatementFrame(statement, refers=True)
    content, governed = attributed_content(statement, claim.verb)
    if not governed or GERUND_START.match(content):  # "acknowledged sending ...": the subject is the speaker's
        return StatementFrame(statement)
    content = _with_speaker(content, claim.speaker)
    if claim.voice == "denies":
        return StatementFrame(statement, denied=content)
    if claim.voice in {"asserts", "admits"} | ALLEGING_VOICES:
        return StatementFrame(content)
    return StatementFrame(statement)


def _with_speaker(content: str, speaker: str | None) -> str:
    """"it does not arm either side" said by Iran -> "Iran does not arm either side"."""
    match = SUBJECT_PRONOUN.match(content)
    if not speaker or match is None:
        return content
    return (speaker if match.group("it") else f"{speaker}’s") + content[match.end():]


def _denied_content(row: Mapping) -> str | None:
    """What a stored denial denies, when the model would judge it separately from its voice: "denied that P" -> P;
    a rejection of what it answers -> that content. None for any other claim."""
    context = answered_content(row.get("responds_to_text"))
    if context and (row.get("voice") == "denies" or row.get("polarity") == "negative"):
        return attributed_content(context, None)[0]
    content, governed = attributed_content(row["text"], row.get("verb"))
    return content if governed and row.get("voice") == "denies" else None


def claim_input(row: Mapping, similarity: float, vector: np.ndarray | None, frame: StatementFrame) -> StanceInput:
    """The stance model's input for one stored claim, judged against ``frame.text``."""
    text, voice, verb = row["text"], row.get("voice"), row.get("verb")
    context = None if frame.refers else answered_content(row.get("responds_to_text"))
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
    rest = [position for position in range(len(rows)) if stances[position] is None]
    judged = model.classify(frame.text, [inputs[p] for p in rest], statement_vector) if rest else []
    for position, stance in zip(rest, judged):
        stances[position] = stance
    return [stance for stance in stances if stance is not None]
