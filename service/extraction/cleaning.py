"""Article normalisation and boilerplate removal."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# A line that starts one of these blocks ends the article: everything after it is an appeal.
TRAILING_BLOCK_STARTS = [
    re.compile(r"^A Message from\b", re.I),
    re.compile(r"^Dear readers,?$", re.I),
    re.compile(r"^(Support|Donate to) (us|our journalism)\b", re.I),
]

# Whole lines that are never part of the reporting.
BOILERPLATE_LINES = [
    re.compile(r"^(Keep reading|Read more|Continue reading|Advertisement|Remind me later)\.?$", re.I),
    re.compile(r"^[a-z]{1,4}(?:[/-][a-z]{1,4}){2,}$"),  # agency signature: pdm/pjm/jvb-an/aoc
    re.compile(r"\bcontributed to this (report|article|story)\.?$", re.I),
    re.compile(r"^Get in touch with (our|the) news team\b", re.I),
    re.compile(r"\b(e-?mail(ing)? us at|\[email[^\[\]]*protected\])", re.I),
    re.compile(r"^For more stories like this\b", re.I),
    re.compile(r"^\S+ (contacted|has contacted|reached out to) .{3,120} for comment\.?$", re.I),
    re.compile(r"^(Follow|Like) us on\b", re.I),
    re.compile(r"^(Sign up|Subscribe) (for|to)\b", re.I),
    re.compile(r"^Share (this|on)\b", re.I),
]

PICTURE_CREDIT = re.compile(
    r"\s*\((?:Pictures?|Photos?|Image|Credit|Photo credit)\s*:[^)]*\)\s*|\s*\(credit:[^)]*\)\s*", re.I
)
# A wire photo caption: a description of the picture closed by its place and date
# ("..., in Kyiv, Ukraine December 19, 2022."): no claim of its own.
PHOTO_CAPTION_DATELINE = re.compile(
    r",?\s+in [A-Z][\w' -]+(?:,\s*[A-Z][\w' -]+)?,?\s+(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{1,2}, \d{4}\.?$"
)
CAPTION_WINDOW = 300  # a caption's place and date are searched for in the line's last characters (linear time)
DATE_MARKER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
# A dateline in front of the first sentence: a place, then an agency in brackets, a date or both ("KYIV (Reuters) - ",
# "Ukraine (, - ", "LUSAKA, March 4 (SAW) — ", "TALLINN, Sept 9 — "), or a place in capitals alone ("WASHINGTON — "); a
# sentence follows.
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
UPPER, LETTER = "A-ZÀ-ÖØ-Þ", "A-Za-zÀ-ÖØ-öø-ÿ"  # Latin-1 letters too: "BOGOTÁ — ", "SÃO PAULO — "
DATELINE = re.compile(
    rf"^(?:[{UPPER}][{LETTER} .'-]{{1,40}}(?:,\s?[{UPPER}][{LETTER} .'-]{{1,30}})?"
    rf"(?:\s\((?:[A-Za-z .,/]{{0,30}})\)?|,\s?{MONTH}\s\d{{1,2}}(?:,\s?\d{{4}})?(?:\s\([^()]{{1,40}}\))?)"
    rf"|[{UPPER}][{UPPER}.'-]{{2,30}}(?:\s[{UPPER}][{UPPER}.'-]{{1,30}}){{0,2}}(?:,\s?[{UPPER}][{LETTER}.'-]{{1,30}}){{0,2}})"
    r",?\s?[-–—]{1,2}\s+(?=[A-Z“\"‘'])"
)
TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$|[\"”’]$")
# Any run of white space but a line break, as one space: no pattern ever reads a long run (linear matching).
WHITESPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class CleanArticle:
    """An article reduced to its reporting: the text claims are cut from."""

    text: str
    title: str | None
    stated_date: date | None
    dropped_lines: tuple[str, ...]


def normalise(text: str) -> str:
    """NFC, unified line breaks, collapsed spaces, no trailing blanks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [WHITESPACE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def content_hash(text: str) -> str:
    """Identity of an article: a hash of its normalised text, insensitive to spacing and case."""
    canonical = " ".join(normalise(text).split()).casefold()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def _is_heading(line: str) -> bool:
    """A short line without closing punctuation: a headline or a sub-heading, not a claim."""
    return len(line.split()) <= 14 and not TERMINAL.search(line)


def _without_credits(line: str) -> str:
    """The line without picture credits, stripped. Only the line up to its last ')' (and the space after it) is
    searched: a '(' after it opens no credit, and searching there would take quadratic time."""
    end = line.rfind(")") + 1
    while 0 < end < len(line) and line[end].isspace():
        end += 1
    return (PICTURE_CREDIT.sub(" ", line[:end]) + line[end:]).strip()


def clean_article(raw: str) -> CleanArticle:
    """Drop boilerplate lines and credits; keep the reporting, one paragraph per line."""
    text = normalise(raw)
    stated_date = None
    marker = DATE_MARKER.match(text)
    if marker:
        try:
            stated_date = date.fromisoformat(marker.group(1))
        except ValueError:
            stated_date = None
        text = text[marker.end():]

    kept: list[str] = []
    dropped: list[str] = []
    title: str | None = None
    for line in (ln for ln in text.split("\n") if ln):
        if any(p.search(line) for p in TRAILING_BLOCK_STARTS):
            dropped.append(line)
            break
        if any(p.search(line) for p in BOILERPLATE_LINES):
            dropped.append(line)
            continue
        stripped = _without_credits(line)
        if stripped != line:
            dropped.append(line)
            line = stripped
            if not line or PHOTO_CAPTION_DATELINE.search(line[-CAPTION_WINDOW:]):
                continue
            if not TERMINAL.search(line):
                line += "."
        if _is_heading(line):
            if title is None and not kept:
                title = line
            dropped.append(line)
            continue
        line = DATELINE.sub("", line) if not kept else line
        kept.append(line)
    return CleanArticle(text="\n\n".join(kept), title=title, stated_date=stated_date, dropped_lines=tuple(dropped))


def speaker_key(name: str) -> str:
    """What makes two speaker names the same: case, accents, 'the', spaces and hyphens ignored
    ('Amir-Abdollahian' = 'Amir Abdollahian' = 'Amirabdollahian', 'The Washington Post' = 'Washington Post')."""
    folded = unicodedata.normalize("NFKD", name.strip().casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", re.sub(r"^the\s+", "", folded))
