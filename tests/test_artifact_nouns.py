"""WordNet's nouns of made things (service/stance/artifacts.py), read from the table in models/wordnet."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scripts.build_artifact_nouns import artifact_nouns as build
from service.stance.artifacts import TABLE, artifact_nouns


@pytest.mark.parametrize(("a", "b", "other"), [
    ("tank", "drone", True), ("missile", "drone", True), ("howitzer", "jet", True), ("refinery", "depot", True),
    ("drone", "aircraft", False),  # a drone is an aircraft
    ("rifle", "gun", False), ("helicopter", "aircraft", False),
    ("ship", "boat", False), ("car", "truck", False),  # siblings: one hypernym in common
    ("weapon", "drone", False),  # a covering word
    ("drone", "uav", False),  # not in WordNet 3.0
    ("journalist", "reporter", False), ("contract", "deal", False),  # not made things
    ("drone", "drone", False),
])
def test_other_things(a, b, other):
    assert artifact_nouns().other_things(a, b) is other
    assert artifact_nouns().other_things(b, a) is other


def test_the_table_is_what_the_script_builds_from_debians_wordnet():
    wordnet = Path("/usr/share/wordnet")
    if not (wordnet / "data.noun").exists():
        pytest.skip("Debian's wordnet-base is not installed: /usr/share/wordnet/data.noun is missing")
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        assert json.load(handle) == build(wordnet)
