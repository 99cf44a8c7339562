"""Article similarity and neighbour search: what story grouping compares, and how it explains
a join. Reads only the vectors of pipeline.stories.features (whose constants it uses)."""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from pipeline.stories.features import (
    SAME_FEED_BAR, BURST_BONUS, BURST_MIN_SIMILARITY, BURST_MIN_TERMS, BURST_SECONDS, DAY_PENALTY, ENTITY_WEIGHT,
    EVIDENCE_MIN_TERMS, NEIGHBOUR_FLOOR, NEIGHBOURS, PENALTY_FREE_SECONDS, SHARED_SHOWN,
    STORY_WINDOW, Weighted)


def shared_terms(a: Weighted, ia: np.ndarray, b: Weighted, ib: np.ndarray) -> np.ndarray | None:
    """Dense count of distinctive terms rows ia of `a` share with rows ib of `b`."""
    if a.terms is None or b.terms is None:
        return None
    return (b.terms[ib] @ a.terms[ia].T).toarray().T


def _burst(sim: np.ndarray, dt: np.ndarray, shared: np.ndarray | None = None) -> np.ndarray:
    """The time-proximity bonus: only for pairs that already share words (and, when the
    shared terms are counted, enough of them)."""
    out = np.array(sim, dtype=np.float64, copy=True)
    hit = (sim >= BURST_MIN_SIMILARITY) & (dt < 20 * BURST_SECONDS)   # exp(-20): nothing left
    if shared is not None:
        hit &= shared >= BURST_MIN_TERMS
    out[hit] = np.minimum(sim[hit] + BURST_BONUS * np.exp(-dt[hit] / BURST_SECONDS), 1.0)
    return out


def similarity(a: Weighted, ia: np.ndarray, b: Weighted, ib: np.ndarray) -> np.ndarray:
    """Dense similarity of rows ia of `a` against rows ib of `b` (both in one IDF space).

    Between two full-text articles the words decide alone; when one of them is a bare headline
    its publication time gets a say too (the burst bonus).
    """
    # (pool @ rows.T).T: only the smaller side is transposed.
    s = ((1 - ENTITY_WEIGHT) * (b.words[ib] @ a.words[ia].T)
         + ENTITY_WEIGHT * (b.names[ib] @ a.names[ia].T)).toarray().T
    # With both evidence rules off (0, as measured) no count of shared terms falls below them:
    # the counts, a third sparse product and dense block per chunk, are not made.
    shared = shared_terms(a, ia, b, ib) if EVIDENCE_MIN_TERMS > 0 or BURST_MIN_TERMS > 0 else None
    if shared is not None:
        s[shared < EVIDENCE_MIN_TERMS] = 0.0    # one shared name or word is never a story
    gap = np.abs(a.ts[ia][:, None] - b.ts[ib][None, :])
    if DAY_PENALTY:
        # Items days apart need more evidence: the similarity they need rises with each day
        # between them (a bar, not a discount: close copies two days apart keep their score).
        days = np.nan_to_num(np.maximum(gap - PENALTY_FREE_SECONDS, 0.0), nan=0.0) / 86400.0
        s = np.where(s < DAY_PENALTY * days, 0.0, s)
    if SAME_FEED_BAR and a.feed is not None and b.feed is not None:
        # One feed seldom tells one event twice (a copy was dropped as a duplicate before):
        # items of the same feed need a higher similarity to join.
        fa = a.feed[ia][:, None]
        same = (fa == b.feed[ib][None, :]) & (fa >= 0)
        s = np.where(same & (s < SAME_FEED_BAR), 0.0, s)
    short = ~(a.has_body[ia][:, None] & b.has_body[ib][None, :])
    if not short.any():
        return s
    dt = np.where(short, gap, np.nan)
    return _burst(s, dt, shared)


def pair_similarity(a: Weighted, ia: np.ndarray, b: Weighted, ib: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`similarity` of rows ia of `a` against rows ib of `b`, as the pairs that share a word or
    name only: (row in ia, row in ib, similarity, time gap). Every rule of `similarity` only
    lowers a score or raises one that is already >= BURST_MIN_SIMILARITY, so a pair sharing
    nothing scores 0 in both; the same sums in the same order give the same floats."""
    prod = ((1 - ENTITY_WEIGHT) * (b.words[ib] @ a.words[ia].T)
            + ENTITY_WEIGHT * (b.names[ib] @ a.names[ia].T)).T.tocsr()
    rows = np.repeat(np.arange(len(ia)), np.diff(prod.indptr))
    cols, s = prod.indices.astype(np.int64), np.asarray(prod.data, dtype=np.float64)
    gap = np.abs(a.ts[ia][rows] - b.ts[ib][cols])
    if DAY_PENALTY:
        days = np.nan_to_num(np.maximum(gap - PENALTY_FREE_SECONDS, 0.0), nan=0.0) / 86400.0
        s = np.where(s < DAY_PENALTY * days, 0.0, s)
    if SAME_FEED_BAR and a.feed is not None and b.feed is not None:
        fa = a.feed[ia][rows]
        same = (fa == b.feed[ib][cols]) & (fa >= 0)
        s = np.where(same & (s < SAME_FEED_BAR), 0.0, s)
    short = ~(a.has_body[ia][rows] & b.has_body[ib][cols])
    if short.any():
        s = _burst(s, np.where(short, gap, np.nan))
    return rows, cols, s, gap


TIE_SPREAD = 1e-6   # far below any similarity step that matters (scores are shown to 3 places)


def pair_hash(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A deterministic pseudo-random number in [0, 1) per (row, col) pair (broadcasting)."""
    h = (rows.astype(np.uint64) * np.uint64(0x9E3779B1)
         ^ cols.astype(np.uint64) * np.uint64(0x85EBCA77)) & np.uint64(0xFFFF)
    return h.astype(np.float64) / 65536.0


def _tie_breaker(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A tiny, deterministic, pair-specific nudge so that among equally similar candidates each
    article picks its own: otherwise a flood of near-identical items all list the same few
    (the lowest indices), every pair then shares neighbours, and the graph grows as n^2."""
    return pair_hash(rows[:, None], cols[None, :]) * TIE_SPREAD


def _sparse_top(w: Weighted, chunk: np.ndarray, window: np.ndarray, k: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k best neighbours in `window` of each of `chunk`, from the pairs that share a term:
    a pair sharing none scores 0, below NEIGHBOUR_FLOOR, so no dense block is needed."""
    r, c, s, gap = pair_similarity(w, chunk, w, window)
    i, j = chunk[r], window[c]
    keep = (s >= NEIGHBOUR_FLOOR) & ~(gap > STORY_WINDOW) & (i != j)
    i, j, s = i[keep], j[keep], s[keep]
    order = np.lexsort((-(s + pair_hash(i, j) * TIE_SPREAD), i))
    i, j, s = i[order], j[order], s[order]
    first = (np.arange(len(i)) - np.searchsorted(i, i, side="left")) < k
    return i[first], j[first], s[first]


def _dense_top(w: Weighted, chunk: np.ndarray, window: np.ndarray, k: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_sparse_top over a dense block: needed when shared-term counts can veto a pair."""
    s = similarity(w, chunk, w, window)
    dt = np.abs(w.ts[chunk][:, None] - w.ts[window][None, :])
    s[dt > STORY_WINDOW] = 0.0
    s[chunk[:, None] == window[None, :]] = 0.0
    kk = min(k, s.shape[1])
    top = np.argpartition(-(s + _tie_breaker(chunk, window)), kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(s, top, axis=1)
    keep = vals >= NEIGHBOUR_FLOOR
    return np.repeat(chunk, kk)[keep.ravel()], window[top][keep], vals[keep]


def neighbours(w: Weighted, rows: np.ndarray, pool: np.ndarray, k: int = NEIGHBOURS
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-k neighbours in `pool` of each of `rows` (indices of `w`), blocked by time.

    Returns flat arrays (row, neighbour, similarity) with similarity >= NEIGHBOUR_FLOOR.
    Articles without a date are compared with every other article of the pool.
    """
    out_i, out_j, out_s = [], [], []
    pool = pool[np.argsort(np.nan_to_num(w.ts[pool], nan=-np.inf), kind="stable")]
    pool_ts = np.nan_to_num(w.ts[pool], nan=-np.inf)
    undated_pool = pool[np.isneginf(pool_ts)]
    rows = rows[np.argsort(np.nan_to_num(w.ts[rows], nan=-np.inf), kind="stable")]
    start = 0
    while start < len(rows):
        # Chunks of rows close in time share one window of candidates; the chunk is sized so
        # that the dense block stays near two million cells.
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
        if EVIDENCE_MIN_TERMS > 0 or BURST_MIN_TERMS > 0:
            i, j, s = _dense_top(w, chunk, window, k)
        else:
            i, j, s = _sparse_top(w, chunk, window, k)
        out_i.append(i)
        out_j.append(j)
        out_s.append(s)
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


def shared_keys(keys: list[tuple[str, ...]], r: int, o: int) -> tuple[str, ...]:
    """Names both articles mention (most specific first), then numbers they share."""
    theirs = set(keys[o])
    shared = tuple(k for k in keys[r] if k in theirs and not k.startswith("#"))
    shared += tuple(k for k in keys[r] if k in theirs and k.startswith("#"))
    return shared[:SHARED_SHOWN]


def explain(w: Weighted, keys: list[tuple[str, ...]], rows: np.ndarray, others: np.ndarray,
            sims: sp.csr_matrix, label: np.ndarray) -> list[tuple[int, float, tuple[str, ...]]]:
    """For each of `rows`: the member of `others` it matches best, the score, shared names.

    The neighbour similarities `sims` answer for most rows; a row none of whose neighbours is
    in its story (it came in through the centroid) is compared with every member.
    """
    out: dict[int, tuple[int, float, tuple[str, ...]]] = {}
    rest = []
    for r in rows.tolist():
        lo, hi = sims.indptr[r], sims.indptr[r + 1]
        cand, val = sims.indices[lo:hi], sims.data[lo:hi]
        ok = label[cand] == label[r]
        if ok.any():
            cand, val = cand[ok], val[ok]
            best = int(np.lexsort((cand, -val))[0])
            o = int(cand[best])
            out[r] = (o, round(float(val[best]), 3), shared_keys(keys, r, o))
        else:
            rest.append(r)
    if rest and len(others):
        dense = similarity(w, np.array(rest), w, others)
        for r, s in zip(rest, dense):
            s = np.where(others == r, -1.0, s)
            best = int(np.argmax(s))
            o = int(others[best])
            out[r] = (o, round(float(max(s[best], 0.0)), 3), shared_keys(keys, r, o))
    return [out.get(r, (-1, 0.0, ())) for r in rows.tolist()]
