"""One fact, many reports: copies of one claim shown as one match of /v1/check.

Two claims are one fact in two cases.

- **Copies across articles:** two claims of two articles with the same speaker (the same canonical speaker id,
  or both none), the same polarity, and cosine similarity of their stored vectors >=
  ``group_reports_min_similarity`` with some claim already in the group (in the seeds, copies of one statement lie
  at 0.72-0.96 to their nearest copy, distinct claims of one speaker and polarity in two articles at most 0.70).
- **Restatements within one article:** claims of one article by one party (the same speaker, or one speaking for
  the other: Peskov for Russia) with one polarity that answer the same thing ("The missile part is completely
  wrong." and "described the accusations as a ‘fuss’", both answering the fuss about missiles and drones; "Moscow
  and Tehran have repeatedly denied these claims" and Peskov's "called such reports a stuffing"), or a rejection
  that restates the party's own denial it answers ("Kanani denied US accusations that ..." then "We strongly reject
  this information"). Claims of one article are otherwise never grouped, however close: one speaker's distinct
  claims in one article often lie above the copy threshold. A party is not widened across articles: "Iran
  admitted ..." and the foreign minister's own words are one fact, but a group holds one claim of an article, so
  the outlet's paraphrase would take the place of its quotation.

Standalone claims (fact-check records) are never grouped: each is a verdict of its own. The highest-ranked claim
represents the group.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .stance.base import Stance

DEPTH_PER_FACT = 4  # candidates retrieved per requested match, so that k facts remain after grouping

Hit = tuple[int, float]


def _names(row: Mapping) -> tuple[str | None, str | None]:
    name, organisation = row.get("speaker_name"), row.get("speaker_organisation")
    return (name.casefold() if name else None), (organisation.casefold() if organisation else None)


def same_party(a: Mapping, b: Mapping) -> bool:
    """The same canonical speaker (or both none), or one speaks for the other: one's organisation is the other."""
    if a["speaker_id"] == b["speaker_id"]:
        return True
    (name_a, organisation_a), (name_b, organisation_b) = _names(a), _names(b)
    return bool((name_a and name_a == organisation_b) or (name_b and name_b == organisation_a))


def _polarity(row: Mapping) -> str:
    return row.get("polarity") or "positive"


def _negative(row: Mapping) -> bool:
    return _polarity(row) == "negative" or row.get("voice") == "denies"


def restates(a: Mapping, b: Mapping) -> bool:
    """Whether two claims of one article state one fact: one party, one polarity, and either both answer the same
    thing or one is a rejection answering the other, itself a denial."""
    if not a["article_id"] or a["article_id"] != b["article_id"] or a.get("id") == b.get("id"):
        return False
    if not same_party(a, b) or _polarity(a) != _polarity(b):
        return False
    answered_a, answered_b = a.get("responds_to_claim_id"), b.get("responds_to_claim_id")
    if answered_a is not None and answered_a == answered_b:
        return True
    if answered_a is None and answered_b is None and a.get("responds_to_text") \
            and a.get("responds_to_text") == b.get("responds_to_text"):
        return True  # both answer one sentence that is no claim (a question)
    if (answered_a is not None and answered_a == b.get("id")) or (answered_b is not None and answered_b == a.get("id")):
        return _negative(a) and _negative(b)
    return False


def _joinable(first: Sequence[Hit], second: Sequence[Hit], rows: Mapping[int, dict],
              vectors: Mapping[int, np.ndarray], min_similarity: float) -> bool:
    """Whether two groups are copies of one fact: the same speaker and polarity (each group has one), no article in
    both, and some claim of one a copy of some claim of the other."""
    a, b = rows[first[0][0]], rows[second[0][0]]
    if not a["article_id"] or not b["article_id"] or a["speaker_id"] != b["speaker_id"] \
            or _polarity(a) != _polarity(b):
        return False
    if {rows[i]["article_id"] for i, _ in first} & {rows[j]["article_id"] for j, _ in second}:
        return False
    return any(i in vectors and j in vectors and float(np.dot(vectors[i], vectors[j])) >= min_similarity
               for i, _ in first for j, _ in second)


def group_reports(hits: Sequence[Hit], rows: Mapping[int, dict], vectors: Mapping[int, np.ndarray],
                  min_similarity: float) -> list[list[Hit]]:
    """The hits (best first) as groups of one fact, each group in rank order, groups in order of their best claim.

    First each article's restatements of one fact are gathered; then these join the first group they are copies
    of; then groups that turn out to be copies of each other are merged, so that the result does not depend on the
    order in which the copies came (a copy close only to a copy ranked below it would otherwise stand alone).
    """
    rank = {claim_id: position for position, (claim_id, _) in enumerate(hits)}
    units: list[list[Hit]] = []
    for claim_id, similarity in hits:
        unit = next((u for u in units if any(restates(rows[i], rows[claim_id]) for i, _ in u)), None)
        if unit is None:
            units.append([(claim_id, similarity)])
        else:
            unit.append((claim_id, similarity))
    groups: list[list[Hit]] = []
    for unit in units:
        group = next((g for g in groups if _joinable(g, unit, rows, vectors, min_similarity)), None)
        if group is None:
            groups.append(list(unit))
        else:
            group.extend(unit)
            group.sort(key=lambda hit: rank[hit[0]])
    merged = True
    while merged:
        merged = False
        for a, b in ((a, b) for a in range(len(groups)) for b in range(a + 1, len(groups))):
            if _joinable(groups[a], groups[b], rows, vectors, min_similarity):
                groups[a] = sorted(groups[a] + groups[b], key=lambda hit: rank[hit[0]])
                del groups[b]
                merged = True
                break
    return groups


def reported_by(group: Sequence[Hit], rows: Mapping[int, dict], stances: Mapping[int, Stance]) -> list[dict[str, Any]]:
    """Every report of the fact (each copy, and each restatement in one article), first report first: by
    publication date (undated last), then claim id."""
    def published(claim_id: int) -> str | None:
        return rows[claim_id].get("article_published") or rows[claim_id].get("claim_published")

    order = sorted((i for i, _ in group), key=lambda i: (published(i) is None, published(i) or "", i))
    return [{"article_id": rows[i]["article_id"], "outlet": rows[i].get("outlet") or rows[i].get("claim_source"),
             "published": published(i), "claim_id": int(i), "text": rows[i]["text"],
             "stance": stances[i].as_dict()} for i in order]
