"""scripts/train_checkworthiness.py: an interrupted run resumes to the same weights as an uninterrupted one."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [("Unemployment fell to 3.5 percent last year.", 1), ("Thank you very much.", 0),
             ("We cut taxes for 95 percent of working families.", 1), ("I hope we can work together.", 0),
             ("The deficit doubled in four years.", 1), ("Good evening, everyone.", 0),
             ("Crime went down 20 percent in our city.", 1), ("Well, let me say this.", 0)]
SPLITS = ("train", "tune", "validation_claimbuster", "validation_clef")


def _work_dir(path: Path) -> Path:
    """A work directory whose cached splits are a few sentences, so that training takes a few steps."""
    path.mkdir(parents=True)
    for name in SPLITS:
        rows = [{"text": text, "label": label, "source": "test", "document": name} for text, label in SENTENCES]
        (path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (rows * 3 if name == "train"
                                                                                   else rows)))
    return path


def _train(work: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/train_checkworthiness.py", "--work", str(work), "--train-only", "--batch-size", "4",
         "--threads", "1", "--checkpoint-every", "2", *extra],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def _weights(work: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(work / "final" / "model.safetensors"))


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path):
    whole = _work_dir(tmp_path / "whole")
    done = _train(whole)
    assert done.returncode == 0, done.stderr
    interrupted = _work_dir(tmp_path / "interrupted")
    stopped = _train(interrupted, "--stop-after", "3")
    assert stopped.returncode == 3 and (interrupted / "checkpoint.pt").exists(), stopped.stderr
    assert not (interrupted / "final").exists()
    resumed = _train(interrupted)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming at step 3 of 6" in resumed.stdout
    assert list(interrupted.glob("tokens-*.json")), "tokenisation is cached"
    a, b = _weights(whole), _weights(interrupted)
    assert a.keys() == b.keys() and "classifier.weight" in a
    for name in a:
        assert np.allclose(a[name], b[name], atol=1e-6), name
    shutil.rmtree(tmp_path)
