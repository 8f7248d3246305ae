"""The factcheck command, run as a real subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from service.config import PROJECT_ROOT

from .conftest import SEEDS


def factcheck(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FACTCHECK_DATA_DIR": str(data_dir), "FACTCHECK_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_ingest_check_stats_reindex_delete(tmp_path):
    first = factcheck(tmp_path, "ingest", str(SEEDS))
    assert first.returncode == 0, first.stderr
    assert "5 new article(s), 0 already ingested" in first.stdout
    again = factcheck(tmp_path, "ingest", str(SEEDS / "003_8ee4a4e8b6e2d2a1.txt"))
    assert "0 new article(s), 1 already ingested" in again.stdout
    assert "already ingested, unchanged" in again.stderr + again.stdout

    check = factcheck(tmp_path, "check", "Iran supplied missiles to Russia", "-k", "3")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("Statement: Iran supplied missiles to Russia")
    assert "missiles" in check.stdout and "Summary:" in check.stdout

    as_json = json.loads(factcheck(tmp_path, "check", "Iran supplied missiles to Russia", "--json").stdout)
    assert len(as_json["matches"]) == 5

    stats = json.loads(factcheck(tmp_path, "stats").stdout)
    assert stats["articles"] == 5 and stats["index"]["size"] == stats["claims"]
    reindexed = json.loads(factcheck(tmp_path, "reindex").stdout)
    assert reindexed["claims"] == stats["claims"]

    article_id = as_json["matches"][0]["source"]["article_id"]
    assert factcheck(tmp_path, "delete", article_id).returncode == 0
    assert factcheck(tmp_path, "delete", article_id).returncode == 1
    assert json.loads(factcheck(tmp_path, "stats").stdout)["articles"] == 4


def test_missing_path_is_a_clear_error(tmp_path):
    result = factcheck(tmp_path, "ingest", str(tmp_path / "nope"))
    assert result.returncode == 1 and "no such file or folder" in result.stderr
