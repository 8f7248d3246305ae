"""Schemathesis against the real server: every operation of the OpenAPI document, positive and negative cases,
all checks (no server error, responses as documented, schema-valid requests accepted, schema-violating ones
refused, stateful links between operations). Bounded: a fixed number of examples per operation and a fixed seed
(FACTCHECK_SCHEMATHESIS_EXAMPLES and FACTCHECK_SCHEMATHESIS_SEED change them).

A second run goes against a server that requires API keys (as the container image does, reads included): every
case carries the key, and Schemathesis's authentication check sends each operation again without a key and with
a wrong one, expecting the refusal. Every operation that needs a key documents its 401 (and writes their 403),
and answers them as documented."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_concurrency import Server, once, request

EXAMPLES = int(os.environ.get("FACTCHECK_SCHEMATHESIS_EXAMPLES", "30"))
SEED = os.environ.get("FACTCHECK_SCHEMATHESIS_SEED", "20261202")
CONFIG = Path(__file__).with_name("schemathesis.toml")  # the operations that may refuse a schema-valid request


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    # the default stance model and the seeds: the path a newsroom's requests take
    running = Server(tmp_path_factory.mktemp("schemathesis"), workers=1, threads=4, seeds=True,
                     env={"FACTCHECK_STANCE_MODEL": "fact"}).start()
    yield running
    running.stop()


def run_schemathesis(server: Server, tmp_path: Path, examples: int, *options: str) -> str:
    """Schemathesis with every check against the server's document; its report, asserted free of failures."""
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{server.base}/openapi.json", "--checks", "all",
               "--max-examples", str(examples), "--seed", SEED, "--workers", "1", "--request-timeout", "60",
               "--suppress-health-check", "too_slow", "--no-color", *options]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900,
                         env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", output)
    print(f"\nschemathesis: {generated.group(0) if generated else '?'} with --checks all, "
          f"--max-examples {examples}, --seed {SEED}")
    assert run.returncode == 0, output[-12000:]
    assert generated and int(generated.group(1)) > 0, output[-3000:]
    # every case passed; a warning may remain that POST /v1/articles refuses most generated HTML (strings
    # with no article text in them), which tests/schemathesis.toml explains
    assert re.search(r"(\d+) generated, \1 passed", output), output[-3000:]
    warnings = re.findall(r"^\s+- (\w+ /\S+)$", output.split("WARNINGS", 1)[-1].split("SUMMARY", 1)[0], re.M)
    assert set(warnings) <= {"POST /v1/articles"}, output[-3000:]
    server_errors = [line for line in server.log_path.read_text().splitlines() if '"status": 500' in line]
    assert not server_errors, server_errors[:5]
    return output


def test_schemathesis_finds_no_failure_with_all_checks(server: Server, tmp_path):
    run_schemathesis(server, tmp_path, EXAMPLES)


WRITE_KEY, READ_KEY = "st-write-key-0123456789abcdef", "st-read-key-0123456789abcdef"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory):
    running = Server(tmp_path_factory.mktemp("schemathesis-keys"), workers=1, threads=4, seeds=True,
                     env={"FACTCHECK_STANCE_MODEL": "fact", "FACTCHECK_REQUIRE_API_KEYS": "true",
                          "FACTCHECK_API_KEYS": WRITE_KEY, "FACTCHECK_READ_API_KEYS": READ_KEY,
                          "FACTCHECK_READ_REQUIRES_KEY": "true"}).start()
    yield running
    running.stop()


def test_schemathesis_with_api_keys_required_finds_no_failure(keyed_server: Server, tmp_path):
    # the coverage phase's boundary values are the first run's; this one is about authentication
    run_schemathesis(keyed_server, tmp_path, max(EXAMPLES // 3, 5), "--phases", "examples,fuzzing,stateful",
                     "-H", f"Authorization: Bearer {WRITE_KEY}")


def test_operations_needing_a_key_refuse_without_one_as_documented(keyed_server: Server):
    """Each operation that needs a key, sent without one, with a wrong one, and (writes) with a read-only one:
    401/403 with the service's JSON error and the challenge, all as the operation's document declares."""
    status, _, document = once(keyed_server.base, "GET", "/openapi.json")
    assert status == 200
    refused = 0
    host, port = keyed_server.base.removeprefix("http://").split(":")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue  # path-level parameters
            if not operation.get("security"):
                assert path in ("/healthz", "/readyz"), (method, path)  # only the probes are open
                continue
            assert {} not in operation["security"], (method, path)  # reads need a key too here
            url = re.sub(r"\{[^}]+\}", "1", path)
            write = "403" in operation["responses"]
            attempts = [({}, 401, "missing_api_key"), ({"X-API-Key": "not-a-key"}, 401, "invalid_api_key"),
                        ({"Authorization": "Bearer not-a-key"}, 401, "invalid_api_key")]
            if write:
                attempts.append(({"X-API-Key": READ_KEY}, 403, "insufficient_scope"))
            for headers, expected, code in attempts:
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                try:
                    status, answer_headers, body = request(conn, method.upper(), url, {} if method == "post" else None,
                                                           headers)
                finally:
                    conn.close()
                assert status == expected and body["error"]["code"] == code, (method, path, headers, body)
                assert answer_headers["WWW-Authenticate"].startswith('Bearer realm="factcheck"')
                declared = resolve(document, operation["responses"][str(expected)])  # documented, as it answers
                schema = declared["content"]["application/json"]["schema"]
                assert set(body) == set(schema["properties"]) == {"error"}, (method, path, body)
                assert set(body["error"]) <= set(schema["properties"]["error"]["properties"])
                assert body["error"]["status"] == expected and "WWW-Authenticate" in declared["headers"]
                refused += 1
    print(f"\n{refused} requests without a valid key refused as documented")
    assert refused >= 3 * 12


def resolve(document: dict, node: dict) -> dict:
    """``node`` with its ``$ref`` (and the references inside it) replaced by what they point to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(document, target)
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, value) for value in node]
    return node
