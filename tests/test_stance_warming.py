"""The stored claims' parses for the 'fact' stance model are made in the background (service/stance/warming.py):
at start for the most recent claims, then for every claim added by this engine or by another process."""
from __future__ import annotations

from service.ingest import ingest_paths
from service.stance.claim_model import judged_content
from service.stance.framing import StatementFrame, claim_input
from tests.conftest import SEEDS, seed_text

STATEMENTS = [
    "Iran sent drones to Russia before the invasion",
    "Iran supplied missiles to Russia.",
    "The Russian army uses only drones produced in Russia.",
    "Iranian personnel are on the ground in Crimea.",
]


def fact_texts(engine, claim_ids) -> set[str]:
    """The texts the stance model parses for these stored claims, as a plain statement judges them."""
    rows = engine.store.claims_by_ids(list(claim_ids))
    return {judged_content(claim_input(row, 1.0, None, StatementFrame("")))[2] for row in rows.values()}


def all_claim_ids(engine) -> list[int]:
    return [claim_id for ids, _ in engine.store.all_claim_texts() for claim_id in ids]


def test_ingested_claims_are_parsed_before_a_check_needs_them(make_engine):
    engine = make_engine()
    list(ingest_paths(engine, [SEEDS]))
    assert engine.stance_warmer.wait(120)
    reader = engine.stance_model.facts
    assert fact_texts(engine, all_claim_ids(engine)) <= set(reader._facts)
    kept = len(reader._facts)
    for statement in STATEMENTS:
        assert engine.check(statement, k=10)["matches"]
    assert len(reader._facts) == kept  # every claim the checks judged was parsed already: none parsed on a request


def test_claims_added_by_another_process_and_the_recent_claims_at_start_are_parsed(make_engine, tmp_path):
    data = tmp_path / "shared"
    serving = make_engine(data)
    writer = make_engine(data)  # another worker over the same store
    assert serving.stance_warmer.wait(120)  # its look at start found the store empty
    writer.ingest_article(seed_text("001"), outlet="Seed outlet")
    new = fact_texts(serving, all_claim_ids(serving))
    assert new and not new & set(serving.stance_model.facts._facts)
    serving.sync_index()  # what every check does first
    assert serving.stance_warmer.wait(120)
    assert new <= set(serving.stance_model.facts._facts)

    restarted = make_engine(data, stance_warm_claims=3)
    assert restarted.stance_warmer.wait(120)
    newest = fact_texts(restarted, restarted.store.recent_claim_ids(3))
    assert restarted.stance_warmer.parsed == len(newest) > 0
    assert set(restarted.stance_model.facts._facts) == newest


def test_the_setting_turns_the_warmer_off(make_engine):
    engine = make_engine(stance_warm_claims=0)
    engine.ingest_article(seed_text("001"), outlet="Seed outlet")
    assert engine.stance_warmer.wait(1)
    assert engine.stance_warmer.parsed == 0 and not engine.stance_model.facts._facts
    engine.check(STATEMENTS[0], k=10)
    assert engine.stance_model.facts._facts  # the check parses what it judges itself
