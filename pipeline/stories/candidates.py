"""The pairs the join model scores: candidates from the neighbour search, each pair once, with
its features (pipeline.stories.pairs) and the model's probability (pipeline.stories.joiner)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stories.features import Weighted
from pipeline.stories.joiner import JoinModel, load_model
from pipeline.stories.neighbours import NOT_LISTED, neighbours, undirected
from pipeline.stories.pairs import pair_features

ACROSS_NEIGHBOURS = 5     # candidates in another language per article (names and figures)


@dataclass(frozen=True)
class Candidates:
    """Scored pairs of one pool: (a, b) once each, their features and the model's probability."""

    a: np.ndarray
    b: np.ndarray
    x: np.ndarray
    p: np.ndarray


def candidate_features(w: Weighted, rows: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of `rows` (indices of w) among all of w, once each, with their pair features;
    the articles they find search too, so that ranks and degrees are known on both sides."""
    everyone = np.arange(len(w.ts))
    i, j, _, degree = neighbours(w, rows, everyone)
    hops = np.setdiff1d(np.unique(j), rows)
    if len(hops):
        i2, j2, _, deg2 = neighbours(w, hops, everyone)
        i, j = np.concatenate([i, i2]), np.concatenate([j, j2])
        degree = np.maximum(degree, deg2)
    # Translations: a few candidates in another language each, by names and figures. They
    # rank in the lists of the first search only (or not at all).
    ia, ja, _, _ = neighbours(w, rows, everyone, ACROSS_NEIGHBOURS, across=True)
    a, b, r_ab, r_ba = undirected(len(w.ts), i, j)
    if len(ia):
        seen = set((a * len(w.ts) + b).tolist())
        lo, hi = np.minimum(ia, ja), np.maximum(ia, ja)
        key = np.unique(lo * len(w.ts) + hi)
        new = np.array([k not in seen for k in key.tolist()], dtype=bool)
        extra = key[new]
        a = np.concatenate([a, extra // len(w.ts)])
        b = np.concatenate([b, extra % len(w.ts)])
        far = np.full(len(extra), NOT_LISTED)
        r_ab, r_ba = np.concatenate([r_ab, far]), np.concatenate([r_ba, far])
    return a, b, pair_features(w, a, b, degree, r_ab, r_ba)


def candidate_pairs(w: Weighted, rows: np.ndarray, model: JoinModel | None = None
                    ) -> Candidates:
    """candidate_features, scored by the join model."""
    a, b, x = candidate_features(w, rows)
    model = model or load_model()
    return Candidates(a, b, x, model.probability(x) if len(a) else np.zeros(0))
