"""The ONNX Runtime embedding backend as the default: torch's vectors, one shared export, no torch when serving."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from service.config import PROJECT_ROOT, Config
from service.embeddings import OnnxEmbedder
from service.engine import FactCheckEngine
from service.ingest import ingest_paths

from .conftest import ONNX_DIR, SEEDS, seed_text
from .conftest import test_config as config_for
from .live_server import free_port, http_json, running_server

SENTENCES = ["Iran sent drones to Russia before the invasion", "Tehran denies arming Moscow", "x",
             "The minister said unemployment fell to 4.1 percent last year.", seed_text("001")[:600]]


def factcheck(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "FACTCHECK_LOG_LEVEL": "WARNING", **env}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=PROJECT_ROOT, env=environ,
                          capture_output=True, text=True, timeout=300)


def test_the_default_backend_is_onnx_with_torchs_vectors_and_model_name(embedder, torch_embedder):
    assert Config.from_env({}).embedding_backend == "onnx"
    assert isinstance(embedder, OnnxEmbedder) and embedder.backend == "onnx"
    assert embedder.path.parent == ONNX_DIR / "all-MiniLM-L6-v2"  # the shared export, not one per data directory
    onnx, torch = embedder.encode(SENTENCES), torch_embedder.encode(SENTENCES)
    assert onnx.shape == torch.shape == (len(SENTENCES), 384) and onnx.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert np.sum(onnx * torch, axis=1).min() > 0.9999
    assert embedder.name == torch_embedder.name  # same vectors: same name in the store and the index


def test_the_export_command_is_idempotent(onnx_export_dir):
    before = {p.name: p.stat().st_mtime_ns for p in onnx_export_dir.iterdir()}
    assert {"model.onnx", "model_int8.onnx", "export.json"} <= set(before)
    result = factcheck("export-embedder", FACTCHECK_ONNX_DIR=str(ONNX_DIR))
    assert result.returncode == 0, result.stderr
    assert f"the ONNX export of all-MiniLM-L6-v2 in {onnx_export_dir} is up to date" in result.stdout
    assert {p.name: p.stat().st_mtime_ns for p in onnx_export_dir.iterdir()} == before


def test_a_missing_export_stops_the_commands_and_the_server_naming_the_command(tmp_path):
    empty = tmp_path / "onnx"
    for command in (["check", "Iran sent drones"],
                    ["serve", "--no-seeds", "--port", str(free_port())],
                    ["serve", "--port", str(free_port())]):
        result = factcheck(*command, FACTCHECK_ONNX_DIR=str(empty), FACTCHECK_DATA_DIR=str(tmp_path / "data"))
        assert result.returncode == 1, result.stdout + result.stderr
        assert "no current ONNX export of the embedding model" in result.stderr
        assert "run `factcheck export-embedder`" in result.stderr
    assert not empty.exists()  # nothing is exported on the way: that is the set-up's job
    torch_backend = factcheck("check", "Iran sent drones", FACTCHECK_ONNX_DIR=str(empty),
                              FACTCHECK_DATA_DIR=str(tmp_path / "data"), FACTCHECK_EMBEDDING_BACKEND="torch")
    assert torch_backend.returncode == 0, torch_backend.stderr  # torch stays selectable and needs no export


def test_an_export_of_other_model_files_counts_as_missing(tmp_path, onnx_export_dir):
    stale = tmp_path / "onnx" / "all-MiniLM-L6-v2"
    stale.mkdir(parents=True)
    for name in ("model.onnx", "model_int8.onnx"):
        (stale / name).symlink_to(onnx_export_dir / name)
    manifest = json.loads((onnx_export_dir / "export.json").read_text())
    (stale / "export.json").write_text(json.dumps({**manifest, "fingerprint": "made from other weights"}))
    result = factcheck("stats", FACTCHECK_ONNX_DIR=str(tmp_path / "onnx"), FACTCHECK_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 1 and "run `factcheck export-embedder`" in result.stderr


def test_a_store_written_with_torch_vectors_is_searched_by_onnx_without_reindexing(tmp_path, torch_embedder):
    data = tmp_path / "data"
    statements = ["Iran supplied missiles to Russia", "Ukraine shot down Iranian drones over Kyiv"]
    written = FactCheckEngine(config_for(data, embedding_backend="torch"), embedder=torch_embedder)
    list(ingest_paths(written, [SEEDS]))
    expected = [written.check(s, k=5, min_similarity=0.0)["matches"] for s in statements]
    ids = [m["claim_id"] for matches in expected for m in matches]
    vectors = written.store.embeddings_of(ids)
    written.close()
    index_meta = json.loads((data / "index.json").read_text())

    reopened = FactCheckEngine(config_for(data))  # the default backend, its embedder made from the config
    assert reopened.stats()["embedding_backend"] == "onnx"
    for statement, before in zip(statements, expected):
        after = reopened.check(statement, k=5, min_similarity=0.0)["matches"]
        assert [m["claim_id"] for m in after] == [m["claim_id"] for m in before]
        assert np.allclose([m["similarity"] for m in after], [m["similarity"] for m in before], atol=2e-4)
        assert [m["stance"]["label"] for m in after] == [m["stance"]["label"] for m in before]
    stored = reopened.store.embeddings_of(ids)  # nothing was re-embedded
    assert all(np.array_equal(stored[i], vectors[i]) for i in ids)
    reopened.close()
    assert json.loads((data / "index.json").read_text()) == index_meta  # the torch-built index, loaded as it was


def mapped_files(pid: int) -> set[str]:
    return {line.split()[-1] for line in Path(f"/proc/{pid}/maps").read_text().splitlines() if "/" in line}


def process_tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


def server_pid(port: int) -> int:
    """The gunicorn master listening on ``port`` (the server started by running_server)."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service.cli" in command and b"serve" in command and str(port).encode() in command:
            return int(status.parent.name)
    raise AssertionError(f"no server on port {port}")


def test_the_serving_processes_never_load_torch_with_the_onnx_backend(tmp_path):
    with running_server(tmp_path, workers=1) as base:
        status, body = http_json("POST", base + "/v1/check", {"statement": "Iran supplied missiles to Russia"})
        assert status == 200 and body["matches"]
        master, *workers = process_tree(server_pid(int(base.rsplit(":", 1)[1])))
        assert workers  # the seeds were ingested in a child that has exited; the worker remains
        for pid in (master, *workers):
            libraries = mapped_files(pid)
            # the models run in the workers only: a master that loaded ONNX Runtime forks workers that abort on exit
            assert any("onnxruntime" in path for path in libraries) == (pid != master), pid
            assert not [path for path in libraries if "libtorch" in path], f"process {pid} loaded torch"
