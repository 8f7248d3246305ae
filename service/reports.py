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


def group_reports(hits: Sequence[Hit], rows: Mapping[int, dict], vectors: Mapping[int, np.ndarray],
                  min_similarity: float) -> list[list[Hit]]:
    """The hits (best first) as groups of copies, each group in rank order, groups in order of their best copy."""
    groups: list[list[Hit]] = []
    for claim_id, similarity in hits:
        row = rows[claim_id]
        group = next((g for g in groups if row["article_id"]
                      and _copies(row, vectors.get(claim_id), g, rows, vectors, min_similarity)), None)
        if group is None:
            groups.append([(claim_id, similarity)])
        else:
            group.append((claim_id, similarity))
    return groups


def reported_by(group: Sequence[Hit], rows: Mapping[int, dict], stances: Mapping[int, Stance]) -> list[dict[str, Any]]:
    """Every report of the fact, first report first: by publication date (undated last), then claim id."""
    def published(claim_id: int) -> str | None:
        return rows[claim_id].get("article_published") or rows[claim_id].get("claim_published")

    order = sorted((i for i, _ in group), key=lambda i: (published(i) is None, published(i) or "", i))
    return [{"article_id": rows[i]["article_id"], "outlet": rows[i].get("outlet") or rows[i].get("claim_source"),
             "published": published(i), "claim_id": int(i), "stance": stances[i].as_dict()} for i in order]
