"""The learned join decision: a gradient-boosted model of "same story" over the pair features of
pipeline.stories.pairs, and average-link grouping over its probabilities.

The model is fitted by bench/train_grouping.py on the labelled bench sets and shipped as JSON
(grouping_model.json beside this module: trees as arrays, nothing executable). Stories are formed
by average link: two groups join while the mean probability over the pairs the candidate search
saw between them is at least the fitted threshold, so that every member agrees with the story as
a whole rather than through one chain of single links.
"""
from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

MODEL_FILE = "grouping_model.json"


@dataclass(frozen=True)
class JoinModel:
    """Boosted regression trees on the log-odds of "same story"."""

    features: tuple[str, ...]
    bias: float
    rate: float
    feature: np.ndarray     # (trees, nodes) split feature; -1 at a leaf
    threshold: np.ndarray   # (trees, nodes) go left when x <= threshold
    left: np.ndarray        # (trees, nodes) child indices; -1 at a leaf
    right: np.ndarray
    value: np.ndarray       # (trees, nodes) leaf values
    join: float             # the average-link threshold on the probability

    @classmethod
    def from_json(cls, d: dict) -> "JoinModel":
        trees = d["trees"]
        width = max(len(t["feature"]) for t in trees)

        def pad(key: str, fill, dtype) -> np.ndarray:
            return np.array([t[key] + [fill] * (width - len(t[key])) for t in trees], dtype=dtype)

        return cls(tuple(d["features"]), float(d["bias"]), float(d["rate"]),
                   pad("feature", -1, np.int64), pad("threshold", 0.0, np.float64),
                   pad("left", -1, np.int64), pad("right", -1, np.int64),
                   pad("value", 0.0, np.float64), float(d["join"]))

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        out = np.full(n, self.bias)
        rows = np.arange(n)
        for t in range(self.feature.shape[0]):
            node = np.zeros(n, dtype=np.int64)
            feat, thr, left, right = self.feature[t], self.threshold[t], self.left[t], self.right[t]
            while True:
                f = feat[node]
                inner = f >= 0
                if not inner.any():
                    break
                go_left = x[rows, np.maximum(f, 0)] <= thr[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            out += self.rate * self.value[t][node]
        return out

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(np.asarray(x, dtype=np.float64))))


@cache
def load_model() -> JoinModel:
    """The shipped model; refused when it was fitted on other features than the code makes
    (fit it again: bench/train_grouping.py)."""
    from pipeline.stories.pairs import FEATURES
    text = resources.files("pipeline.stories").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    model = JoinModel.from_json(json.loads(text))
    if model.features != FEATURES:
        raise ValueError(f"{MODEL_FILE} was fitted on other features than this version makes; "
                         "fit it again with bench/train_grouping.py")
    return model


def average_link(a: np.ndarray, b: np.ndarray, p: np.ndarray, labels: np.ndarray,
                 frozen: np.ndarray, ts: np.ndarray, threshold: float,
                 window: float = math.inf) -> np.ndarray:
    """Group rows given their starting labels and the candidate pairs (a, b) with probability p.

    Two groups join while their link, the sum of p over the pairs seen between them divided by
    the larger of that count and the smaller group's size, is at least `threshold`: a lone
    article must agree with the story on every pair seen, and two groups must be linked by more
    than one member of the smaller. Groups whose labels are `frozen` (stories of earlier runs)
    never join each other; no group spans more than `window` seconds. Returns a label per row,
    the smallest starting label of its group.
    """
    labels = np.asarray(labels, dtype=np.int64)
    groups, label_row = np.unique(labels, return_inverse=True)
    g = len(groups)
    size = np.bincount(label_row, minlength=g).astype(np.int64).tolist()
    is_frozen = frozen[groups].tolist() if len(frozen) else [False] * g
    t = np.asarray(ts, dtype=np.float64)
    lo = np.full(g, np.inf)
    hi = np.full(g, -np.inf)
    dated = ~np.isnan(t)
    np.minimum.at(lo, label_row[dated], t[dated])
    np.maximum.at(hi, label_row[dated], t[dated])
    lo_, hi_ = lo.tolist(), hi.tolist()
    adj: list[dict[int, list[float]]] = [{} for _ in range(g)]
    ga, gb = label_row[a], label_row[b]
    for x, y, v in zip(ga.tolist(), gb.tolist(), np.asarray(p, dtype=np.float64).tolist()):
        if x == y:
            continue
        e = adj[x].get(y)
        if e is None:
            e = adj[x][y] = adj[y][x] = [0.0, 0]
        e[0] += v
        e[1] += 1

    def link(x: int, y: int, e: list[float]) -> float:
        return e[0] / max(e[1], min(size[x], size[y]))

    heap = [(-link(x, y, e), x, y) for x in range(g) for y, e in adj[x].items() if x < y]
    heapq.heapify(heap)
    parent = list(range(g))
    alive = [True] * g
    while heap:
        neg, x, y = heapq.heappop(heap)
        if -neg < threshold:
            break
        if not (alive[x] and alive[y]) or y not in adj[x]:
            continue
        now = link(x, y, adj[x][y])
        if now < -neg - 1e-12:
            # Stale: a group grew since this was pushed, which only ever lowers a link it did
            # not add pairs to (those are pushed anew below), so it goes back in at its value.
            if now >= threshold:
                heapq.heappush(heap, (-now, x, y))
            continue
        if now > -neg + 1e-12:
            continue                       # a newer, higher entry of the same pair is queued
        if is_frozen[x] and is_frozen[y]:
            continue
        if max(hi_[x], hi_[y]) - min(lo_[x], lo_[y]) > window:
            continue
        if is_frozen[y] and not is_frozen[x]:
            x, y = y, x                    # a story of an earlier run keeps its label
        alive[y], parent[y] = False, x
        del adj[x][y]
        changed = []
        for z, e in adj[y].items():
            if z == x:
                continue
            del adj[z][y]
            f = adj[x].get(z)
            if f is None:
                adj[x][z] = adj[z][x] = [e[0], e[1]]
            else:
                f[0] += e[0]
                f[1] += e[1]
            changed.append(z)
        adj[y] = {}
        size[x] += size[y]
        is_frozen[x] = is_frozen[x] or is_frozen[y]
        lo_[x], hi_[x] = min(lo_[x], lo_[y]), max(hi_[x], hi_[y])
        # Only the links that gained pairs can have risen; the others are re-checked lazily
        # when they come up (a flood of one group: linear, not one push per neighbour per merge).
        for z in changed:
            heapq.heappush(heap, (-link(x, z, adj[x][z]), min(x, z), max(x, z)))
    root = np.array(parent)
    for _ in range(g):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    first = np.full(g, np.iinfo(np.int64).max)
    np.minimum.at(first, root, groups)
    return first[root][label_row]
