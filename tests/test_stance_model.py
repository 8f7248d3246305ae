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


def _read_fnc(body_ids: set[str]) -> tuple[list[dict], list[dict]]:
    with open(FNC_DIR / "train_bodies.csv", encoding="utf-8", newline="") as handle:
        bodies = [row for row in csv.DictReader(handle) if row["Body ID"] in body_ids]
    with open(FNC_DIR / "train_stances.csv", encoding="utf-8", newline="") as handle:
        stances = [row for row in csv.DictReader(handle) if row["Body ID"] in body_ids]
    return bodies, stances


def _write_subset(tmp_path: Path, body_ids: set[str]) -> tuple[Path, Path]:
    """An FNC-1 CSV pair with every pair of the given bodies."""
    bodies, stances = _read_fnc(body_ids)
    bodies_path, stances_path = tmp_path / "bodies.csv", tmp_path / "stances.csv"
    for path, rows, columns in ((bodies_path, bodies, ["Body ID", "articleBody"]),
                                (stances_path, stances, ["Headline", "Body ID", "Stance"])):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    return bodies_path, stances_path


# Training bodies with agree, disagree, discuss and unrelated pairs between them.
SUBSET_BODIES = {"295", "1299", "2248", "712", "158"}


@needs_fnc
def test_article_level_on_fnc_pairs(model):
    """Christian Bale withdrew from the Steve Jobs film (body 1299, a training body: this checks wiring)."""
    (body,), _ = _read_fnc({"1299"})
    text = body["articleBody"]
    agree = model.classify_article("Christian Bale quits Steve Jobs movie", text)
    assert agree.label == "agree" and 0.0 <= agree.confidence <= 1.0
    assert agree.evidence and all(0 <= i < 80 for i in agree.evidence)
    unrelated = model.classify_article(MISSILES, text)
    assert unrelated.label == "unrelated" and unrelated.evidence == []


def _run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


@needs_fnc
def test_evaluate_script_output_format(tmp_path):
    bodies, stances = _write_subset(tmp_path, {"295", "1299"})
    result = _run_script("scripts/evaluate_stance.py", "--bodies", str(bodies), "--stances", str(stances),
                         "--model", str(MODEL_DIR))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"FNC-1 score: \d\.\d{4}", lines[-1])
    assert any(line.startswith("macro-F1: ") for line in lines)
    assert any(line.startswith("confusion matrix") for line in lines)


@needs_fnc
def test_training_smoke(tmp_path, embedder):
    from service.stance.trained import TrainedStanceModel

    bodies, stances = _write_subset(tmp_path, SUBSET_BODIES)
    out = tmp_path / "model"
    result = _run_script("scripts/train_stance.py", "--bodies", str(bodies), "--stances", str(stances),
                         "--out", str(out), "--cache-dir", str(tmp_path / "cache"),
                         "--max-iter", "15", "--claim-max-iter", "10")
    assert result.returncode == 0, result.stderr
    assert "FNC-1 score:" in result.stdout
    small = TrainedStanceModel.load(out, embedder)
    (stance,) = small.classify(DRONES, [StanceInput("Iran denied sending drones to Russia", 0.7, "negative", "denies")])
    assert stance.label in LABELS
    assert small.classify_article(DRONES, "Iran denied it. Russia said nothing.").label in {
        "agree", "disagree", "discuss", "unrelated"}


def _tiny_nli_model(directory: Path, id2label: dict[int, str]) -> Path:
    """A randomly initialised 2-layer BERT classifier with a tiny WordPiece vocabulary."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    words = "iran russia drones sent supplied missiles the to before invasion denied wrong not we part is".split()
    vocab = directory / "vocab.txt"
    directory.mkdir(parents=True)
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n", encoding="utf-8")
    BertTokenizer(str(vocab)).save_pretrained(str(directory))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=5 + len(words), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=64, num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(str(directory))
    return directory


def test_cross_encoder_wiring(tmp_path):
    """Wiring only (labels mapped through id2label, shapes, article aggregation), not quality: the model is random."""
    from sentence_transformers import CrossEncoder

    from service.stance.crossencoder import NLI_TO_STANCE, CrossEncoderStanceModel

    id2label = {0: "contradiction", 1: "Entailment", 2: "NEUTRAL"}
    path = _tiny_nli_model(tmp_path / "nli", id2label)
    model = CrossEncoderStanceModel(path)
    assert model.name == "cross-encoder"
    assert model.labels == ["refutes", "supports", "neutral"]
    claims = [StanceInput("We supplied drones to Russia", 0.6), StanceInput("The missile part is wrong", 0.3)]
    stances = model.classify(DRONES, claims)
    raw = CrossEncoder(str(path)).predict([(c.text, DRONES) for c in claims], apply_softmax=True)
    for stance, scores in zip(stances, np.asarray(raw)):
        assert stance.label == NLI_TO_STANCE[id2label[int(scores.argmax())].lower()]
        assert stance.confidence == pytest.approx(float(scores.max()), abs=1e-5)
    article = model.classify_article(DRONES, "Iran sent drones to Russia. We denied it. The part is wrong.")
    assert article.label in {"agree", "disagree", "discuss", "unrelated"}
    assert all(0 <= i < 3 for i in article.evidence)
    assert model.classify(DRONES, []) == []


def test_cross_encoder_rejects_non_nli_labels(tmp_path):
    from service.stance.crossencoder import CrossEncoderStanceModel

    path = _tiny_nli_model(tmp_path / "sentiment", {0: "negative", 1: "positive", 2: "mixed"})
    with pytest.raises(ValueError, match="not NLI labels"):
        CrossEncoderStanceModel(path)
