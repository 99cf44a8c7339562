"""Candidate search for the learned join decision: for every article its most similar articles
within the story window, from sparse products only (pairs that share no term are never made).

Similarity here only chooses which pairs the model (pipeline.stories.joiner) looks at; it
decides nothing. It is the larger of two plain cosines: headline and lead words mixed with names
and numbers, and the title's distinctive character n-grams (which is how a Japanese or Chinese
title, written without spaces, finds its story). Reads the vectors of pipeline.stories.features.
"""
from __future__ import annotations

import math

import numpy as np

from pipeline.stories.features import (ENTITY_WEIGHT, NEIGHBOUR_FLOOR, NEIGHBOURS, STORY_WINDOW,
                                       Weighted)
from pipeline.stories.pairs import rowdot, other_language

DEGREE_SIMILARITY = 0.2   # an article's "degree" (a model feature): its candidates this similar,
                          # before the top-k cut; a busy, template-like headline has many


def pair_similarity(a: Weighted, ia: np.ndarray, b: Weighted, ib: np.ndarray,
                    across: bool = False
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Similarity of rows ia of `a` against rows ib of `b`, as the pairs that share a word, a
    name or a distinctive title n-gram: (row in ia, row in ib, similarity, time gap).

    `across`: instead, the cosine of names by sound and figures (pipeline.stories.sounds) of
    the pairs in two languages only, which share few words or n-grams even when one is the
    other's translation."""
    if across:
        prod = b.run.sounds[ib] @ a.run.sounds[ia].T
    elif a.distinct is not None and b.distinct is not None:
        # The pairs that share an uncommon term, then their similarity from all terms.
        hit = (b.distinct[ib] @ a.distinct[ia].T).T.tocsr()
        rows = np.repeat(np.arange(len(ia)), np.diff(hit.indptr))
        cols = hit.indices.astype(np.int64)
        x, y = ia[rows], ib[cols]
        s = np.maximum((1 - ENTITY_WEIGHT) * rowdot(a.words, b.words, x, y)
                       + ENTITY_WEIGHT * rowdot(a.names, b.names, x, y),
                       rowdot(a.chars, b.chars, x, y))
        return rows, cols, s, np.abs(a.ts[x] - b.ts[y])
    else:
        prod = ((1 - ENTITY_WEIGHT) * (b.words[ib] @ a.words[ia].T)
                + ENTITY_WEIGHT * (b.names[ib] @ a.names[ia].T))
        if a.chars is not None and b.chars is not None:
            prod = prod.maximum(b.chars[ib] @ a.chars[ia].T)
    prod = prod.T.tocsr()
    rows = np.repeat(np.arange(len(ia)), np.diff(prod.indptr))
    cols, s = prod.indices.astype(np.int64), np.asarray(prod.data, dtype=np.float64)
    if across:
        two = other_language(a.profile, ia[rows], ib[cols]) if a is b else np.ones(len(s), bool)
        rows, cols, s = rows[two], cols[two], s[two]
    gap = np.abs(a.ts[ia][rows] - b.ts[ib][cols])
    return rows, cols, s, gap


TIE_SPREAD = 1e-6   # far below any similarity step that matters (scores are shown to 3 places)


def pair_hash(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A deterministic pseudo-random number in [0, 1) per (row, col) pair (broadcasting)."""
    h = (rows.astype(np.uint64) * np.uint64(0x9E3779B1)
         ^ cols.astype(np.uint64) * np.uint64(0x85EBCA77)) & np.uint64(0xFFFF)
    return h.astype(np.float64) / 65536.0


def _sparse_top(w: Weighted, chunk: np.ndarray, window: np.ndarray, k: int, across: bool = False
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The k best neighbours in `window` of each of `chunk`, and each one's degree. Among equal
    scores a pair hash decides, so that a flood of near-identical items does not all list the
    same few (the graph would then grow as n^2)."""
    r, c, s, gap = pair_similarity(w, chunk, w, window, across)
    i, j = chunk[r], window[c]
    keep = (s >= NEIGHBOUR_FLOOR) & ~(gap > STORY_WINDOW) & (i != j)
    i, j, s, r = i[keep], j[keep], s[keep], r[keep]
    degree = np.bincount(r[s >= DEGREE_SIMILARITY], minlength=len(chunk))
    order = np.lexsort((-(s + pair_hash(i, j) * TIE_SPREAD), i))
    i, j, s = i[order], j[order], s[order]
    first = (np.arange(len(i)) - np.searchsorted(i, i, side="left")) < k
    return i[first], j[first], s[first], degree


def neighbours(w: Weighted, rows: np.ndarray, pool: np.ndarray, k: int = NEIGHBOURS,
               across: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Top-k neighbours in `pool` of each of `rows` (indices of `w`), blocked by time.

    Returns flat arrays (row, neighbour, similarity), best first within each row, with
    similarity >= NEIGHBOUR_FLOOR, and the degree of every row of `w` (0 for rows not searched).
    `across`: the neighbours in another language, by names and figures (pair_similarity).
    Articles without a date are compared with every other article of the pool.
    """
    out_i, out_j, out_s = [], [], []
    degree = np.zeros(len(w.ts), dtype=np.int64)
    pool = pool[np.argsort(np.nan_to_num(w.ts[pool], nan=-np.inf), kind="stable")]
    pool_ts = np.nan_to_num(w.ts[pool], nan=-np.inf)
    undated_pool = pool[np.isneginf(pool_ts)]
    rows = rows[np.argsort(np.nan_to_num(w.ts[rows], nan=-np.inf), kind="stable")]
    start = 0
    while start < len(rows):
        # Chunks of rows close in time share one window of candidates; the chunk is sized so
        # that a block of products stays near two million cells.
        t0 = w.ts[rows[start]]
        if math.isnan(t0):
            window = pool
        else:
            lo = np.searchsorted(pool_ts, t0 - STORY_WINDOW, "left")
            hi = np.searchsorted(pool_ts, t0 + 1.25 * STORY_WINDOW, "right")
            window = np.concatenate([undated_pool, pool[lo:hi]])
        size = max(1, min(len(rows) - start, 2_000_000 // max(1, len(window))))
        chunk = rows[start:start + size]
        if not math.isnan(t0):
            chunk = chunk[np.nan_to_num(w.ts[chunk], nan=-np.inf) <= t0 + 0.25 * STORY_WINDOW]
            chunk = chunk if len(chunk) else rows[start:start + 1]
        start += len(chunk)
        i, j, s, deg = _sparse_top(w, chunk, window, k, across)
        degree[chunk] = deg
        out_i.append(i)
        out_j.append(j)
        out_s.append(s)
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), degree
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s), degree


def undirected(n: int, i: np.ndarray, j: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each candidate pair once (lower index first), with the rank of each side in the other's
    list (0 = best; NOT_LISTED when absent). (i, j) must be best first within each row."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    order = np.argsort(i, kind="stable")     # rows may come in time order, not index order
    i, j = i[order], j[order]
    rank = (np.arange(len(i)) - np.searchsorted(i, i, side="left")).astype(np.float64)
    directed = i * n + j
    by_key = np.argsort(directed, kind="stable")
    keys, ranks = directed[by_key], rank[by_key]
    pair = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    a, b = pair // n, pair % n

    def rank_of(query: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
        found = keys[at] == query if len(keys) else np.zeros(len(query), dtype=bool)
        return np.where(found, ranks[at] if len(keys) else 0.0, NOT_LISTED)

    return a, b, rank_of(a * n + b), rank_of(b * n + a)


NOT_LISTED = 100.0   # the rank given to an article absent from the other's list
