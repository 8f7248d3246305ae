"""scripts/load_test.py end to end, as short as it goes: the real server, two levels, a two-second soak."""
from __future__ import annotations

import json
import subprocess
import sys

from service.config import PROJECT_ROOT


def test_load_test_script_prints_the_table_and_reports_no_errors(tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "load_test.py"), "--workers", "1",
                          "--clients", "1,4", "--duration", "2", "--soak", "2", "--soak-clients", "2",
                          "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "req/s" in run.stdout and "RSS (MB)" in run.stdout
    (report,) = json.loads(out.read_text())
    assert [level["clients"] for level in report["levels"]] == [1, 4]
    for level in report["levels"]:
        assert level["errors"] == 0 and level["rps"] > 0 and 0 < level["p50_ms"] <= level["p99_ms"]
    assert report["soak"]["requests"] > 0 and report["soak"]["errors"] == 0
    workers = [name for name in report["rss_mb_after"] if name.startswith("worker")]
    assert len(workers) == 1 and report["rss_mb_after"][workers[0]] > 100  # a worker holds the models
