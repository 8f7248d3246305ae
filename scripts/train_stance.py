"""Train the FNC-1 stance model (article head and claim head) and save it to models/stance.

    nice python scripts/train_stance.py [--bodies F] [--stances F] [--out models/stance] [--seed 13]

Hold-out figures come from a split by Body ID; the saved artefact is then retrained on all pairs
(``--no-final`` skips that and saves nothing).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
for path in (REPO_ROOT, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402

from evaluate_stance import read_bodies, read_stances, report  # noqa: E402
from service.stance.features import (  # noqa: E402
    Body,
    body_sentences,
    feature_matrix,
    fit_tfidf,
    make_bodies,
)
from service.stance.trained import ARTEFACT_FILE, SETTINGS_FILE, claim_pairs, save_artefact  # noqa: E402

DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "fnc1"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def embed_with_cache(embedder, texts: list[str], cache_dir: Path, tag: str) -> np.ndarray:
    """Encode ``texts``, reusing a cached .npy under ``cache_dir`` keyed by their content."""
    digest = hashlib.sha1("\x1e".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:16]
    path = cache_dir / f"{tag}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def class_weights(labels: np.ndarray, power: float) -> np.ndarray:
    """Per-sample weights (n_max / n_class) ** power: 0 is unweighted, 1 fully balanced."""
    counts = {label: int((labels == label).sum()) for label in set(labels)}
    largest = max(counts.values())
    return np.array([(largest / counts[label]) ** power for label in labels], dtype=np.float64)


def make_classifier(settings: dict, seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=settings["max_iter"],
        learning_rate=settings["learning_rate"],
        max_leaf_nodes=settings["max_leaf_nodes"],
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def fit(features: np.ndarray, labels: np.ndarray, settings: dict, seed: int) -> HistGradientBoostingClassifier:
    model = make_classifier(settings, seed)
    model.fit(features, labels, sample_weight=class_weights(labels, settings["class_weight_power"]))
    return model


def build_features(
    headlines: Sequence[str], headline_vectors: np.ndarray, bodies: Sequence[Body], tfidf, dense: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Article features of every pair and claim features (headline against its best body sentence)."""
    article, orders = feature_matrix(headlines, headline_vectors, bodies, tfidf, dense)
    best_sentences = claim_pairs(bodies, orders)
    claim, _ = feature_matrix(headlines, headline_vectors, best_sentences, tfidf, dense=False)
    return article, claim


def train_heads(
    rows: list[tuple[str, Body, str]], head_vectors: np.ndarray, indices: np.ndarray, settings: dict, seed: int
):
    """Fit TF-IDF on the pairs at ``indices``, then both heads; return (tfidf, article model, claim model)."""
    headlines = [rows[i][0] for i in indices]
    bodies = [rows[i][1] for i in indices]
    labels = np.array([rows[i][2] for i in indices])
    texts = sorted(set(headlines)) + sorted({b.text for b in bodies})
    tfidf = fit_tfidf(texts)
    article, claim = build_features(headlines, head_vectors[indices], bodies, tfidf, settings["dense"])
    log(f"features {article.shape}, claim features {claim.shape}; fitting")
    article_model = fit(article, labels, settings, seed)
    claim_model = fit(claim, labels, {**settings, "max_iter": settings["claim_max_iter"]}, seed)
    return tfidf, article_model, claim_model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bodies", default=str(DATA_DIR / "train_bodies.csv"))
    parser.add_argument("--stances", default=str(DATA_DIR / "train_stances.csv"))
    parser.add_argument("--out", default=str(REPO_ROOT / "models" / "stance"))
    parser.add_argument("--cache-dir", default="/tmp/stance_cache")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout", type=float, default=0.2, help="share of Body IDs held out for figures")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pairs (smoke tests)")
    parser.add_argument("--max-iter", type=int, default=400)
    parser.add_argument("--claim-max-iter", type=int, default=150)
    parser.add_argument("--learning-rate", type=float, default=0.08)
    parser.add_argument("--max-leaf-nodes", type=int, default=31)
    parser.add_argument("--class-weight-power", type=float, default=0.5)
    parser.add_argument("--dense", action=argparse.BooleanOptionalAction, default=True,
                        help="append headline x body-focus embedding products")
    parser.add_argument("--final", action=argparse.BooleanOptionalAction, default=True,
                        help="retrain on all pairs and save the artefact")
    parser.add_argument("--embedding-model", default="all-MiniLM-L6-v2")
    args = parser.parse_args(argv)
    settings = {
        "max_iter": args.max_iter, "claim_max_iter": args.claim_max_iter, "learning_rate": args.learning_rate,
        "max_leaf_nodes": args.max_leaf_nodes, "class_weight_power": args.class_weight_power, "dense": args.dense,
    }
    started = time.perf_counter()

    from service.embeddings import SentenceTransformerEmbedder

    body_texts = read_bodies(args.bodies)
    stances = read_stances(args.stances)
    if args.limit:
        stances = stances[: args.limit]
    body_ids = sorted({body_id for _, body_id, _ in stances}, key=int)
    sentences = {body_id: body_sentences(body_texts[body_id]) for body_id in body_ids}
    unique_headlines = sorted({headline for headline, _, _ in stances})
    log(f"{len(stances)} pairs, {len(body_ids)} bodies, {sum(map(len, sentences.values()))} sentences")

    embedder = SentenceTransformerEmbedder(args.embedding_model)
    cache_dir = Path(args.cache_dir)
    flat = [s for body_id in body_ids for s in sentences[body_id]]
    sentence_vectors = embed_with_cache(embedder, flat, cache_dir, "sentences")
    headline_vectors = embed_with_cache(embedder, unique_headlines, cache_dir, "headlines")
    log("embedded")
    bodies = dict(zip(body_ids, make_bodies([body_texts[b] for b in body_ids],
                                            [sentences[b] for b in body_ids], sentence_vectors)))
    headline_index = {h: i for i, h in enumerate(unique_headlines)}
    rows = [(headline, bodies[body_id], stance) for headline, body_id, stance in stances]
    head_vectors = headline_vectors[[headline_index[h] for h, _, _ in stances]]

    rng = np.random.default_rng(args.seed)
    held_bodies = set(rng.permutation(body_ids)[: int(round(len(body_ids) * args.holdout))])
    is_held = np.array([body_id in held_bodies for _, body_id, _ in stances])
    train_idx, held_idx = np.flatnonzero(~is_held), np.flatnonzero(is_held)
    log(f"hold-out: {len(held_bodies)} bodies, {len(held_idx)} pairs; training on {len(train_idx)} pairs")

    tfidf, article_model, claim_model = train_heads(rows, head_vectors, train_idx, settings, args.seed)
    held_headlines = [rows[i][0] for i in held_idx]
    held_bodies_list = [rows[i][1] for i in held_idx]
    gold = [rows[i][2] for i in held_idx]
    article, claim = build_features(held_headlines, head_vectors[held_idx], held_bodies_list, tfidf, args.dense)
    results = {}
    for name, model, features in (("article", article_model, article), ("claim", claim_model, claim)):
        lines, macro_f1, score = report(gold, list(model.predict(features)))
        results[name] = {"macro_f1": round(macro_f1, 4), "fnc1_score": round(score, 4), "report": lines}
        print(f"--- hold-out, {name} head (headline vs {'body' if name == 'article' else 'best sentence'})")
        print("\n".join(lines))
        print(f"FNC-1 score: {score:.4f}")
    log(f"hold-out done in {time.perf_counter() - started:.0f} s")

    if args.final:
        tfidf, article_model, claim_model = train_heads(rows, head_vectors, np.arange(len(rows)), settings, args.seed)
        meta = {
            "seed": args.seed, "embedding_model": args.embedding_model, "embedding_dim": embedder.dim, "settings": settings,
            "trained_on": {"bodies": Path(args.bodies).name, "stances": Path(args.stances).name,
                           "pairs": len(rows), "limit": args.limit},
            "holdout": {"share_of_bodies": args.holdout, "pairs": int(len(held_idx)),
                        **{name: {k: v for k, v in r.items() if k != "report"} for name, r in results.items()}},
            "training_seconds": round(time.perf_counter() - started, 1),
        }
        save_artefact(Path(args.out), tfidf, article_model, claim_model, meta)
        log(f"saved {Path(args.out) / ARTEFACT_FILE} and {SETTINGS_FILE}")
    log(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
