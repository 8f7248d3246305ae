"""The seed statements gold (tests/gold/seed_statements.json) and scripts/evaluate_statements.py over it: every
expected claim names one stored seed claim, both halves are there, and the script scores them on the real store."""
from __future__ import annotations

import importlib.util
import json
import sys

from .conftest import PROJECT_ROOT

GOLD = PROJECT_ROOT / "tests" / "gold" / "seed_statements.json"
STANCES = {"supports", "refutes", "neutral"}


def evaluate_statements():
    spec = importlib.util.spec_from_file_location("evaluate_statements",
                                                  PROJECT_ROOT / "scripts" / "evaluate_statements.py")
    module = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    if not hasattr(module, "evaluate"):
        spec.loader.exec_module(module)
    return module


def test_every_expected_claim_names_one_stored_seed_claim(seeded_engine):
    statements = json.loads(GOLD.read_text(encoding="utf-8"))["statements"]
    halves = {s["split"] for s in statements}
    assert halves == {"validation", "held_out"}
    held_out = [s for s in statements if s["split"] == "held_out"]
    assert len(held_out) >= 20 and any(not s["expected"] for s in held_out)
    assert len({s["statement"] for s in statements}) == len(statements)
    assert all(e["stance"] in STANCES for s in statements for e in s["expected"])
    ids = evaluate_statements().resolve_claims(seeded_engine, statements)  # raises unless each names one claim
    assert len(ids) == len({e["claim"] for s in statements for e in s["expected"]})


def test_the_script_scores_a_half_on_the_real_store(seeded_engine):
    script = evaluate_statements()
    statements = [s for s in json.loads(GOLD.read_text(encoding="utf-8"))["statements"]
                  if s["statement"] in {"Iranian personnel are on the ground in Crimea.",
                                        "The oil price fell after the OPEC meeting."}]
    tally = script.evaluate(seeded_engine, statements, script.resolve_claims(seeded_engine, statements), k=5)
    assert (tally.expected, tally.unrelated, tally.unrelated_empty) == (2, 1, 1)
    assert tally.shown == 2 and tally.stance_right == 2, tally.misses
