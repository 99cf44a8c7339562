"""The graph steps of story grouping: shared nearest neighbours, average-link cores, and
centroid merging of cores into stories, each bounded by the story window.

Pure numpy/scipy over article indices; pipeline.stories.group calls them.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from pipeline.stories import features as tf
from pipeline.stories.neighbours import pair_hash
from pipeline.stories.features import ENTITY_WEIGHT, Weighted
from pipeline.stories.neighbours import _burst

# B-cubed F1 figures from bench/cluster_quality.py on the dev sets.
SNN_K = 5                 # shared-nearest-neighbour list length: ecbplus-dev 0.969 (5) vs 0.929 (10)
SNN_FLOOR = 0.1           # least similarity to be in an article's list: same figures as 0.05 on
                          # all three dev sets, and fewer chance links in a run of few articles
SNN_HUB_LISTS = 100       # most lists one article counts in for shared neighbours (see
                          # shared_neighbours): uci-dev 0.920 at 100 as uncapped, 0.919 at 30 and
                          # 60; the other sets the same. Bounds the graph to ~600 pairs an article
SNN_WEIGHT = 0.5          # graph weight = 0.5 shared neighbours + 0.5 similarity: uci-dev 0.887
                          # (0.5) vs 0.847 (0.7) with ecbplus-dev 0.965 vs 0.969
CORE_THRESHOLD = 0.15     # average link over the graph: ecbplus-dev 0.962 at 0.15, 0.953 at 0.2;
                          # tuned on either half of its topics, 0.15 won on both (ecb-dev feed
                          # halves: 0.2 and 0.15)
MERGE_THRESHOLD = 0.6     # centroid cosine to join cores of headlines: uci-dev 0.905 at 0.6,
                          # 0.896 at 0.5 and 0.55; tuned on either half of its stories, 0.6 won
MERGE_THRESHOLD_FULLTEXT = 0.7  # ... and of full-text articles, whose cores are whole stories
                          # already (ecbplus-dev, cores at 0.2: 0.954 alone, merged at 0.5 0.942,
                          # at 0.7 0.954; the feed halves chose 0.7 twice)



def _symmetric(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> sp.csr_matrix:
    m = sp.csr_matrix((s, (i, j)), shape=(n, n))
    m = m.maximum(m.T).tocsr()
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def shared_neighbours(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray,
                      k: int = SNN_K) -> sp.csr_matrix:
    """For each pair: the share of the two articles' own k-nearest lists (self included).

    (i, j, s) are directed neighbour lists; an article with no list of its own (not searched)
    borrows the reverse edges, so that an old article still has the new ones as neighbours.
    """
    listed = s >= SNN_FLOOR
    i, j, s = i[listed], j[listed], s[listed]
    # Ties in similarity go by a pair hash, not by index: see textfeatures._tie_breaker.
    order = np.lexsort((pair_hash(i, j), -s, i))
    r, c, v = i[order], j[order], s[order]
    start = np.searchsorted(r, r, side="left")
    first = (np.arange(len(r)) - start) < k
    r, c, v = r[first], c[first], v[first]
    # A hub (an article in very many lists, e.g. the barest of a flood of near-identical items)
    # keeps only its SNN_HUB_LISTS most similar memberships: shared counts then stay linear in
    # the number of articles instead of growing as n^2.
    by_col = np.lexsort((pair_hash(r, c), -v, c))
    cs = c[by_col]
    rank = np.arange(len(cs)) - np.searchsorted(cs, cs, side="left")
    keep = np.zeros(len(c), dtype=bool)
    keep[by_col[rank < SNN_HUB_LISTS]] = True
    r_ = np.concatenate([r[keep], np.arange(n)])
    c_ = np.concatenate([c[keep], np.arange(n)])
    lists = sp.csr_matrix((np.ones(len(r_), dtype=np.float32), (r_, c_)), shape=(n, n))
    lists.data[:] = 1.0
    # Two articles that share neighbours are linked even when neither is in the other's list.
    shared = (lists @ lists.T).tocsr() / (k + 1)
    shared.setdiag(0)
    shared.eliminate_zeros()
    return shared


def _row_best(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Best column and value per row (ties: smallest column), -1 / -inf where a row is empty.

    Two unbuffered reductions instead of sorting the edges: sorting them was the largest cost
    of the graph steps (100k articles: 2.8 s of lexsort over 64 rounds)."""
    best = np.full(n, -1)
    best_val = np.full(n, -np.inf)
    if len(rows):
        np.maximum.at(best_val, rows, vals)
        top = vals == best_val[rows]
        low = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(low, rows[top], cols[top])
        listed = np.bincount(rows, minlength=n) > 0
        best[listed] = low[listed]
    return best, best_val


def _merge_mutual(labels: np.ndarray, frozen: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                  vals: np.ndarray, threshold: float) -> bool:
    """Merge every pair of clusters that are each other's best above threshold (in place)."""
    ok = (rows != cols) & ~(frozen[rows] & frozen[cols])
    rows, cols, vals = rows[ok], cols[ok], vals[ok]
    n = len(frozen)
    best, best_val = _row_best(rows, cols, vals, n)
    a = np.arange(n)
    mutual = (best >= 0) & (best_val >= threshold) & (best[np.maximum(best, 0)] == a) & (a < best)
    if not mutual.any():
        return False
    target = np.arange(n)
    target[best[mutual]] = a[mutual]
    frozen[a[mutual]] |= frozen[best[mutual]]
    labels[:] = target[labels]
    return True


def _compact(labels: np.ndarray, frozen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids, labels = np.unique(labels, return_inverse=True)
    return labels, frozen[ids]


def _indicator(labels: np.ndarray, k: int) -> sp.csr_matrix:
    n = len(labels)
    return sp.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))), shape=(k, n))


def _spans(labels: np.ndarray, ts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest dated member of each of k clusters (+inf / -inf when none is dated)."""
    lo, hi = np.full(k, np.inf), np.full(k, -np.inf)
    dated = ~np.isnan(ts)
    np.minimum.at(lo, labels[dated], ts[dated])
    np.maximum.at(hi, labels[dated], ts[dated])
    return lo, hi


def _too_long(lo: np.ndarray, hi: np.ndarray, a: np.ndarray, b: np.ndarray, window: float
              ) -> np.ndarray:
    """Pairs whose merged story would span more than the story window."""
    with np.errstate(invalid="ignore"):
        return (np.maximum(hi[a], hi[b]) - np.minimum(lo[a], lo[b])) > window


def cores(graph: sp.csr_matrix, labels: np.ndarray, frozen: np.ndarray,
          ts: np.ndarray | None = None, window: float = math.inf
          ) -> tuple[np.ndarray, np.ndarray]:
    """Average-link merging over `graph` (missing edges count as 0), by reciprocal best pairs.

    Average link is reducible, so merging all mutual best pairs at once ends where merging one
    best pair at a time would. Clusters flagged `frozen` (known stories) never merge together,
    nor do two clusters whose articles together span more than `window` seconds (`ts`).
    """
    labels, frozen = _compact(labels, frozen)
    p = _indicator(labels, len(frozen))
    sums = (p @ graph @ p.T).tocsr()        # edge weight summed between clusters
    size = np.asarray(p.sum(axis=1)).ravel()
    ts = np.full(len(labels), np.nan) if ts is None else ts
    while True:
        w = sums.tocoo()
        avg = w.data / (size[w.row] * size[w.col])
        if math.isfinite(window):
            lo, hi = _spans(labels, ts, len(frozen))
            avg[_too_long(lo, hi, w.row, w.col, window)] = -np.inf
        cluster = np.arange(len(frozen))
        if not _merge_mutual(cluster, frozen, w.row, w.col, avg, CORE_THRESHOLD):
            return labels, frozen
        # Contract the cluster graph instead of summing over articles again.
        ids, cluster = np.unique(cluster, return_inverse=True)
        k = len(ids)
        fold = sp.csr_matrix((np.ones(len(cluster)), (cluster, np.arange(len(cluster)))),
                             shape=(k, len(cluster)))
        sums = (fold @ sums @ fold.T).tocsr()
        size = fold @ size
        frozen = frozen[ids]
        labels = cluster[labels]


def stories(graph: sp.csr_matrix, w: Weighted, labels: np.ndarray, frozen: np.ndarray,
            window: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
    """Join clusters linked in `graph` while the cosine of their centroids clears the bar.

    Centroid linkage, run in rounds: each round merges the pairs that are each other's best
    (by margin over the bar), and only the clusters that changed get new centroids and new
    similarities.
    """
    labels, frozen = _compact(labels, frozen)
    k = len(frozen)
    p = _indicator(labels, k)
    links = sp.triu(p @ graph @ p.T, k=1).tocoo()
    a, b = links.row.astype(np.int64), links.col.astype(np.int64)
    size = np.asarray(p.sum(axis=1)).ravel()
    dated = ~np.isnan(w.ts)
    t_sum = p @ np.where(dated, w.ts, 0.0)
    t_cnt = p @ dated.astype(np.float64)
    body = p @ w.has_body.astype(np.float64)
    sum_w, sum_n = (p @ w.words).tocsr(), (p @ w.names).tocsr()
    cw, cn = tf.l2_rows(sum_w), tf.l2_rows(sum_n)
    sim = np.zeros(len(a))
    dirty = np.ones(len(a), dtype=bool)
    while True:
        if dirty.any():
            da, db = a[dirty], b[dirty]
            s = ((1 - ENTITY_WEIGHT) * np.asarray(cw[da].multiply(cw[db]).sum(axis=1)).ravel()
                 + ENTITY_WEIGHT * np.asarray(cn[da].multiply(cn[db]).sum(axis=1)).ravel())
            mean_t = np.where(t_cnt > 0, t_sum / np.maximum(t_cnt, 1), np.nan)
            sim[dirty] = _burst(s, np.abs(mean_t[da] - mean_t[db]))
        # The bar rises with the share of full-text members in the two clusters.
        share = (body[a] + body[b]) / (size[a] + size[b])
        bar = MERGE_THRESHOLD + (MERGE_THRESHOLD_FULLTEXT - MERGE_THRESHOLD) * share
        before = labels.copy()
        both_a, both_b = np.concatenate([a, b]), np.concatenate([b, a])
        gap = sim - bar
        if math.isfinite(window):
            lo, hi = _spans(labels, w.ts, k)
            gap = np.where(_too_long(lo, hi, a, b, window), -np.inf, gap)
        margin = np.concatenate([gap, gap])
        if not _merge_mutual(labels, frozen, both_a, both_b, margin, 0.0):
            return labels, frozen
        # Fold merged clusters into their targets: sums, links, and what must be recomputed.
        target = np.arange(k)
        target[before] = labels
        changed = np.flatnonzero(target != np.arange(k))
        grown = np.unique(target[changed])
        fold = sp.csr_matrix((np.ones(k), (target, np.arange(k))), shape=(k, k))
        size, t_sum, t_cnt, body = fold @ size, fold @ t_sum, fold @ t_cnt, fold @ body
        sum_w, sum_n = (fold @ sum_w).tocsr(), (fold @ sum_n).tocsr()
        mask = np.zeros(k, dtype=bool)
        mask[grown] = True
        keep = sp.diags((~mask).astype(np.float32))
        pick = sp.diags(mask.astype(np.float32))
        cw = (keep @ cw + tf.l2_rows(pick @ sum_w)).tocsr()
        cn = (keep @ cn + tf.l2_rows(pick @ sum_n)).tocsr()
        a, b = target[a], target[b]
        a, b = np.minimum(a, b), np.maximum(a, b)
        pair = a * k + b
        uniq, first = np.unique(pair, return_index=True)
        first = first[a[first] != b[first]]
        a, b, sim = a[first], b[first], sim[first]
        dirty = mask[a] | mask[b]


def article_graph(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> sp.csr_matrix:
    """The graph average link runs on: shared neighbours mixed with plain similarity."""
    sim = _symmetric(n, i, j, s)
    return (SNN_WEIGHT * shared_neighbours(n, i, j, s) + (1 - SNN_WEIGHT) * sim).tocsr()
