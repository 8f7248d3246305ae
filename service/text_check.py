"""Whole-text check: a draft or transcript -> its check-worthy sentences, each checked like one statement.

The extraction pipeline cuts the text into claims (sentences, or the quoted words of a quotation) with their
speaker, reporting verb and voice; questions, fragments and calls to action are no claims there. The
check-worthiness model scores each claim (0..1, calibrated); those at or above the threshold are checked against
the stored claims as ``POST /v1/check`` checks one statement. Spans refer to the text as sent.
"""
from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any, Sequence

from .engine import EngineError
from .extraction import ExtractedClaim

if TYPE_CHECKING:
    from .engine import FactCheckEngine

MAX_CHECKED_CLAIMS = 50  # claims checked per request (the most check-worthy); the rest are counted as omitted
MAX_TEXT_CLAIMS = 3000  # claims scored per request: a 200,000-character article holds about 1,500 sentences


def check_text(
    engine: "FactCheckEngine", text: str, k: int | None = None, min_check_worthiness: float | None = None,
) -> dict[str, Any]:
    """The text's claims in text order, each with its check-worthiness, its matches and their stance summary.

    Only claims scoring at least ``min_check_worthiness`` (default: the model's decision threshold) are returned;
    of those, the ``MAX_CHECKED_CLAIMS`` most check-worthy are checked and the rest are counted in ``omitted``.
    """
    extracted = engine.extractor.extract(text).claims
    if len(extracted) > MAX_TEXT_CLAIMS:
        raise EngineError(422, "too_many_claims", f"the text holds {len(extracted)} claims; at most "
                          f"{MAX_TEXT_CLAIMS} are scored per request: send it in parts")
    model = engine.checkworthiness
    threshold = model.threshold if min_check_worthiness is None else min_check_worthiness
    scores = model.score([c.standalone_text for c in extracted]) if extracted else []
    kept = [(claim, float(score)) for claim, score in zip(extracted, scores) if score >= threshold]
    checked = sorted(kept, key=lambda pair: -pair[1])[:MAX_CHECKED_CLAIMS]
    checked_ids = {id(claim) for claim, _ in checked}
    spans = locate_spans(text, [c for c, _ in kept])
    # extraction may give a claim out of its place (a sentence joined to a fragment before it): text order is the
    # order of the spans, those not found last
    ordered = sorted(zip(kept, spans), key=lambda pair: pair[1]["start"] if pair[1] else len(text))
    claims = []
    for (claim, score), span in ordered:
        if id(claim) not in checked_ids:
            continue
        result = engine.check(claim.text, k=k, include_sources=False)
        claims.append({
            "text": claim.text, "span": span, "speaker": _speaker(claim), "verb": claim.verb, "voice": claim.voice,
            "check_worthiness": round(score, 4), "matches": result["matches"], "summary": result["summary"],
        })
    return {"claims": claims, "sentences": len(extracted), "omitted": len(kept) - len(claims)}


def _speaker(claim: ExtractedClaim) -> dict[str, Any] | None:
    if not claim.speaker:
        return None
    return {"name": claim.speaker, "role": claim.speaker_role, "organisation": claim.speaker_organisation}


def locate_spans(text: str, claims: Sequence[ExtractedClaim]) -> list[dict[str, int] | None]:
    """Each claim's span in ``text`` as sent (extraction's spans refer to the cleaned text, whose spaces and line
    breaks may differ): its words found in order, any white space between them; None when not found. A claim never
    takes another claim's words."""
    spans: list[dict[str, int] | None] = []
    position = 0
    for claim in claims:
        words = claim.text.split()
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words)) if words else None
        # after the claim before; else out of order (a pull quote repeated), from the start
        candidates = itertools.chain(pattern.finditer(text, position), pattern.finditer(text)) if pattern else ()
        found = next((m for m in candidates
                      if not any(m.start() < s["end"] and s["start"] < m.end() for s in spans if s)), None)
        if found is None:
            spans.append(None)
            continue
        spans.append({"start": found.start(), "end": found.end()})
        position = found.end()
    return spans
