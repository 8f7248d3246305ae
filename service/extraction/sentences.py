"""Sentence splitting with character spans, aware of abbreviations and quotations."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "lt", "col", "maj", "capt", "cmdr",
    "sgt", "gov", "sen", "rep", "pres", "rev", "hon", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "approx", "est", "fig", "dept", "univ",
}
# End punctuation, closing quotes/brackets, then space and something that can start a sentence. A run of end
# punctuation is read from its first mark only, and possessively: linear time on '!!!!…'.
BOUNDARY = re.compile(r"(?<![.!?…])([.!?…]++)([\"'”’)\]]*+)(\s++)(?=[\"'“‘(\[]?[A-Z0-9])")
WORD_CHARS = frozenset(string.ascii_letters + ".")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def _previous_word(text: str, end: int) -> str:
    """The word of letters and dots that ends at ``end`` ('U.S.' in 'the U.S.'), read backwards from there."""
    start = end
    while start > 0 and text[start - 1] in WORD_CHARS:
        start -= 1
    return text[start:end].lstrip(".").lower()


def _is_abbreviation(text: str, punct_start: int) -> bool:
    word = _previous_word(text, punct_start)
    if not word:
        return False
    if word.rstrip(".") in ABBREVIATIONS:
        return True
    # Initials such as "J." or "U.S." : single letters separated by dots.
    return bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", word))


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences; each keeps its span in ``text``. Line breaks always end a sentence."""
    sentences: list[Sentence] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        base = paragraph.start()
        body = paragraph.group(0)
        start = 0
        for match in BOUNDARY.finditer(body):
            punct_start = match.start(1)
            if match.group(1) == "." and _is_abbreviation(body, punct_start):
                continue
            # Quoted speech is split into its sentences too; attribution spans the whole quotation.
            end = match.end(2)
            _append(sentences, body, base, start, end)
            start = match.end(3)
        tail = body[start:].strip()
        if sentences and start > 0 and _is_trailer(tail) and sentences[-1].end >= base:
            # "…own people.” US State Department spokesperson Ned Price": a verbless attribution
            # closing the paragraph belongs to the sentence before it.
            last = sentences.pop()
            start = last.start - base
        _append(sentences, body, base, start, len(body))
    return sentences


def _is_trailer(tail: str) -> bool:
    return 0 < len(tail.split()) <= 8 and not re.search(r"[.!?…][\"'”’)\]]*$", tail)


def _append(sentences: list[Sentence], body: str, base: int, start: int, end: int) -> None:
    piece = body[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    offset = start + piece.index(stripped)
    sentences.append(Sentence(stripped, base + offset, base + offset + len(stripped)))
