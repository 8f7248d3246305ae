"""Per-source (article-level) verdicts in /v1/check, and the query-time stance parts against scikit-learn."""
from __future__ import annotations

import joblib
import numpy as np
import pytest

from service.engine import source_verdict
from service.ingest import ingest_paths
from service.stance.base import ArticleStance, Stance
from service.stance.fast import CompiledTfidf, CompiledTreeEnsemble
from service.stance.features import tfidf_cosines
from service.stance.trained import ARTEFACT_FILE

from .conftest import SEEDS, seed_text

MODEL_FILE = SEEDS.parent / "models" / "stance" / ARTEFACT_FILE
MOSCOW_TIMES = "The Moscow Times"


@pytest.fixture(scope="module")
def fitted() -> dict:
    return joblib.load(MODEL_FILE)


@pytest.mark.parametrize("head", ["claim", "article"])
def test_compiled_trees_match_scikit_learn(fitted, head):
    model = fitted[head]
    rng = np.random.default_rng(7)
    features = rng.normal(scale=0.6, size=(200, model.n_features_in_)).astype(np.float32)
    features[::5, rng.integers(model.n_features_in_)] = np.nan  # missing values take the learned branch
    features[1::5] = 0.0
    expected = model.predict_proba(features)
    compiled = CompiledTreeEnsemble(model).predict_proba(features)
    assert np.allclose(compiled, expected, atol=1e-9)
    assert (compiled.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_compiled_tfidf_matches_scikit_learn(fitted):
    texts = [seed_text(prefix) for prefix in ("000", "001", "002", "003", "004")]
    sentences = [line for text in texts for line in text.splitlines() if len(line.split()) > 3][:60]
    left = ["Iran supplied drones to Russia"] * len(sentences) + sentences[:5]
    right = sentences + texts
    expected = tfidf_cosines(fitted["tfidf"], left, right)
    compiled = tfidf_cosines(CompiledTfidf(fitted["tfidf"]), left, right)
    assert np.allclose(compiled, expected, atol=1e-6)
    assert expected.max() > 0.3  # the comparison covers real overlaps, not only zeros


def _sources(client, statement: str, **extra) -> dict:
    response = client.post("/v1/check", json={"statement": statement, "k": 10, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _by_outlet(body: dict) -> dict[str, dict]:
    return {source["outlet"]: source for source in body["sources"] if source["outlet"]}


def test_sources_give_one_verdict_per_matched_article(seeded_client):
    body = _sources(seeded_client, "Iran supplied drones to Russia")
    # every article that reported a match, in the order of the first match it reported
    first_match = {}
    for position, match in enumerate(body["matches"]):
        for report in match["reported_by"]:
            first_match.setdefault(report["article_id"], position)
    assert [s["article_id"] for s in body["sources"]] == sorted(first_match, key=first_match.get)
    for source in body["sources"]:
        assert source["stance"] in {"agree", "disagree", "discuss", "unrelated"}
        assert 0.0 <= source["confidence"] <= 1.0
        article = seeded_client.get(f"/v1/articles/{source['article_id']}").get_json()
        assert set(source["evidence"]) <= {c["claim_id"] for c in article["claims"]}
        assert source["evidence"], source
    # "Iran admitted ... it has sent drones" (k counts facts: ten facts reach the paper's own report of the denials)
    assert _by_outlet(_sources(seeded_client, "Iran supplied drones to Russia", k=5))[MOSCOW_TIMES]["stance"] == "agree"


def test_the_admitting_article_disagrees_with_a_denial(seeded_client):
    """The paper reports the admission twice. The model alone reads one report ("Amirabdollahian said Iran had
    supplied drones to Russia, but only a few of them") as supporting "Iran did not send drones"; the parse's check
    of a denied act (the same act on the same thing) turns it round, so both reports disagree."""
    admitted = _by_outlet(_sources(seeded_client, "Iran did not send drones to Russia"))[MOSCOW_TIMES]
    assert admitted["stance"] == "disagree"


def test_sources_can_be_left_out_and_unrelated_statements_have_none(seeded_client):
    assert "sources" not in _sources(seeded_client, "Iran supplied drones to Russia", sources=False)
    assert _sources(seeded_client, "The price of bread rose in France")["sources"] == []
    bad = seeded_client.post("/v1/check", json={"statement": "Iran sent drones", "sources": "maybe"})
    assert bad.status_code == 422 and "sources" in bad.get_json()["error"]["details"]


def test_models_without_an_article_level_aggregate_claim_stances(make_engine, tmp_path):
    engine = make_engine(stance_model="polarity")
    list(ingest_paths(engine, [next(SEEDS.glob("003_*.txt"))]))
    result = engine.check("Iran sent drones to Russia", k=10)
    (source,) = result["sources"]
    sided = [m for m in result["matches"] if m["stance"]["label"] != "neutral"]
    assert source["evidence"] == [m["claim_id"] for m in sided]
    expected = {frozenset({"supports"}): "agree", frozenset({"refutes"}): "disagree",
                frozenset({"supports", "refutes"}): "discuss"}
    assert sided and source["stance"] == expected[frozenset(m["stance"]["label"] for m in sided)]


def test_source_verdict_rules():
    head = (ArticleStance("discuss", 0.8, [0]), [11])
    supports, refutes, neutral = Stance("supports", 0.9), Stance("refutes", 0.6), Stance("neutral", 0.5)
    assert source_verdict((ArticleStance("unrelated", 0.7), []), [(1, supports)])["stance"] == "unrelated"
    assert source_verdict(head, [(1, supports), (2, neutral)]) == {"stance": "agree", "confidence": round(0.9 / 1.4, 4),
                                                                  "evidence": [1]}
    assert source_verdict(head, [(1, refutes)])["stance"] == "disagree"
    assert source_verdict(head, [(1, supports), (2, refutes)])["stance"] == "discuss"
    assert source_verdict(head, [(2, neutral)]) == {"stance": "discuss", "confidence": 0.8, "evidence": [11]}
