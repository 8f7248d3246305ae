"""Exposure and upkeep: the container image refuses to start without API keys (with a documented opt-out), its
build context holds no key file and nothing local, /metrics and /readyz do not count every row on every call,
and temporary index files of unfinished saves are removed when the index is loaded."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

from service.app import create_app
from service.config import PROJECT_ROOT
from service.index import VectorIndex

from .conftest import seed_text
from .live_server import free_port


def image_environment(dockerfile: Path = PROJECT_ROOT / "Dockerfile") -> dict[str, str]:
    """The ENV of the Dockerfile's final stage (after its last FROM), continuation lines joined."""
    text = dockerfile.read_text().replace("\\\n", " ")
    final_stage = re.split(r"^FROM\s", text, flags=re.MULTILINE)[-1]
    env: dict[str, str] = {}
    for line in final_stage.splitlines():
        if line.startswith("ENV "):
            env.update(item.split("=", 1) for item in shlex.split(line[4:]) if "=" in item)
    return env


def serve_like_the_image(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    """``factcheck serve`` with the image's environment (host and data dir made local), nothing else FACTCHECK_."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env.update(image_environment())
    env.update(FACTCHECK_HOST="127.0.0.1", FACTCHECK_PORT=str(free_port()), FACTCHECK_DATA_DIR=str(tmp_path),
               **extra)
    return subprocess.run([sys.executable, "-m", "service.cli", "serve", "--no-seeds"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_image_refuses_to_start_without_api_keys(tmp_path):
    assert image_environment()["FACTCHECK_HOST"] == "0.0.0.0"
    assert image_environment().get("FACTCHECK_REQUIRE_API_KEYS") == "true"
    refused = serve_like_the_image(tmp_path)
    assert refused.returncode != 0
    assert "FACTCHECK_REQUIRE_API_KEYS" in refused.stderr + refused.stdout


def test_the_image_starts_with_a_mounted_key_file_or_the_documented_opt_out(tmp_path, monkeypatch):
    from service.config import Config
    from service.security import load_api_keys

    keys = tmp_path / "factcheck-keys"
    keys.write_text("k-3a1f0d9c8b7e6a5f4d3c2b1a\n")
    environment = {**image_environment(), "FACTCHECK_DATA_DIR": str(tmp_path)}
    with pytest.raises(ValueError):
        load_api_keys(Config.from_env(environment))
    assert load_api_keys(Config.from_env({**environment, "FACTCHECK_API_KEYS_FILE": str(keys)}))
    assert not load_api_keys(Config.from_env({**environment, "FACTCHECK_REQUIRE_API_KEYS": "false"}))


def test_the_build_context_leaves_out_keys_secrets_and_local_state(tmp_path):
    """Docker's own .dockerignore rules (the docker SDK's implementation) over a checkout with local files."""
    wanted = ["Dockerfile", "pyproject.toml", "service/app.py", "seeds/001_example.txt", "models/stance/model.onnx",
              "scripts/serve.sh", "wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"]
    unwanted = ["keys.txt", "deploy/api-keys.txt", "tls/server.key", "tls/server.pem", ".env", "config/.env.production",
                "secrets/factcheck-keys", "var/factcheck.sqlite3", "var/index.faiss", ".venv/bin/python",
                "service/__pycache__/app.cpython-311.pyc", ".pytest_cache/v/cache/lastfailed",
                ".hypothesis/examples/x", ".git/HEAD", "factcheck.egg-info/PKG-INFO", "schemathesis-report/junit.xml"]
    for name in wanted + unwanted:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    patterns = [line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    sent = set(exclude_paths(str(tmp_path), patterns))
    assert set(wanted) <= sent
    assert not sent & set(unwanted), sorted(sent & set(unwanted))


def test_metrics_and_readiness_count_rows_at_most_once_per_cache_period(make_engine):
    engine = make_engine(counts_cache_s=60.0, stance_model="polarity")
    client = create_app(engine.config, engine=engine).test_client()
    statements: list[str] = []
    engine.store._connection().set_trace_callback(statements.append)  # the test client runs in this thread
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200
    assert sum("COUNT(" in s.upper() for s in statements) <= 1, [s for s in statements if "COUNT(" in s.upper()]

    # Between two counts readiness follows the change log: writes and deletes keep it exact.
    first = client.post("/v1/articles", json={"text": seed_text("001")}).get_json()["id"]
    client.post("/v1/articles", json={"text": seed_text("003")})
    assert client.delete(f"/v1/articles/{first}").status_code == 204
    ready = client.get("/readyz").get_json()
    claims = engine.store.counts()["claims"]
    assert ready["ready"] and ready["store_claims"] == ready["index_size"] == claims > 0
    assert sum("COUNT(" in s.upper() for s in statements) <= 1 + 4  # the one cached count, and stats() just now


def test_temporary_files_of_unfinished_saves_are_removed_when_the_index_loads(make_engine, tmp_path):
    engine = make_engine(tmp_path / "data")
    engine.ingest_article(seed_text("001"))
    engine.save_index()
    path = engine.config.index_path
    leftovers = [path.with_name("index.faiss.tmp4242.139871"), path.with_name("index.json.tmp4242.139871")]
    for leftover in leftovers:
        leftover.write_bytes(b"\0" * 1024)  # what a kill or a full disk in the middle of a save leaves
    loaded = VectorIndex.load(path)
    assert loaded is not None and loaded.size == engine.index.size
    assert not any(leftover.exists() for leftover in leftovers)
    assert path.exists() and path.with_suffix(".json").exists()
