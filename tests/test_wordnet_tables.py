"""WordNet's nouns of made things and irregular verbs (service/stance/wordnet.py), read from models/wordnet."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scripts.build_wordnet_tables import artifact_nouns as build, irregular_verbs as build_verbs
from service.stance.facts import same_verb
from service.stance.wordnet import TABLE, artifact_nouns, irregular_verbs

from .debian import install_from_debian


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


@pytest.mark.parametrize(("a", "b", "same"), [
    ("bought", "buy", True), ("sold", "sells", True), ("struck down", "strike down", True), ("sent", "send", True),
    ("fell", "falls", True), ("bought", "sold", False), ("struck", "strike down", False), ("left", "lost", False),
])
def test_same_verb_reads_irregular_forms(a, b, same):
    assert same_verb(a, b) is same


def test_the_tables_are_what_the_script_builds_from_debians_wordnet():
    wordnet = Path("/usr/share/wordnet")
    if not (wordnet / "data.noun").exists():
        install_from_debian("wordnet-base")
    if not (wordnet / "data.noun").exists():
        pytest.skip("Debian's wordnet-base is not installed: /usr/share/wordnet/data.noun is missing")
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        assert json.load(handle) == build(wordnet)
    assert irregular_verbs() == build_verbs(wordnet)
