"""Index kinds (flat, hnsw, ivf) behind one interface, the automatic switch by collection size, ONNX embeddings."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from service import index as index_module
from service.index import VectorIndex, choose_kind, make_index
from service.app import create_app
from service.extraction import content_hash
from service.store import NewClaim

from .conftest import seed_text
from .test_store_index import assert_consistent

KINDS = ["flat", "hnsw", "ivf"]


@pytest.fixture(scope="module")
def seed_vectors(seeded_engine) -> tuple[np.ndarray, np.ndarray]:
    """Real claim vectors (the seeds' claims, embedded by the real model) with their claim ids."""
    parts = list(seeded_engine.store.all_embeddings())
    return np.concatenate([ids for ids, _ in parts]), np.vstack([vectors for _, vectors in parts])


def copy_articles(source, target, article_ids: list[str] | None = None) -> list[str]:
    """Store the seeded engine's articles with their claims' stored vectors in ``target`` (no re-encoding)."""
    if article_ids is None:
        article_ids = [r[0] for r in source.store._connection().execute("SELECT id FROM articles ORDER BY id")]
    for article_id in article_ids:
        article = source.store.find_article(article_id)
        claims = source.store.claims_of_article(article_id)
        vectors = source.store.embeddings_of([c["id"] for c in claims])
        keys = ("id", "outlet", "title", "url", "published", "raw_text", "text", "extractor")
        target.store.add_article({k: article[k] for k in keys},
                                 [NewClaim(text=c["text"], embedding=vectors[c["id"]], polarity=c["polarity"],
                                           voice=c["voice"]) for c in claims])
    target.sync_index()
    return article_ids


def exact(query: np.ndarray, ids: np.ndarray, vectors: np.ndarray, k: int, allowed=None) -> list[int]:
    """Claim ids of the top ``k`` by brute force in numpy (among ``allowed`` if given)."""
    rows = np.arange(len(ids)) if allowed is None else np.flatnonzero(np.isin(ids, allowed))
    scores = vectors[rows] @ query
    return [int(ids[rows[j]]) for j in np.argsort(-scores, kind="stable")[:k]]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_adds_removes_filters_and_survives_save_and_load(kind, seed_vectors, embedder, tmp_path,
                                                                   monkeypatch):
    ids, vectors = seed_vectors
    # ivf with 4 lists and 1 probed: a filter whose claims sit in other lists must still find them
    index = make_index(kind, vectors.shape[1], embedder.name, ivf_nlist=4, ivf_nprobe=1)
    index.build([(ids[: len(ids) // 2], vectors[: len(ids) // 2]), (ids[len(ids) // 2:], vectors[len(ids) // 2:])])
    assert index.kind == kind and index.size == len(ids)
    query = embedder.encode(["Iran supplied Russia with drones"])[0]
    if kind != "ivf":  # a few dozen claims: the graph search is exact; one ivf list of four is not
        assert [i for i, _ in index.search(query, 5)] == exact(query, ids, vectors, 5)

    allowed = ids[::3]
    expected = exact(query, ids, vectors, 5, allowed)
    # small allowed sets: vectors gathered; larger: a selector scan (both exact); largest: the index + selector
    for gather, scan, exact_path in [(2000, 20_000, True), (0, 20_000, True), (0, 0, kind != "ivf")]:
        monkeypatch.setattr(index_module, "GATHER_FILTER_LIMIT", gather)
        monkeypatch.setattr(index_module, "EXACT_FILTER_LIMIT", scan)
        found = [i for i, _ in index.search(query, 5, allowed)]
        assert set(found) <= set(allowed.tolist()) and len(found) == 5
        if exact_path:
            assert found == expected
    monkeypatch.undo()
    assert index.search(query, 5, np.array([], dtype=np.int64)) == []

    def everything(of: VectorIndex) -> list[int]:  # ivf probes 1 list of 4: all claims through a filter
        return sorted(i for i, _ in of.search(query, len(ids) + 10, ids if kind == "ivf" else None))

    gone = [i for i, _ in index.search(query, 3, None if kind != "ivf" else ids)]
    assert index.remove(gone + [10**9]) == 3 and index.size == len(ids) - 3
    assert not set(gone) & set(everything(index))
    assert not set(gone) & {i for i, _ in index.search(query, 10, np.array(gone + [int(ids[-1])]))}
    rows = np.isin(ids, gone)
    index.add(ids[rows], vectors[rows])  # back again, then replayed: no duplicates
    index.add(ids[rows], vectors[rows])
    assert index.size == len(ids) and everything(index) == sorted(ids.tolist())

    index.remove(gone[:1])
    index.generation = 41
    path = tmp_path / "index.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert type(loaded) is type(index) and loaded.generation == 41 and loaded.size == len(ids) - 1
    assert loaded.params() == index.params()
    assert loaded.search(query, 8, allowed) == index.search(query, 8, allowed)
    assert loaded.search(query, 8, ids) == index.search(query, 8, ids)
    assert gone[0] not in everything(loaded) and len(everything(loaded)) == len(ids) - 1


def test_choose_kind_follows_the_size_with_hysteresis():
    assert choose_kind("auto", 49, 50) == "flat"
    assert choose_kind("auto", 50, 50) == "hnsw"
    assert choose_kind("auto", 46, 50, current="hnsw") == "hnsw"  # within 10% under: stays
    assert choose_kind("auto", 44, 50, current="hnsw") == "flat"
    assert choose_kind("ivf", 3, 50) == "ivf"
    with pytest.raises(ValueError):
        choose_kind("annoy", 3, 50)


def test_collection_crossing_the_threshold_switches_kind_both_ways(make_engine, seeded_engine):
    engine = make_engine(index_auto_threshold=50, stance_model="polarity")
    assert engine.stats()["index"]["type"] == "flat"
    article_ids = copy_articles(seeded_engine, engine)  # well over 50 claims
    assert engine.store.counts()["claims"] >= 50
    assert engine.wait_for_index_rebuild(60)
    stats = create_app(engine.config, engine=engine).test_client().get("/v1/stats").get_json()["index"]
    assert stats["type"] == "hnsw" and stats["configured"] == "auto" and stats["auto_threshold"] == 50
    assert stats["params"] == {"m": 32, "ef_construction": 40, "ef_search": engine.config.index_hnsw_ef_search,
                               "deleted": 0} and stats["rebuilding"] is None
    assert_consistent(engine)
    found = engine.check("Iran sent drones to Russia", k=3)["matches"]
    assert found and "drone" in found[0]["text"].lower()
    for article_id in article_ids:  # under 45 claims: back to exact search
        if engine.store.counts()["claims"] >= 45:
            engine.delete_article(article_id)
    assert engine.wait_for_index_rebuild(60)
    assert engine.stats()["index"]["type"] == "flat"
    assert_consistent(engine)


def test_readers_are_served_while_the_next_index_is_built(make_engine, seeded_engine):
    engine = make_engine(index_auto_threshold=10**6, stance_model="polarity")
    kept, gone, added = (content_hash(seed_text(prefix)) for prefix in ("002", "003", "000"))
    copy_articles(seeded_engine, engine, [kept, gone])
    gone_ids = {c["claim_id"] for c in engine.article(gone)["claims"]}
    statement = "We are not exporting weapons to either side of the conflict"
    before = engine.check(statement, k=3)["matches"]
    assert before and before[0]["source"]["article_id"] == kept

    started, release = threading.Event(), threading.Event()
    all_index_vectors = engine.store.all_index_vectors

    def slow_all_index_vectors(*args, **kwargs):
        started.set()
        assert release.wait(30)
        yield from all_index_vectors(*args, **kwargs)

    engine.store.all_index_vectors = slow_all_index_vectors
    engine.config = engine.config.with_overrides(index_auto_threshold=20, index_type="ivf")
    engine.sync_index()
    assert started.wait(10)
    # the build is held: readers use the flat index, writes go on and reach it
    assert engine.stats()["index"] == {**engine.stats()["index"], "type": "flat", "rebuilding": "ivf"}
    assert engine.check(statement, k=3)["matches"] == before
    copy_articles(seeded_engine, engine, [added])
    engine.delete_article(gone)
    assert engine.index.kind == "flat" and engine.check(statement, k=3)["matches"]
    release.set()
    assert engine.wait_for_index_rebuild(60)
    assert engine.index.kind == "ivf"
    assert_consistent(engine)  # the writes made during the build were applied before the swap
    ids = {m["claim_id"] for m in engine.check(statement, k=50, min_similarity=0)["matches"]}
    assert not ids & gone_ids
    added_ids = {c["claim_id"] for c in engine.article(added)["claims"]}
    assert added_ids and added_ids & ids
    engine.store.all_index_vectors = all_index_vectors
    engine.close()
    reopened = make_engine(index_type="ivf")  # the swapped index was saved: loaded, not rebuilt
    assert reopened.index.kind == "ivf" and reopened.index_keeper._rebuild_thread is None
    assert_consistent(reopened)


def test_hnsw_deletes_are_tombstones_until_a_rebuild_compacts_them(make_engine, seeded_engine):
    engine = make_engine(index_type="hnsw", stance_model="polarity")
    assert engine.wait_for_index_rebuild(60) and engine.index.kind == "hnsw"
    first, *_ = copy_articles(seeded_engine, engine, [content_hash(seed_text(p)) for p in ("000", "004")])
    assert engine.index.kind == "hnsw" and engine.index.params()["deleted"] == 0
    first_ids = {c["claim_id"] for c in engine.article(first)["claims"]}
    engine.index.remove(list(first_ids)[:1])  # one tombstone: under 20%, kept until more are deleted
    assert engine.index.params()["deleted"] == 1 and not engine.index.needs_rebuild
    engine.delete_article(first)  # over 20% of the entries deleted: compaction
    assert engine.wait_for_index_rebuild(60)
    assert engine.index.kind == "hnsw" and engine.index.params()["deleted"] == 0
    assert_consistent(engine)
    result = engine.check("The missile part is completely wrong", k=50, min_similarity=0.0)
    assert not first_ids & {m["claim_id"] for m in result["matches"]}


# --- ONNX Runtime backend ----------------------------------------------------------------------
@pytest.mark.parametrize("quantized, min_cosine", [(False, 0.9999), (True, 0.95)])
def test_onnx_backend_gives_the_torch_vectors(onnx_export_dir, torch_embedder, quantized, min_cosine):
    from service.embeddings import OnnxEmbedder

    onnx = OnnxEmbedder(export_dir=onnx_export_dir, quantized=quantized, threads=1)
    texts = [seed_text("001")[:400], "Iran sent drones to Russia", "x", ""] + seed_text("004").split(". ")[:20]
    cosine = np.sum(onnx.encode(texts) * torch_embedder.encode(texts), axis=1)
    assert onnx.dim == torch_embedder.dim and cosine.min() > min_cosine
    assert cosine.mean() > (0.99999 if not quantized else 0.98)
    assert onnx.encode([]).shape == (0, torch_embedder.dim)
    assert (onnx.name == torch_embedder.name) is (not quantized)  # int8 vectors differ: another name in the store


def test_switching_to_int8_vectors_needs_a_reembed(make_engine, seeded_engine, onnx_export_dir, tmp_path):
    from service.embeddings import OnnxEmbedder
    from service.engine import FactCheckEngine

    from .conftest import test_config

    engine = make_engine(stance_model="polarity")
    copy_articles(seeded_engine, engine, [content_hash(seed_text("002"))])
    engine.close()
    int8 = OnnxEmbedder(export_dir=onnx_export_dir, quantized=True, threads=1)
    config = test_config(tmp_path / "data", embedding_backend="onnx-int8", stance_model="polarity")
    with pytest.raises(RuntimeError, match="reindex --reembed"):
        FactCheckEngine(config, embedder=int8)
    switching = FactCheckEngine(config, embedder=int8, allow_model_change=True)  # what `reindex --reembed` opens
    switching.reindex(reembed=True)
    switching.close()
    switched = FactCheckEngine(config, embedder=int8)
    assert switched.stats()["embedding_model"] == int8.name
    assert_consistent(switched)
    statement = "We are not exporting weapons to either side of the conflict"
    assert switched.check(statement, k=1)["matches"][0]["similarity"] > 0.5
    switched.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_claim_with_two_vectors_is_found_by_either_and_returned_once(kind, seed_vectors, embedder, tmp_path):
    """Second vectors (a claim's resolved text) are keyed to their claim: best vector per claim, each claim once,
    filters and deletes by claim, sizes in claims, kept by save and load."""
    ids, vectors = seed_vectors
    texts = ["Iranian personnel are on the ground in Crimea to provide technical support to Russia",
             "Iran provided missiles and drones to Russia to help the war in Ukraine",
             "The ferry company said the new timetable starts on Monday"]
    seconds = embedder.encode(texts)
    owners = ids[[3, 10, 20]]  # three stored claims get a second vector each
    all_ids = np.concatenate([ids, owners])
    all_vectors = np.vstack([vectors, seconds])
    slots = np.concatenate([np.zeros(len(ids), dtype=np.int64), np.ones(3, dtype=np.int64)])
    index = make_index(kind, vectors.shape[1], embedder.name, ivf_nlist=4, ivf_nprobe=4)
    index.build([(all_ids, all_vectors, slots)])
    assert index.size == len(ids) and index.vectors == len(ids) + 3

    def brute(query: np.ndarray, allowed=None) -> list[tuple[int, float]]:  # best of each claim's vectors
        best: dict[int, float] = {}
        for claim_id, score in zip(all_ids.tolist(), (all_vectors @ query).tolist()):
            if allowed is None or claim_id in allowed:
                best[claim_id] = max(best.get(claim_id, -2.0), score)
        return sorted(best.items(), key=lambda item: -item[1])

    for number, text in enumerate(texts):
        query = embedder.encode([text])[0]
        found = index.search(query, len(ids))
        assert len({i for i, _ in found}) == len(found) == len(ids)  # every claim once
        assert found[0][0] == owners[number] and found[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [i for i, _ in found[:5]] == [i for i, _ in brute(query)[:5]]
        allowed = np.array([owners[number], ids[0], ids[1]])
        filtered = index.search(query, 5, allowed)
        assert [i for i, _ in filtered] == [i for i, _ in brute(query, set(allowed.tolist()))]

    query = embedder.encode([texts[0]])[0]
    path = tmp_path / "index.faiss"
    index.generation = 7
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.size == index.size and loaded.vectors == index.vectors and loaded.second_vectors
    assert loaded.search(query, 5) == index.search(query, 5)

    # a replayed change (the claim's vectors again) changes nothing; a claim re-added without its second vector
    # loses it; a removed claim loses both vectors
    index.add(owners[:1], vectors[[3]])
    index.add(np.array([owners[0], owners[0]]), np.vstack([vectors[3], seconds[0]]), np.array([0, 1]))
    index.add(np.array([owners[0], owners[0]]), np.vstack([vectors[3], seconds[0]]), np.array([0, 1]))
    assert index.size == len(ids) and index.vectors == len(ids) + 3
    assert index.search(query, 1)[0][0] == owners[0]
    index.add(owners[:1], vectors[[3]])
    assert index.size == len(ids) and index.vectors == len(ids) + 2
    assert index.search(query, 1)[0][0] != owners[0]
    assert index.remove([owners[1], 10**9]) == 1
    assert index.size == len(ids) - 1 and index.vectors == len(ids)
    assert owners[1] not in {i for i, _ in index.search(embedder.encode([texts[1]])[0], len(ids))}
    assert index.search(query, 5, np.array([owners[1]])) == []


def test_an_index_saved_before_second_vectors_is_not_loaded(seed_vectors, embedder, tmp_path):
    """The older layout (labels = claim ids, one vector per claim) is refused, so the engine rebuilds."""
    import faiss

    ids, vectors = seed_vectors
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    old.add_with_ids(vectors, ids)
    path = tmp_path / "index.faiss"
    faiss.write_index(old, str(path))
    path.with_suffix(".json").write_text(json.dumps({"generation": 3, "count": len(ids), "model": embedder.name,
                                                     "dim": vectors.shape[1], "kind": "flat", "params": {}}))
    assert VectorIndex.load(path) is None
