"""The shipped FNC-1 stance model on the seed claims and FNC-1 pairs, its scripts, and the cross-encoder wiring."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service.stance.base import LABELS, StanceInput

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO_ROOT / "models" / "stance"
FNC_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "fnc1"
DRONES = "Iran sent drones to Russia before the invasion"
MISSILES = "Iran supplied missiles to Russia"

needs_fnc = pytest.mark.skipif(
    not (FNC_DIR / "train_stances.csv").is_file(), reason=f"FNC-1 training data not found in {FNC_DIR}"
)


@pytest.fixture(scope="module")
def embedder():
    from service.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def model(embedder):
    from service.stance.trained import TrainedStanceModel

    return TrainedStanceModel.load(MODEL_DIR, embedder)


def judge(model, embedder, statement: str, text: str, polarity: str = "positive", voice: str | None = None):
    """Claim-level stance the way the service calls it: stored vectors, no re-encoding."""
    statement_vector, claim_vector = embedder.encode([statement, text])
    claim = StanceInput(text, float(statement_vector @ claim_vector), polarity, voice, claim_vector)
    return model.classify(statement, [claim], statement_vector=statement_vector)[0]


@pytest.mark.parametrize(
    ("statement", "claim", "polarity", "voice", "expected"),
    [
        (DRONES, "We supplied Russia with a limited number of drones months before the war in Ukraine",
         "positive", "asserts", "supports"),
        (DRONES, "Iranian Foreign Minister Hossein Amirabdollahian on Friday denied that Iran has supplied drones to "
         "Russia for use in its invasion of Ukraine", "negative", "denies", "refutes"),
        (DRONES, "We have not provided Russia with any weapons or drones for use against Ukraine",
         "negative", "asserts", "refutes"),
        (MISSILES, "The missile part is completely wrong.", "negative", "asserts", "refutes"),
    ],
)
def test_seed_claims(model, embedder, statement, claim, polarity, voice, expected):
    stance = judge(model, embedder, statement, claim, polarity, voice)
    assert stance.label == expected
    assert 0.0 <= stance.confidence <= 1.0


def test_seed_claims_without_extraction_metadata(model, embedder):
    """Negation cues in the text alone are enough when polarity and voice are not given."""
    assert judge(model, embedder, DRONES, "We have not provided Russia with any weapons or drones").label == "refutes"
    assert judge(model, embedder, MISSILES, "The missile part is completely wrong.").label == "refutes"


def test_admission_and_denial_get_opposite_labels(model, embedder):
    admitted = judge(model, embedder, DRONES, "Iran admitted that it has sent drones to Russia before the invasion",
                     "positive", "admits")
    denied = judge(model, embedder, DRONES, "Iran denied that it has sent drones to Russia before the invasion",
                   "negative", "denies")
    assert (admitted.label, denied.label) == ("supports", "refutes")


def test_unrelated_claim_is_neutral(model, embedder):
    stance = judge(model, embedder, DRONES, "The city council approved a new budget for public libraries on Tuesday")
    assert stance.label == "neutral"


def test_claim_vectors_are_used_as_given(model, embedder):
    """A stored vector is not re-encoded: the same text with another vector can change the outcome."""
    statement_vector = embedder.encode([DRONES])[0]
    text = "We supplied Russia with a limited number of drones months before the war in Ukraine"
    claims = [StanceInput(text, 0.8, vector=embedder.encode([text])[0]), StanceInput(text, 0.8)]
    first, second = model.classify(DRONES, claims, statement_vector=statement_vector)
    assert first.label == second.label == "supports"
    assert first.confidence == pytest.approx(second.confidence, abs=1e-4)
    assert model.classify(DRONES, []) == []


@needs_fnc
def test_article_level_on_fnc_pairs(model):
    from evaluate_stance_helpers import fnc_pair

    headline, body, gold = fnc_pair(FNC_DIR, headline_start="Robert Plant Ripped up", body_id="1550")
    article = model.classify_article(headline, body)
    assert article.label == gold
    assert article.evidence and all(isinstance(i, int) for i in article.evidence)
    unrelated = model.classify_article("Iran supplied missiles to Russia", body)
    assert unrelated.label == "unrelated" and unrelated.evidence == []


def _write_subset(tmp_path: Path, body_ids: list[str], pairs_per_body: int | None = None) -> tuple[Path, Path]:
    with open(FNC_DIR / "train_bodies.csv", encoding="utf-8", newline="") as handle:
        bodies = [row for row in csv.DictReader(handle) if row["Body ID"] in body_ids]
    with open(FNC_DIR / "train_stances.csv", encoding="utf-8", newline="") as handle:
        stances = [row for row in csv.DictReader(handle) if row["Body ID"] in body_ids]
    if pairs_per_body:
        kept: dict[str, int] = {}
        stances = [r for r in stances if kept.setdefault(r["Body ID"], 0) < pairs_per_body
                   and not kept.__setitem__(r["Body ID"], kept[r["Body ID"]] + 1)]
    bodies_path, stances_path = tmp_path / "bodies.csv", tmp_path / "stances.csv"
    for path, rows, columns in ((bodies_path, bodies, ["Body ID", "articleBody"]),
                                (stances_path, stances, ["Headline", "Body ID", "Stance"])):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    return bodies_path, stances_path
