"""Query-time versions of the stance model's fitted parts, with the same outputs and less per-call overhead.

scikit-learn's ``predict_proba`` and ``TfidfVectorizer.transform`` cost milliseconds per call in input
validation and per-tree Python calls; a check scores ten short claims, so that overhead dominated. These
classes read the fitted parameters once and evaluate them with NumPy; tests compare them with scikit-learn.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np


class CompiledTreeEnsemble:
    """A fitted ``HistGradientBoostingClassifier`` (numeric features) as flat node arrays, predicted in NumPy."""

    def __init__(self, model) -> None:  # noqa: ANN001 - a fitted HistGradientBoostingClassifier
        features, thresholds, missing_left, lefts, rights, leaves, values = [], [], [], [], [], [], []
        roots, tree_class = [], []
        offset = 0
        for per_class in model._predictors:
            for class_index, predictor in enumerate(per_class):
                nodes = predictor.nodes
                if nodes["is_categorical"].any():
                    raise ValueError("categorical splits are not supported")
                roots.append(offset)
                tree_class.append(class_index)
                features.append(nodes["feature_idx"].astype(np.int64))
                thresholds.append(nodes["num_threshold"].astype(np.float64))
                missing_left.append(nodes["missing_go_to_left"].astype(bool))
                lefts.append(nodes["left"].astype(np.int64) + offset)
                rights.append(nodes["right"].astype(np.int64) + offset)
                leaves.append(nodes["is_leaf"].astype(bool))
                values.append(nodes["value"].astype(np.float64))
                offset += len(nodes)
        self.feature = np.concatenate(features)
        self.threshold = np.concatenate(thresholds)
        self.missing_left = np.concatenate(missing_left)
        self.left = np.concatenate(lefts)
        self.right = np.concatenate(rights)
        self.is_leaf = np.concatenate(leaves)
        self.value = np.concatenate(values)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.tree_class = np.asarray(tree_class, dtype=np.int64)
        self.n_classes = int(model.n_trees_per_iteration_)
        self.baseline = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
        self.classes_ = model.classes_

    def leaf_nodes(self, features: np.ndarray) -> np.ndarray:
        """(n_samples, n_trees) index of the leaf each sample reaches in each tree."""
        X = np.asarray(features, dtype=np.float64)
        n_samples, n_trees = X.shape[0], len(self.roots)
        nodes = np.tile(self.roots, n_samples)
        rows = np.repeat(np.arange(n_samples), n_trees)
        active = np.flatnonzero(~self.is_leaf[nodes])
        while active.size:
            current = nodes[active]
            x = X[rows[active], self.feature[current]]
            go_left = np.where(np.isnan(x), self.missing_left[current], x <= self.threshold[current])
            nxt = np.where(go_left, self.left[current], self.right[current])
            nodes[active] = nxt
            active = active[~self.is_leaf[nxt]]
        return nodes.reshape(n_samples, n_trees)

    def raw_predict(self, features: np.ndarray) -> np.ndarray:
        leaves = self.leaf_nodes(features)
        raw = np.tile(self.baseline, (leaves.shape[0], 1))
        for class_index in range(self.n_classes):
            raw[:, class_index] += self.value[leaves[:, self.tree_class == class_index]].sum(axis=1)
        return raw

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax of the summed leaf values), ordered as ``classes_``."""
        raw = self.raw_predict(features)
        raw -= raw.max(axis=1, keepdims=True)
        exp = np.exp(raw)
        return exp / exp.sum(axis=1, keepdims=True)


class CompiledTfidf:
    """A fitted ``TfidfVectorizer`` as a vocabulary and idf weights; vectors are sparse dicts."""

    def __init__(self, vectorizer) -> None:  # noqa: ANN001 - a fitted TfidfVectorizer
        if vectorizer.norm != "l2" or vectorizer.binary or not vectorizer.use_idf:
            raise ValueError("only l2-normalised, non-binary TF-IDF with idf is supported")
        self.analyzer = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float64)
        self.sublinear = bool(vectorizer.sublinear_tf)

    def vector(self, text: str) -> dict[int, float]:
        counts = Counter(self.vocabulary[t] for t in self.analyzer(text) if t in self.vocabulary)
        weights = {
            term: ((1.0 + math.log(count)) if self.sublinear else float(count)) * self.idf[term]
            for term, count in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {term: w / norm for term, w in weights.items()} if norm else {}

    @staticmethod
    def cosine(left: dict[int, float], right: dict[int, float]) -> float:
        if len(left) > len(right):
            left, right = right, left
        return sum(w * right.get(term, 0.0) for term, w in left.items())

    def cosines(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Row-wise cosines, each distinct text vectorised once."""
        cache: dict[str, dict[int, float]] = {}

        def vec(text: str) -> dict[int, float]:
            if text not in cache:
                cache[text] = self.vector(text)
            return cache[text]

        return np.asarray([self.cosine(vec(a), vec(b)) for a, b in zip(left, right, strict=True)], dtype=np.float32)
