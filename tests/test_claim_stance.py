"""The fact-level claim stance model (models/claim_stance): the shipped artefact, its behaviour on the kinds of pair
it exists for, voice applied to content, the claim-level endpoint and the evaluation script."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service.stance import CLAIM_MODEL_DIR
from service.stance.base import Stance, StanceInput
from service.onnx_classifier import MODEL_FILE
from service.stance.claim_model import ClaimStanceClassifier, FactStanceModel, attributed_content

REPO_ROOT = Path(__file__).resolve().parents[1]
HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs.jsonl"
DRONES = "Iran sent drones to Russia before the invasion"


@pytest.fixture(scope="module")
def model() -> FactStanceModel:
    return FactStanceModel.load(CLAIM_MODEL_DIR)


def judge(model: FactStanceModel, statement: str, text: str, voice: str | None = None, verb: str | None = None):
    return model.classify(statement, [StanceInput(text, 0.5, voice=voice, verb=verb)])[0]


def test_the_artefact_is_small_int8_onnx_with_a_model_card():
    size = (CLAIM_MODEL_DIR / MODEL_FILE).stat().st_size
    assert size <= 50 * 2**20
    card = (CLAIM_MODEL_DIR / "MODEL_CARD.md").read_text()
    settings = json.loads((CLAIM_MODEL_DIR / "settings.json").read_text())
    assert settings["labels"] == ["supports", "refutes", "neutral"] and settings["temperature"] > 0
    assert settings["validation"]["ece_after"] <= settings["validation"]["ece_before"]
    assert "expected calibration error" in card.lower() and "python scripts/train_claim_stance.py" in card


def test_onnx_tokenisation_matches_the_training_tokenizer():
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(CLAIM_MODEL_DIR))
    classifier = ClaimStanceClassifier(CLAIM_MODEL_DIR)
    pairs = [("Iran admitted that it had sent drones to Russia.", "Iran sent drones to Russia."),
             ("word " * 300, "A statement truncated with the claim.")]
    for claim, statement in pairs:
        expected = reference(claim, statement, truncation="longest_first", max_length=classifier.max_length)
        got = classifier.tokenizer.encode(claim, statement)
        assert got.ids == expected["input_ids"] and got.type_ids == expected["token_type_ids"]


def test_probabilities_are_calibrated_rows_and_order_is_kept(model):
    claims = ["Iran admitted that it had sent drones to Russia.", "The weather in Paris was mild.",
              "Iran has never sent drones to Russia."]
    p = model.classifier.probabilities(claims, ["Iran sent drones to Russia."] * 3)
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([model.classifier.probabilities([c], ["Iran sent drones to Russia."]) for c in claims])
    assert np.allclose(p, one_by_one, atol=1e-6)  # a pair's answer does not depend on the others asked with it


def test_pairs_run_side_by_side_give_the_answers_of_pairs_run_one_after_another(model):
    side_by_side = ClaimStanceClassifier(CLAIM_MODEL_DIR, parallel=2)
    claims = ["Iran admitted that it had sent drones to Russia.", "Russia ordered about 200 drones from Iran.",
              "Iran admitted that it had sent drones to Russia.", "The jobless rate fell in March.",
              "Tehran has repeatedly denied these claims."]
    statements = [DRONES, "Russia ordered about 2,000 drones from Iran.", DRONES, "Unemployment rose in March.",
                  DRONES]
    expected = model.classifier.logits(claims, statements)
    assert model.classifier.parallel == 1 and side_by_side.parallel == 2
    assert np.array_equal(side_by_side.logits(claims, statements), expected)
    assert np.array_equal(expected[0], expected[2])  # a pair asked twice is run once and answered twice
    assert not np.array_equal(expected[0], expected[4])


@pytest.mark.parametrize(("text", "verb", "content", "governed"), [
    ("Iranian Foreign Minister Hossein Amirabdollahian on Friday denied that Iran has supplied drones to Russia",
     "denied", "Iran has supplied drones to Russia", True),
    ("In November, Amirabdollahian said Iran had supplied drones to Russia", "said",
     "Iran had supplied drones to Russia", True),
    ("Western countries have accused Iran of supplying drones", "accused",
     "Western countries have accused Iran of supplying drones", False),
    ("We do not supply weapons to either side", "said", "We do not supply weapons to either side", False),
    ("Moscow denied it", "denied", "Moscow denied it", False),
    ("Tehran has supplied hundreds of drones to Moscow since August, U.S. officials said.", "said",
     "Tehran has supplied hundreds of drones to Moscow since August.", True),
    ("The drones were not Iranian, the ministry denied", "denied", "The drones were not Iranian.", True),
])
def test_attributed_content(text, verb, content, governed):
    assert attributed_content(text, verb) == (content, governed)


def test_seed_admission_supports_and_denial_refutes(model):
    admission = judge(model, DRONES, "We supplied Russia with a limited number of drones months before the war in "
                      "Ukraine", "asserts", "said")
    denial = judge(model, DRONES, "Iranian Foreign Minister Hossein Amirabdollahian on Friday denied that Iran has "
                   "supplied drones to Russia for use in its invasion of Ukraine", "denies", "denied")
    assert admission.label == "supports" and denial.label == "refutes"


def test_a_denial_is_judged_on_its_content_and_turned_round(model):
    statement = "The minister took bribes from the contractor."
    text = "The minister denied that he had taken bribes from the contractor."
    assert judge(model, statement, text, "denies", "denied").label == "refutes"
    # the same content asserted supports
    assert judge(model, statement, "The minister said that he had taken bribes from the contractor.",
                 "asserts", "said").label == "supports"


def test_neither_confirmed_nor_denied_is_neutral(model):
    stance = judge(model, "Iran sent drones to Russia.", "Iran neither confirmed nor denied that it had sent drones "
                   "to Russia.", "refuses_to_confirm", None)
    assert stance.label == "neutral"


def test_a_number_mismatch_refutes(model):
    stance = judge(model, "The company laid off 12,000 workers.", "The company said it would cut 1,200 jobs.",
                   "asserts", "said")
    assert stance.label == "refutes"
    same = judge(model, "The bridge cost 4 billion dollars.", "The bridge was built for 4 billion dollars.")
    assert same.label == "supports"


def test_another_weapon_or_actor_is_neutral(model):
    assert judge(model, "North Korea shipped artillery shells to Russia.",
                 "North Korea has shipped ballistic missiles to Russia, officials said.").label == "neutral"
    assert judge(model, "Germany approved the delivery of tanks to Ukraine.",
                 "Poland approved the delivery of tanks to Ukraine on Monday.").label == "neutral"


def test_a_hedged_report_is_neutral(model):
    stance = judge(model, "Iran supplied missiles to Russia.",
                   "The Washington Post reported that Iran was preparing to ship missiles to Russia.",
                   "reports", "reported")
    assert stance.label == "neutral"


def test_the_statements_own_negation_is_read_by_the_model(model):
    claim = "Iran admitted that it had sent drones to Russia."
    assert judge(model, "Iran sent drones to Russia.", claim, "admits", "admitted").label == "supports"
    assert judge(model, "Iran has never given drones to Russia.", claim, "admits", "admitted").label == "refutes"


def test_claim_level_endpoint(client):
    claims = ["Iran admitted that it had sent drones to Russia.",
              "Tehran denied that it had supplied drones to Moscow.",
              "The price of bread rose in France."]
    response = client.post("/v1/stance", json={"statement": "Iran sent drones to Russia.", "claims": claims})
    assert response.status_code == 200
    body = response.get_json()
    assert body["statement"] == "Iran sent drones to Russia."
    assert [s["claim"] for s in body["stances"]] == claims
    assert [s["label"] for s in body["stances"]] == ["supports", "refutes", "neutral"]
    assert all(0.0 <= s["confidence"] <= 1.0 for s in body["stances"])


def test_a_claim_with_no_topic_in_common_is_neutral_without_asking_the_model(model):
    """The cross-encoder gives short evaluative claims a side against anything ("The vaccine is safe for
    children." against a statement about drones); a pair whose embeddings share nothing is neutral unasked,
    unless the claim is judged on what it answers."""
    vector = np.ones(4, dtype=np.float32) / 2.0
    unrelated = StanceInput("The vaccine is safe for children.", 0.02, vector=vector)
    assert model.classify("Iran sent drones to Russia.", [unrelated]) == [Stance("neutral", 1.0)]
    asked = model.classify("Iran sent drones to Russia.", [
        StanceInput("We strongly reject this information.", 0.02, voice="denies", vector=vector,
                    context="Iran has sent drones to Russia."),
        StanceInput("Iran admitted that it had sent drones to Russia.", 0.8, verb="admitted", voice="admits",
                    vector=vector)])
    assert [s.label for s in asked] == ["refutes", "supports"]


@pytest.mark.parametrize("body", [
    {"statement": "Iran sent drones.", "claims": []},
    {"statement": "Iran sent drones.", "claims": ["a claim"] * 51},
    {"statement": "Iran sent drones.", "claims": ["a claim", "   "]},
    {"statement": "Iran sent drones.", "claims": ["a claim", 7]},
    {"statement": "Iran sent drones.", "claims": "a claim"},
    {"statement": "Iran sent drones.", "claims": ["a claim"], "text": "An article."},
    {"statement": "Iran sent drones."},
    {"statement": "", "claims": ["a claim"]},
])
def test_claim_level_endpoint_rejects_bad_input(client, body):
    response = client.post("/v1/stance", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["details"]


def test_check_uses_the_fact_model_on_the_seeds(seeded_client):
    body = seeded_client.post("/v1/check", json={"statement": DRONES, "k": 20}).get_json()
    reports = [r for m in body["matches"] for r in m["reported_by"]]  # every report of the facts shown
    labels = {seeded_client.get(f"/v1/claims/{r['claim_id']}").get_json()["text"]: r["stance"]["label"]
              for r in reports}
    admission = next(t for t in labels if t.startswith("We supplied Russia with a limited number of drones"))
    denial = next(t for t in labels if "on Friday denied that Iran has supplied drones" in t)
    assert labels[admission] == "supports" and labels[denial] == "refutes"
    stats = seeded_client.get("/v1/stats").get_json()
    assert stats["stance_model"] == "fact"


def _evaluate(pairs: Path, stance_model: str) -> tuple[str, float]:
    result = subprocess.run([sys.executable, "scripts/evaluate_claim_stance.py", "--pairs", str(pairs),
                             "--stance-model", stance_model], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout, float(re.search(r"^accuracy: (\d\.\d+)$", result.stdout, re.M).group(1))


def test_evaluation_script_on_the_hard_pairs():
    """The hand-written hard pairs through the service's path: the fact model (with the parse's fact checks) well
    ahead of the topic model."""
    output, accuracy = _evaluate(HARD_PAIRS, "fact")
    assert re.fullmatch(r"claim stance macro-F1: \d\.\d{4}", output.strip().splitlines()[-1])
    assert "stance model 'fact'" in output
    _, topic_accuracy = _evaluate(HARD_PAIRS, "trained")
    assert accuracy >= 0.8 and accuracy >= topic_accuracy + 0.3, (accuracy, topic_accuracy)


def test_the_fact_models_directory_is_configurable(tmp_path, embedder):
    from service.config import Config
    from service.stance import load_stance_model

    shipped = load_stance_model(Config.from_env({}), embedder)
    assert shipped.classifier.directory == CLAIM_MODEL_DIR
    with pytest.raises(FileNotFoundError, match="train_claim_stance"):
        load_stance_model(Config.from_env({"FACTCHECK_CLAIM_STANCE_MODEL": str(tmp_path)}), embedder)
