"""One fact, many reports: copies of one claim across outlets shown as one match of /v1/check.

Two claims of two articles are copies when they have the same speaker (the same canonical speaker id, or both
none), the same polarity, and cosine similarity of their stored vectors >= ``group_reports_min_similarity`` with some
claim already in the group (in the seeds, copies of one statement lie at 0.72-0.96 to their nearest copy, distinct
claims of one speaker and polarity in two articles at most 0.70). A group holds one claim per article (claims of one
article by one speaker are often close and still distinct), and standalone claims (fact-check records) are never
grouped: each is a verdict of its own. The highest-ranked copy represents the group.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .stance.base import Stance

DEPTH_PER_FACT = 4  # candidates retrieved per requested match, so that k facts remain after grouping

Hit = tuple[int, float]


def _copies(row: dict, vector: np.ndarray | None, group: Sequence[Hit], rows: Mapping[int, dict],
            vectors: Mapping[int, np.ndarray], min_similarity: float) -> bool:
    first = rows[group[0][0]]
    if vector is None or not first["article_id"] or first["speaker_id"] != row["speaker_id"]:
        return False
    if any(rows[i]["article_id"] == row["article_id"] for i, _ in group):
        return False
    if (first["polarity"] or "positive") != (row["polarity"] or "positive"):
        return False
    return any(i in vectors and float(np.dot(vectors[i], vector)) >= min_similarity for i, _ in group)


def _joinable(first: Sequence[Hit], second: Sequence[Hit], rows: Mapping[int, dict],
              vectors: Mapping[int, np.ndarray], min_similarity: float) -> bool:
    """Whether two groups are copies of one fact: the same speaker and polarity (each group has one), no article in
    both, and some claim of one a copy of some claim of the other."""
    a, b = rows[first[0][0]], rows[second[0][0]]
    if not a["article_id"] or not b["article_id"] or a["speaker_id"] != b["speaker_id"]:
        return False
    if (a["polarity"] or "positive") != (b["polarity"] or "positive"):
        return False
    if {rows[i]["article_id"] for i, _ in first} & {rows[j]["article_id"] for j, _ in second}:
        return False
    return any(i in vectors and j in vectors and float(np.dot(vectors[i], vectors[j])) >= min_similarity
               for i, _ in first for j, _ in second)


def group_reports(hits: Sequence[Hit], rows: Mapping[int, dict], vectors: Mapping[int, np.ndarray],
                  min_similarity: float) -> list[list[Hit]]:
    """The hits (best first) as groups of copies, each group in rank order, groups in order of their best copy.

    Each hit joins the first group it is a copy of; then groups that turn out to be copies of each other are
    merged, so that the result does not depend on the order in which the copies came (a copy close only to a
    copy ranked below it would otherwise stand alone).
    """
    rank = {claim_id: position for position, (claim_id, _) in enumerate(hits)}
    groups: list[list[Hit]] = []
    for claim_id, similarity in hits:
        row = rows[claim_id]
        group = next((g for g in groups if row["article_id"]
                      and _copies(row, vectors.get(claim_id), g, rows, vectors, min_similarity)), None)
        if group is None:
            groups.append([(claim_id, similarity)])
        else:
            group.append((claim_id, similarity))
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
    """Every report of the fact, first report first: by publication date (undated last), then claim id."""
    def published(claim_id: int) -> str | None:
        return rows[claim_id].get("article_published") or rows[claim_id].get("claim_published")

    order = sorted((i for i, _ in group), key=lambda i: (published(i) is None, published(i) or "", i))
    return [{"article_id": rows[i]["article_id"], "outlet": rows[i].get("outlet") or rows[i].get("claim_source"),
             "published": published(i), "claim_id": int(i), "stance": stances[i].as_dict()} for i in order]
