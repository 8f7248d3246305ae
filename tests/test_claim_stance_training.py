"""scripts/train_claim_stance.py: the same seed gives the same model, and an interrupted run resumes to it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
HARD_PAIRS = REPO_ROOT / "tests" / "data" / "hard_pairs.jsonl"


def _work_dir(path: Path) -> Path:
    """A work directory whose cached pairs are a small set, so that training takes a few steps."""
    path.mkdir(parents=True)
    rows = [json.loads(line) | {"source": "hard"} for line in HARD_PAIRS.read_text().splitlines() if line.strip()]
    (path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:40]))
    (path / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[40:]))
    return path


def _train(work: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/train_claim_stance.py", "--work", str(work), "--train-only", "--batch-size", "8",
         "--max-length", "48", "--threads", "1", "--checkpoint-every", "2", *extra],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def _weights(work: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(work / "final" / "model.safetensors"))


def assert_interrupted_run_resumes(tmp_path: Path, work_dir: Callable[[Path], Path],
                                   train: Callable[..., subprocess.CompletedProcess], steps: int) -> None:
    """A run stopped after 3 of ``steps`` steps and started again ends with the weights of an uninterrupted run
    (the fine-tuning loop both training scripts share, scripts/finetune.py)."""
    whole = work_dir(tmp_path / "whole")
    done = train(whole)
    assert done.returncode == 0, done.stderr
    interrupted = work_dir(tmp_path / "interrupted")
    stopped = train(interrupted, "--stop-after", "3")
    assert stopped.returncode == 3 and (interrupted / "checkpoint.pt").exists(), stopped.stderr
    assert not (interrupted / "final").exists()
    resumed = train(interrupted)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming at step 3 of {steps}" in resumed.stdout
    assert list(interrupted.glob("tokens-*.json")), "tokenisation is cached"
    a, b = _weights(whole), _weights(interrupted)
    assert a.keys() == b.keys() and "classifier.weight" in a
    for name in a:
        assert np.allclose(a[name], b[name], atol=1e-6), name
    shutil.rmtree(tmp_path)


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path):
    assert_interrupted_run_resumes(tmp_path, _work_dir, _train, steps=5)


def test_self_contrast_pairs_change_one_fact_of_their_claim():
    """The refine stage's pairs: the claim is a sentence, the statement the same sentence with one fact changed."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import Augmenter

    augmenter = Augmenter(13)
    sentence = "Iran sent drones to Russia in 2022."
    doc = augmenter.nlp(sentence)
    assert augmenter._direction(sentence, sentence, "supports", doc) == (
        "Russia sent drones to Iran in 2022.", sentence, "neutral")
    assert augmenter._year(sentence, sentence, "supports")[2] == "refutes"
    assert augmenter._negation(sentence, sentence, "supports", doc) == (
        "Iran did not send drones to Russia in 2022.", sentence, "refutes")
    assert augmenter._drop_detail(sentence, sentence, "supports", doc) == (
        "Iran sent drones to Russia.", sentence, "supports")  # a detail left out: still supported
    assert augmenter._add_detail(sentence, sentence, "supports", doc) == (
        sentence, "Iran sent drones to Russia.", "supports")  # a detail added: supported, not refuted
    timed = "Iran sent drones to Russia before the invasion."
    assert Augmenter(13, time_antonyms=False)._antonym(timed, timed, "supports", augmenter.nlp(timed)) is None
    negated = "Russia did not send troops to Belarus last week."
    assert augmenter._drop_detail(negated, negated, "supports", augmenter.nlp(negated)) is None
    sentences = [sentence, "The company laid off 1,200 workers at its plant in Ohio.",
                 "Unemployment rose in March, the labour ministry said.",
                 "Germany approved the delivery of Leopard tanks to Ukraine on Wednesday."]
    pairs = augmenter.make_self(sentences)
    assert pairs and all(p["claim"] in sentences or p["statement"] in sentences for p in pairs)
    expected = {"direction": {"neutral"}, "agent_swap": {"neutral"}, "object_swap": {"neutral"},
                "number": {"refutes"}, "year": {"refutes"}, "antonym": {"refutes"}, "negation": {"refutes"},
                "hedge": {"neutral"}, "plan": {"neutral"}, "attribution": {"supports", "refutes", "neutral"},
                "drop_detail": {"supports"}, "add_detail": {"supports"}}
    for pair in pairs:
        kind = pair["source"].removeprefix("self-")
        assert pair["label"] in expected[kind], pair
        assert pair["statement"] != pair["claim"], pair


def test_negation_on_both_sides_supports_and_on_the_claims_side_refutes():
    """--negation-both-sides: the same sentence negated in two wordings on both sides (supports), or on the claim's
    side only (refutes); a sentence with a negation of its own is not negated again."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import Augmenter

    augmenter = Augmenter(13, negation_both_sides=True)
    sentence = "Iran sent drones to Russia in 2022."
    doc = augmenter.nlp(sentence)
    assert augmenter.negated(sentence, doc, False) == "Iran did not send drones to Russia in 2022."
    assert augmenter.negated(sentence, doc, True) == "Iran never sent drones to Russia in 2022."
    auxiliary = "The company has opened a factory in Ohio."
    assert augmenter.negated(auxiliary, augmenter.nlp(auxiliary), True) == "The company hasn't opened a factory in Ohio."
    statement, claim, label = augmenter._both_negated(sentence, sentence, "supports", doc)
    assert label == "supports" and statement != claim
    assert "did not send" in statement + claim and "never sent" in statement + claim
    assert augmenter._claim_negated(sentence, sentence, "supports", doc)[::2] == (sentence, "refutes")
    negative = "Nobody sent drones to Russia."
    assert augmenter._both_negated(negative, negative, "supports", augmenter.nlp(negative)) is None
    pairs = augmenter.make_self([sentence, auxiliary, "Unemployment rose in March, the labour ministry said."])
    kinds = {p["source"].removeprefix("self-"): p["label"] for p in pairs}
    assert kinds.get("both_negated", "supports") == "supports" and kinds.get("claim_negated", "refutes") == "refutes"
    assert "both_negated" not in {p["source"].removeprefix("self-") for p in Augmenter(13).make_self([sentence])}


def test_modal_pairs_plan_a_named_actors_act_on_both_sides_and_refuse_it():
    """--modal-pairs: a named actor's past act planned on both sides (supports), planned with one fact changed (that
    change's label), and refused against the negated act (supports) or the plain one (refutes); no other sentence."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import PLAN_WORDINGS, Augmenter

    sentences = [f"{actor} sent {count} drones to Russia in 2022." for actor in ("Iran", "Syria", "Belarus", "Turkey")
                 for count in (20, 40, 300)] + ["The film grossed $300 million.", "Iran was in talks with Russia."]
    pairs = Augmenter(13).make_modal(sentences * 3)
    plans = [w.format(v="send") for group in PLAN_WORDINGS for w in group]
    by_kind: dict[str, list[dict]] = {}
    for pair in pairs:
        by_kind.setdefault(pair["source"].removeprefix("modal-"), []).append(pair)
        assert "film" not in pair["statement"] and "talks" not in pair["statement"]  # not a named actor's past act
    assert set(by_kind) == {"plan_same", "plan_changed", "refusal"}
    for pair in by_kind["plan_same"]:
        assert pair["label"] == "supports" and any(plan in pair["claim"] for plan in plans)
        assert any(plan in pair["statement"] for plan in plans)
    for pair in by_kind["plan_changed"]:
        assert any(plan in pair["claim"] for plan in plans) and pair["statement"] != pair["claim"]
        assert pair["label"] in {"refutes", "neutral"}
    for pair in by_kind["refusal"]:
        both = pair["statement"] + " " + pair["claim"]
        refused, negated = ("refused to" in both or "declined to" in both or "rejected calls to" in both), \
            ("did not send" in both or "never sent" in both)
        assert pair["label"] == ("supports" if refused and negated else "refutes")


def test_contrapositives_negate_two_different_sentences_in_their_main_clauses():
    """--contrapositives: where E supports S, not-S supports not-E and refutes E; where E refutes S, not-E and not-S
    are neutral. Only the main clause is negated, never a clause inside it."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import Augmenter

    augmenter = Augmenter(13)
    negate = lambda text, contracted: augmenter.negated_main(text, augmenter.nlp(text), contracted)  # noqa: E731
    assert negate("Tom Hanks, who was born in 1956, is an American actor.", False) == \
        "Tom Hanks, who was born in 1956, is not an American actor."
    assert negate("We supply weapons to either side.", True) == "We don't supply weapons to either side."
    assert negate("Iran sent drones to Russia.", True) == "Iran never sent drones to Russia."
    assert negate("Iran never sent drones to Russia.", False) is None
    supports = {"statement": "Iran sent drones to Russia.", "claim": "Tehran delivered drones to Moscow in 2022.",
                "label": "supports", "source": "fever_dev"}
    refutes = {"statement": "The company opened a factory in Ohio.", "claim": "The company closed its factory in Ohio.",
               "label": "refutes", "source": "vitaminc_real"}
    pairs = augmenter.make_contrapositives([supports, dict(supports, source="snli"), refutes,
                                            dict(supports, label="neutral")])
    made = {p["source"]: p for p in pairs}
    assert set(made) == {"neg-contrapositive", "neg-negated_against_evidence", "neg-negated_refutation"}
    contrapositive = made["neg-contrapositive"]
    assert contrapositive["label"] == "supports"
    assert contrapositive["claim"] in ("Iran did not send drones to Russia.", "Iran never sent drones to Russia.")
    assert contrapositive["statement"] in ("Tehran did not deliver drones to Moscow in 2022.",
                                           "Tehran never delivered drones to Moscow in 2022.")
    against = made["neg-negated_against_evidence"]
    assert against["label"] == "refutes" and against["statement"] == supports["claim"]
    assert made["neg-negated_refutation"]["label"] == "neutral"


def test_a_refine_stage_without_self_contrast_holds_contrapositives_within_their_quota_and_the_replay():
    """--contrapositives --negated-refutations N --no-self-contrast (stage two of the shipped model): no sentence
    against itself, each contrapositive kind within its quota, the replayed pairs beside them."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import build_refine

    supports = [{"statement": f"Iran sent {n} drones to Russia.", "claim": f"Tehran delivered {n} drones to Moscow.",
                 "label": "supports", "source": "fever_dev"} for n in (10, 20, 30)]
    refutes = [{"statement": f"The company opened a factory in {c}.", "claim": f"The company closed its factory in {c}.",
                "label": "refutes", "source": "vitaminc_real"} for c in ("Ohio", "Texas", "Utah")]
    quota = {"contrapositive": 1, "negated_against_evidence": 1, "negated_refutation": 2}
    train, validation = build_refine(REPO_ROOT / "no-such-data", 0.1, 13, supports + refutes, 2, False,
                                     contrapositives=supports + refutes, contrapositive_quota=quota,
                                     self_contrast=False)
    made = Counter(p["source"] for p in train if p["source"].startswith("neg-"))
    assert made == {"neg-contrapositive": 1, "neg-negated_against_evidence": 1, "neg-negated_refutation": 2}
    assert len(train) == sum(quota.values()) + 2  # and two replayed pairs
    assert not any(p["source"].startswith("self-") for p in train + validation)
    assert Counter(p["source"] for p in validation) == made


def test_a_student_keeps_evenly_spaced_layers_and_resumes(tmp_path):
    """--layers 3: the encoder keeps its first, middle and last layers, and an interrupted student resumes."""
    work = _work_dir(tmp_path / "student")
    stopped = _train(work, "--layers", "3", "--max-steps", "3", "--stop-after", "1")
    assert stopped.returncode == 3, stopped.stderr
    assert "kept encoder layers [0, 2, 5] of 6" in stopped.stdout
    resumed = _train(work, "--layers", "3", "--max-steps", "3")
    assert resumed.returncode == 0 and "resuming at step 1 of 3" in resumed.stdout, resumed.stderr
    config = json.loads((work / "final" / "config.json").read_text())
    weights = _weights(work)
    assert config["num_hidden_layers"] == 3
    assert any(".layer.2." in name for name in weights) and not any(".layer.3." in name for name in weights)


def test_a_teacher_s_answers_are_mixed_into_the_targets(tmp_path):
    """--teacher: the shipped model scores the training pairs once (cached); the student trains on the mix."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import argparse

    from train_claim_stance import teacher_targets

    rows = [json.loads(line) for line in HARD_PAIRS.read_text().splitlines()[:6]]
    args = argparse.Namespace(teacher=REPO_ROOT / "models" / "claim_stance", teacher_weight=0.25, work=tmp_path,
                              threads=1)
    targets = teacher_targets(args, rows)
    assert targets.shape == (6, 3) and np.allclose(targets.sum(axis=1), 1.0, atol=1e-5)
    gold = np.array([["supports", "refutes", "neutral"].index(r["label"]) for r in rows])
    assert (targets[np.arange(6), gold] >= 0.75).all()  # the gold label keeps at least its share
    assert len(list(tmp_path.glob("teacher-*.npy"))) == 1
    assert np.array_equal(teacher_targets(args, rows), targets)  # read back from the cache
    work = _work_dir(tmp_path / "student")
    done = _train(work, "--layers", "3", "--max-steps", "2", "--teacher", str(args.teacher))
    assert done.returncode == 0 and "teacher" in done.stdout, done.stderr


def test_the_shipped_int8_model_is_dequantised_into_a_trainable_one(tmp_path):
    """--init models/claim_stance: the shipped int8 graph becomes a float32 transformers model with the same answers
    (within the int8 rounding), and a refine stage trains from it."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import torch
    from finetune import dequantise
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from service.stance.claim_model import ClaimStanceClassifier

    shipped = REPO_ROOT / "models" / "claim_stance"
    out = dequantise(shipped, tmp_path / "float")
    rows = [json.loads(line) for line in HARD_PAIRS.read_text().splitlines()[:12]]
    claims, statements = [r["claim"] for r in rows], [r["statement"] for r in rows]
    int8 = ClaimStanceClassifier(shipped, temperature=1.0, threads=1).logits(claims, statements)
    model = AutoModelForSequenceClassification.from_pretrained(str(out)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    with torch.no_grad():
        floats = np.concatenate([model(**tokenizer([c], [s], return_tensors="pt")).logits.numpy()
                                 for c, s in zip(claims, statements)])
    assert model.config.id2label == {0: "supports", 1: "refutes", 2: "neutral"}
    # a wrong weight in the wrong place gives logits far apart; int8 rounding differs by CPU (AVX2 or AVX-512 VNNI
    # kernels): one logit of the 36 reached 0.60 on an AVX-512 machine, the rest stay near 0.1
    difference = np.abs(floats - int8)
    assert difference.max() < 1.0 and difference.mean() < 0.2, difference
    assert (floats.argmax(axis=1) == int8.argmax(axis=1)).mean() >= 0.75  # near-even pairs may tip
    work = _work_dir(tmp_path / "refine")
    done = _train(work, "--init", str(shipped), "--max-steps", "2")
    assert done.returncode == 0 and "dequantised" in done.stdout, done.stderr


def test_without_time_antonyms_the_replay_leaves_out_before_after_swaps():
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import swaps_time

    claim = "Marvin Humes (born 18 March 1987) is an English singer."
    assert swaps_time({"source": "aug-antonym", "claim": claim, "statement": "He was born before 1986."})
    assert not swaps_time({"source": "aug-antonym", "claim": claim, "statement": "Prices fell before the war."})
    assert not swaps_time({"source": "vitaminc_real", "claim": claim, "statement": "He was born before 1986."})


def test_news_numbers_are_changed_as_news_writes_them():
    """--news-numbers: "2,000" is a number to change (not a year), and a changed number may be grouped as news
    groups it; without the option the pairs are the first stage's."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import Augmenter

    sentence = "Russia ordered about 2,000 drones from Iran."
    assert Augmenter(13)._number(sentence, sentence, "supports") is None  # read as the year 2000
    news = Augmenter(13, news_numbers=True)
    statement, claim, label = news._number(sentence, sentence, "supports")
    assert label == "refutes" and claim == sentence and statement != sentence
    plain = "The army bought 300 drones."
    written = {news._number(plain, plain, "supports")[0] for _ in range(200)}
    assert {"The army bought 3,000 drones.", "The army bought 3000 drones."} <= written
    assert Augmenter(13, news_numbers=True)._number("It was founded in 1987.", "It was founded in 1987.",
                                                    "supports") is None  # a year stays for the year pairs


def test_headline_pairs_contrast_the_headlines_one_body_agrees_and_disagrees_with_and_split_by_story(tmp_path):
    """Two headlines of one story: agreed with and disagreed with by one body -> refutes; both agreed with ->
    supports; an asserting one against one the body only discusses -> neutral. Every body of a story lands on one
    side of the split, so no headline is on both."""
    import csv

    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import fnc_stories, headline_pairs

    rows = []
    for story in range(12):  # two bodies a story, linked by the headlines they share
        asserted, denied, asked = (f"Story {story}: the mayor resigned", f"Story {story}: no, the mayor did not resign",
                                   f"Story {story}: did the mayor resign?")
        also = f"Story {story}: mayor quits after protests"
        for body in (2 * story + 1, 2 * story + 2):
            rows += [(denied, body, "agree"), (asserted, body, "disagree"), (also, body, "disagree"),
                     (asked, body, "discuss"), ("Unrelated headline", body, "unrelated")]
    with (tmp_path / "train_stances.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Headline", "Body ID", "Stance"])
        writer.writerows(rows)
    stories = fnc_stories([(h, str(b), s) for h, b, s in rows])
    assert stories["1"] == stories["2"] == "1" and stories["3"] == "3"

    train, validation = headline_pairs(tmp_path, share=0.5)
    assert train and validation
    story_of = lambda pair: pair["statement"].split(":")[0]  # noqa: E731
    assert not {story_of(p) for p in train} & {story_of(p) for p in validation}
    for pair in train + validation:
        assert "Unrelated" not in pair["statement"] + pair["claim"]
        expected = {frozenset({"no, the mayor", "the mayor resigned"}): "refutes",
                    frozenset({"no, the mayor", "mayor quits"}): "refutes",
                    frozenset({"the mayor resigned", "mayor quits"}): "supports"}
        key = frozenset(next(k for k in ("no, the mayor", "the mayor resigned", "mayor quits", "did the mayor")
                             if k in text) for text in (pair["statement"], pair["claim"]))
        if "did the mayor" in pair["claim"]:
            assert pair["label"] == "neutral" and "did the mayor" not in pair["statement"]
        else:
            assert pair["label"] == expected[key]
    assert len({(p["statement"], p["claim"]) for p in train + validation}) == len(train + validation)


def test_a_model_trained_elsewhere_is_calibrated_here(tmp_path):
    """The GPU workflow: pairs built here, trained and exported elsewhere (here: a few steps on the CPU), then
    ``--calibrate-only`` fits the shipped model's temperature and thresholds without training again."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import train_claim_stance

    work = _work_dir(tmp_path / "work")
    trained = _train(work, "--device", "cpu")
    assert trained.returncode == 0, trained.stderr
    out = tmp_path / "model"
    train_claim_stance.export(work / "final", out)
    calibrated = subprocess.run(
        [sys.executable, "scripts/train_claim_stance.py", "--work", str(work), "--out", str(out), "--calibrate-only",
         "--sample", "30", "--threads", "1"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert calibrated.returncode == 0, calibrated.stderr
    assert "steps of" not in calibrated.stdout, "nothing is trained again"
    settings = json.loads((out / "settings.json").read_text())
    assert settings["temperature"] > 0 and settings["side_threshold"] >= 0.5
    assert settings["validation"]["pairs"] == len((work / "validation.jsonl").read_text().splitlines())
    assert "float32_vs_int8" not in settings["validation"]  # the float32 graph stayed where it was trained
    assert settings["article"]["holdout"]["pairs"] == 30
    assert settings["training"]["trained_elsewhere"], "the calibrating command line is not recorded as the recipe"


def _written(*paths: Path) -> list[dict]:
    """The pairs of JSONL files, read as the training script reads them."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import read_jsonl

    return [row for path in paths for row in read_jsonl(path)]


def _texts(rows: list[dict]) -> set[str]:
    """Every statement and claim of some pairs."""
    return {row[field] for row in rows for field in ("statement", "claim")}


def _tested_texts() -> set[str]:
    """The statements and claims of the test sets (tests/data/hard_pairs*.jsonl)."""
    return _texts(_written(*(REPO_ROOT / "tests" / "data").glob("hard_pairs*.jsonl")))


def _trained_on() -> list[Path]:
    """The hand-written pairs files the shipped model was trained on (its settings.json)."""
    settings = json.loads((REPO_ROOT / "models" / "claim_stance" / "settings.json").read_text())
    return [REPO_ROOT / path for path in settings["training"]["written_pairs"]]


WRITTEN_KINDS = {"paraphrase", "negated statement", "both negated", "antonym", "entity", "number", "time",
                 "quantifier", "object", "hedge", "denial", "same topic", "speech act"}


def test_every_round_of_written_pairs_balances_its_kinds_and_shares_no_text_with_another():
    """Each round (scripts/data/claim_stance_written*.jsonl) is by writers new to the earlier ones: no statement or
    claim is in two rounds, and each kind a round has carries all three labels about equally often (the twelve
    kinds of the brief 48 times each, the speech acts of the sixth round 288 times)."""
    rounds = [_written(path) for path in sorted((REPO_ROOT / "scripts" / "data").glob("claim_stance_written*.jsonl"))]
    assert len(rounds) >= 6 and {r["kind"] for one_round in rounds for r in one_round} == WRITTEN_KINDS
    for one_round in rounds:
        cells = Counter((r["kind"], r["label"]) for r in one_round)
        kinds = {kind for kind, _ in cells}
        assert len(one_round) > 800 and len(cells) == 3 * len(kinds)
        assert max(cells.values()) - min(cells.values()) <= 3
    texts = [_texts(one_round) for one_round in rounds]
    for i, one in enumerate(texts):
        for other in texts[i + 1:]:
            assert not one & other


def test_hand_written_pairs_join_a_refine_stage_split_by_statement_and_repeated_on_the_training_side():
    """--written-pairs FILE... --written-repeat N: the hand-written news pairs the shipped model was trained on go to
    training or validation by statement, tagged by kind, the training side presented N times beside the replay."""
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from claim_stance_data import build_refine

    written = _trained_on()
    assert len(written) >= 2
    rows = _written(*written)
    train, validation = build_refine(REPO_ROOT / "no-such-data", 0.1, 13, [], 0, self_contrast=False,
                                     written=written, written_repeat=2)
    assert len(train) + 2 * len(validation) == 2 * len(rows) and 0.05 < len(validation) / len(rows) < 0.15
    held = {p["statement"] for p in validation}
    assert held and not held & {p["statement"] for p in train}
    assert Counter(p["source"] for p in train)["written_negated_statement"] % 2 == 0
    assert {p["source"] for p in validation} <= {"written_" + r["kind"].replace(" ", "_") for r in rows}
    # none of the test sets' statements or claims is among them
    assert not _tested_texts() & _texts(rows)


@pytest.mark.parametrize("name", ["claim_stance_written_round3.jsonl", "claim_stance_written_round5.jsonl"])
def test_the_third_and_fifth_rounds_of_written_pairs_are_held_out_from_the_shipped_model(name: str):
    """Rounds three and five score the shipped model on writers it never saw: neither is among the shipped model's
    training files, and neither shares a text with the rounds trained on or the test sets."""
    held_out = _written(REPO_ROOT / "scripts" / "data" / name)
    assert len(held_out) > 1500 and len({r["kind"] for r in held_out}) == 12
    assert Counter(r["label"] for r in held_out).keys() == {"supports", "refutes", "neutral"}
    trained_on = _trained_on()
    assert trained_on and name not in {path.name for path in trained_on}
    seen = _texts(_written(*trained_on)) | _tested_texts()
    assert not seen & _texts(held_out)
