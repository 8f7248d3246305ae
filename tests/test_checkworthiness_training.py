"""scripts/train_checkworthiness.py: an interrupted run resumes to the same weights as an uninterrupted one."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_claim_stance_training import assert_interrupted_run_resumes

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


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path):
    assert_interrupted_run_resumes(tmp_path, _work_dir, _train, steps=6)
