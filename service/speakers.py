"""Speakers as entities: search by name or alias, and a speaker's claims in date order across outlets, each
labelled with its stance toward the claim before it, so that a change of position shows ("denied" in
October, "admitted" in November).

The pair label comes from the engine's configured stance model, the same one /v1/check uses: the earlier claim's
content is the statement and the later claim is judged against it (its similarity, polarity, voice and stored
vector). When the earlier claim is a denial of governed content ("denied that P"), the statement is P and the
label is turned round, so a denial followed by an admission of the same fact is ``refutes``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .extraction.references import answered_content
from .stance import StanceInput
from .stance.claim_model import attributed_content

if TYPE_CHECKING:
    from .engine import FactCheckEngine


def search_speakers(engine: "FactCheckEngine", query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Speakers matching ``query`` by name or alias, best match first."""
    return engine.store.search_speakers(query, limit)


def speaker_timeline(engine: "FactCheckEngine", speaker_id: int) -> dict[str, Any] | None:
    """The speaker and its claims, oldest first, each with its stance toward the one before; None if unknown."""
    from .engine import claim_view

    speaker = engine.store.find_speaker(speaker_id)
    if speaker is None:
        return None
    rows = engine.store.claims_of_speaker(speaker_id)
    vectors = engine.store.embeddings_of([r["id"] for r in rows])
    claims: list[dict[str, Any]] = []
    for position, row in enumerate(rows):
        claim = claim_view(row)
        claim["date"] = row.get("claim_date")
        claim["time_text"] = row.get("time_text")
        claim["stance_to_previous"] = None
        if position:
            previous = rows[position - 1]
            claim["stance_to_previous"] = _pair_stance(engine, previous, row, vectors)
        claims.append(claim)
    return {"speaker": speaker, "claims": claims}


def _pair_stance(engine: "FactCheckEngine", previous: dict, current: dict, vectors: dict[int, np.ndarray]) -> dict:
    before, after = vectors.get(previous["id"]), vectors.get(current["id"])
    similarity = float(np.dot(before, after)) if before is not None and after is not None else 0.0
    claim = StanceInput(text=current["text"], similarity=similarity, polarity=current["polarity"] or "positive",
                        voice=current["voice"], verb=current.get("verb"), vector=after,
                        context=answered_content(current.get("responds_to_text")))
    # The earlier claim's content is the statement; an earlier denial ("denied that P") turns the label round.
    statement, governed = attributed_content(previous["text"], previous.get("verb"))
    denied = governed and previous.get("voice") == "denies"
    stance = engine.stance_model.classify(statement, [claim], None if governed else before)[0]
    stance = stance.flipped() if denied else stance
    return {"previous_claim_id": int(previous["id"]), **stance.as_dict(), "similarity": round(similarity, 4),
            "position_change": stance.label == "refutes"}
