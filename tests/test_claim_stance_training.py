"""scripts/train_claim_stance.py: the same seed gives the same model, and an interrupted run resumes to it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np

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
