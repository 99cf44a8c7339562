"""Story clustering: exact and near duplicates, then different write-ups of one event grouped.

The steps, each explained in a Member record:
1. duplicates: the same canonical URL or guid, or nearly the same text (MinHash LSH over word
   shingles; a headline-only item: the same headline within the story window);
2. neighbours: for every remaining article its most similar articles within the story window
   (sparse TF-IDF products over hashed terms, blocked by time), where similarity mixes headline
   and lead words, names and numbers, and a bonus for articles published within the hour;
3. cores: average-link merging over a shared-nearest-neighbour graph, which keeps two events of
   one kind apart (two earthquakes share words, but each quake's reports are each other's
   nearest neighbours);
4. stories: cores merged while the cosine of their centroids stays high, which gathers the many
   loosely worded headlines of a broad story.

`cluster_articles` is the batch entry point; `StoryIndex` (pipeline.storyindex in spirit, kept
here) holds the features of known stories and assigns new articles across runs.
"""
from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipeline import textfeatures as tf
from pipeline.model import Article, Member

log = logging.getLogger(__name__)

# --- the named constants (B-cubed F1 figures from bench/cluster_quality.py on the dev sets) ---
LEAD_WORDS = 150          # body words read: ecbplus-dev avg-link 0.897 with 150, 0.890 whole text
TITLE_WEIGHT = 2.0        # headline words count twice: 2 vs 1 on ecbplus-dev, 0.897 vs 0.894
ENTITY_WEIGHT = 0.5       # similarity = 0.5 words + 0.5 names/numbers: names alone 0.907, words
                          # alone 0.875, half and half 0.897 (ecbplus-dev, average link)
NEIGHBOURS = 10           # neighbours kept per article: uci-dev fell from 0.90 to 0.67 with fewer
SNN_K = 5                 # shared-nearest-neighbour list length: ecbplus-dev 0.969 (5) vs 0.929 (10)
SNN_FLOOR = 0.1           # least similarity to be in an article's list: same figures as 0.05 on
                          # all three dev sets, and fewer chance links in a run of few articles
SNN_WEIGHT = 0.5          # graph weight = 0.5 shared neighbours + 0.5 similarity: uci-dev 0.887
                          # (0.5) vs 0.847 (0.7) with ecbplus-dev 0.965 vs 0.969
NEIGHBOUR_FLOOR = 0.05    # below this two articles are not neighbours (ecbplus-dev: the 99.9th
                          # percentile of pairs from different topics is 0.11)
CORE_THRESHOLD = 0.2      # average link over the graph: ecbplus-dev cores 0.954 at 0.2
MERGE_THRESHOLD = 0.5     # centroid cosine to join cores of headlines: uci-dev 0.900 at 0.5,
                          # 0.881 at 0.4, 0.898 at 0.6 (its cores alone: 0.34)
MERGE_THRESHOLD_FULLTEXT = 0.7  # ... and of full-text articles, whose cores are whole stories
                          # already: ecbplus-dev cores 0.954, merged at 0.5 0.942, at 0.7 0.954
BURST_SECONDS = 3600.0    # published within about an hour ...
BURST_BONUS = 0.5         # ... adds up to 0.5 to the similarity ...
BURST_MIN_SIMILARITY = 0.1  # ... of articles that already share words: uci-dev 0.534 -> 0.905
                          # (headline pairs and centroids only: between two full texts it cost
                          # ecb-dev feeds 0.960 -> 0.927)
STORY_WINDOW = 3 * 86400.0  # articles further apart than this are never compared (ecb-dev feeds
                            # spread one story over up to 47 h)
NEAR_DUP_JACCARD = 0.8    # shingle Jaccard of syndicated copies with a few boilerplate lines
NUM_PERM = 64             # MinHash permutations (estimate error about 0.05 at 0.8)
SHINGLE_WORDS = 4
MIN_TEXT_WORDS = 40       # shorter bodies are compared by headline, not shingles
MIN_TITLE_WORDS = 4       # "Business Highlights" is a column name, not a duplicate key
SHARED_SHOWN = 5


@dataclass(frozen=True)
class Group:
    """One story: its articles (seed first) and why each one is there."""

    articles: tuple[Article, ...]
    members: tuple[Member, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.articles)


# --- features -------------------------------------------------------------------------------

def _lead(text: str, n: int = LEAD_WORDS) -> str:
    ws = text.split()
    return text if len(ws) <= n else " ".join(ws[:n])


def _timestamp(a: Article) -> float:
    return a.published.timestamp() if a.published else math.nan


@dataclass
class Features:
    """Per-article raw features: hashed term counts, entity sets, times and display keys."""

    words: sp.csr_matrix        # headline and lead word counts
    names: sp.csr_matrix        # entity and number indicators
    ts: np.ndarray              # published (seconds), NaN when unknown
    keys: list[tuple[str, ...]]  # entity keys as text, most specific first, for explanations
    has_body: np.ndarray        # a body of at least MIN_TEXT_WORDS words

    @classmethod
    def of(cls, articles: Sequence[Article]) -> "Features":
        word_docs, name_docs, keys = [], [], []
        for a in articles:
            lead = _lead(a.text)
            c: Counter[str] = Counter(tf.tokens(lead))
            for t in tf.tokens(a.title):
                c[t] += TITLE_WEIGHT
            word_docs.append(c)
            ents = tf.entities(a.title, a.text)
            name_docs.append(dict.fromkeys(ents, 1.0))
            ranked = sorted(set(ents), key=lambda e: (-e.count(" "), -ents.count(e), e))
            keys.append(tuple(ranked[:24]))
        return cls(tf.hashed(word_docs), tf.hashed(name_docs),
                   np.array([_timestamp(a) for a in articles], dtype=np.float64), keys,
                   np.array([len(a.text.split()) >= MIN_TEXT_WORDS for a in articles], dtype=bool))

    def __len__(self) -> int:
        return self.words.shape[0]

    def take(self, idx: np.ndarray) -> "Features":
        return Features(self.words[idx], self.names[idx], self.ts[idx], [self.keys[i] for i in idx],
                        self.has_body[idx])

    @staticmethod
    def concat(parts: Sequence["Features"]) -> "Features":
        return Features(sp.vstack([p.words for p in parts]).tocsr(),
                        sp.vstack([p.names for p in parts]).tocsr(),
                        np.concatenate([p.ts for p in parts]),
                        [k for p in parts for k in p.keys],
                        np.concatenate([p.has_body for p in parts]))


@dataclass
class Weighted:
    """TF-IDF rows of unit length, for one set of document frequencies."""

    words: sp.csr_matrix
    names: sp.csr_matrix
    ts: np.ndarray
    has_body: np.ndarray

    @classmethod
    def of(cls, f: Features, word_stats: tf.TermStats, name_stats: tf.TermStats) -> "Weighted":
        return cls(word_stats.weigh(f.words), name_stats.weigh(f.names, sublinear=False), f.ts,
                   f.has_body)


def _burst(sim: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """The time-proximity bonus: only for pairs that already share words."""
    bonus = BURST_BONUS * np.exp(-np.nan_to_num(dt, nan=np.inf) / BURST_SECONDS)
    return np.where(sim >= BURST_MIN_SIMILARITY, np.minimum(sim + bonus, 1.0), sim)


def similarity(a: Weighted, ia: np.ndarray, b: Weighted, ib: np.ndarray) -> np.ndarray:
    """Dense similarity of rows ia of `a` against rows ib of `b` (both in one IDF space).

    Between two full-text articles the words decide alone; when one of them is a bare headline
    its publication time gets a say too (the burst bonus).
    """
    s = ((1 - ENTITY_WEIGHT) * (a.words[ia] @ b.words[ib].T)
         + ENTITY_WEIGHT * (a.names[ia] @ b.names[ib].T)).toarray()
    short = ~(a.has_body[ia][:, None] & b.has_body[ib][None, :])
    if not short.any():
        return s
    dt = np.where(short, np.abs(a.ts[ia][:, None] - b.ts[ib][None, :]), np.nan)
    return _burst(s, dt)


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
            hi = np.searchsorted(pool_ts, t0 + 2 * STORY_WINDOW, "right")
            window = np.concatenate([undated_pool, pool[lo:hi]])
        size = max(1, min(len(rows) - start, 2_000_000 // max(1, len(window))))
        chunk = rows[start:start + size]
        if not math.isnan(t0):
            chunk = chunk[np.nan_to_num(w.ts[chunk], nan=-np.inf) <= t0 + STORY_WINDOW]
            chunk = chunk if len(chunk) else rows[start:start + 1]
        start += len(chunk)
        s = similarity(w, chunk, w, window)
        dt = np.abs(w.ts[chunk][:, None] - w.ts[window][None, :])
        s[dt > STORY_WINDOW] = 0.0
        s[chunk[:, None] == window[None, :]] = 0.0
        kk = min(k, s.shape[1])
        if kk == 0:
            continue
        top = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        vals = np.take_along_axis(s, top, axis=1)
        keep = vals >= NEIGHBOUR_FLOOR
        out_i.append(np.repeat(chunk, kk)[keep.ravel()])
        out_j.append(window[top][keep])
        out_s.append(vals[keep])
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


# --- graph clustering -----------------------------------------------------------------------

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
    order = np.lexsort((j, -s, i))
    r, c = i[order], j[order]
    start = np.searchsorted(r, r, side="left")
    first = (np.arange(len(r)) - start) < k
    r_ = np.concatenate([r[first], np.arange(n)])
    c_ = np.concatenate([c[first], np.arange(n)])
    lists = sp.csr_matrix((np.ones(len(r_), dtype=np.float32), (r_, c_)), shape=(n, n))
    lists.data[:] = 1.0
    # Two articles that share neighbours are linked even when neither is in the other's list.
    shared = (lists @ lists.T).tocsr() / (k + 1)
    shared.setdiag(0)
    shared.eliminate_zeros()
    return shared


def _row_best(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Best column and value per row (ties: smallest column), -1 / -inf where a row is empty."""
    best = np.full(n, -1)
    best_val = np.full(n, -np.inf)
    if len(rows):
        order = np.lexsort((cols, -vals, rows))
        r, first = np.unique(rows[order], return_index=True)
        best[r] = cols[order][first]
        best_val[r] = vals[order][first]
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


def cores(graph: sp.csr_matrix, labels: np.ndarray, frozen: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Average-link merging over `graph` (missing edges count as 0), by reciprocal best pairs.

    Average link is reducible, so merging all mutual best pairs at once ends where merging one
    best pair at a time would. Clusters flagged `frozen` (known stories) never merge together.
    """
    labels, frozen = _compact(labels, frozen)
    while True:
        k = len(frozen)
        p = _indicator(labels, k)
        w = (p @ graph @ p.T).tocoo()
        size = np.asarray(p.sum(axis=1)).ravel()
        avg = w.data / (size[w.row] * size[w.col])
        if not _merge_mutual(labels, frozen, w.row, w.col, avg, CORE_THRESHOLD):
            return labels, frozen
        labels, frozen = _compact(labels, frozen)


def stories(graph: sp.csr_matrix, w: Weighted, labels: np.ndarray, frozen: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Join clusters linked in `graph` while the cosine of their centroids >= MERGE_THRESHOLD."""
    labels, frozen = _compact(labels, frozen)
    while True:
        k = len(frozen)
        p = _indicator(labels, k)
        links = (p @ graph @ p.T).tocoo()
        a, b = links.row, links.col
        keep = a != b
        a, b = a[keep], b[keep]
        cw, cn = tf.l2_rows(p @ w.words), tf.l2_rows(p @ w.names)
        size = np.asarray(p.sum(axis=1)).ravel()
        dated = ~np.isnan(w.ts)
        t_sum = p @ np.where(dated, w.ts, 0.0)
        t_cnt = p @ dated.astype(np.float64)
        mean_t = np.where(t_cnt > 0, t_sum / np.maximum(t_cnt, 1), np.nan)
        sim = ((1 - ENTITY_WEIGHT) * np.asarray(cw[a].multiply(cw[b]).sum(axis=1)).ravel()
               + ENTITY_WEIGHT * np.asarray(cn[a].multiply(cn[b]).sum(axis=1)).ravel())
        sim = _burst(sim, np.abs(mean_t[a] - mean_t[b]))
        # The bar rises with the share of full-text members in the two clusters.
        body = (p @ w.has_body.astype(np.float64)) / size
        share = (body[a] * size[a] + body[b] * size[b]) / (size[a] + size[b])
        bar = MERGE_THRESHOLD + (MERGE_THRESHOLD_FULLTEXT - MERGE_THRESHOLD) * share
        if not _merge_mutual(labels, frozen, a, b, sim - bar, 0.0):
            return labels, frozen
        labels, frozen = _compact(labels, frozen)


def article_graph(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> sp.csr_matrix:
    """The graph average link runs on: shared neighbours mixed with plain similarity."""
    sim = _symmetric(n, i, j, s)
    return (SNN_WEIGHT * shared_neighbours(n, i, j, s) + (1 - SNN_WEIGHT) * sim).tocsr()


# --- duplicates -----------------------------------------------------------------------------

_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1)


def _identity(x: int) -> int:
    return x


def signature(a: Article) -> LeanMinHash | None:
    """MinHash of the body's word shingles; None for a body too short to compare."""
    if len(a.text.split()) < MIN_TEXT_WORDS:
        return None
    hashes = tf.shingle_hashes(a.text, SHINGLE_WORDS)
    m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_identity,
                permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    m.update_batch(hashes.tolist())
    return LeanMinHash(m)


def title_key(a: Article) -> str | None:
    """The duplicate key of a headline-only item: its words, when there are enough of them."""
    if len(a.text.split()) >= MIN_TEXT_WORDS:
        return None
    key = tf.normalized_title(a.title)
    return key if len(key.split()) >= MIN_TITLE_WORDS else None


@dataclass
class DuplicateIndex:
    """Exact keys (url, guid, headline) and a MinHash LSH over bodies of the known articles."""

    lsh: MinHashLSH
    keys: dict[str, tuple[str, float]]        # "url:..." / "guid:..." / "title:..." -> id, time
    sigs: dict[str, LeanMinHash]

    @classmethod
    def empty(cls) -> "DuplicateIndex":
        return cls(MinHashLSH(threshold=NEAR_DUP_JACCARD, num_perm=NUM_PERM), {}, {})

    def find(self, a: Article, sig: LeanMinHash | None) -> tuple[str, str, float] | None:
        """(original id, what matched, score) for a duplicate of a known article, else None."""
        t = _timestamp(a)
        for kind, value in (("url", a.url), ("guid", a.guid)):
            if value and f"{kind}:{value}" in self.keys:
                return self.keys[f"{kind}:{value}"][0], kind, 1.0
        if sig is not None:
            found = [(sig.jaccard(self.sigs[k]), k) for k in self.lsh.query(sig)]
            found = [(j, k) for j, k in found if j >= NEAR_DUP_JACCARD]
            if found:
                j, k = max(found, key=lambda x: (x[0], x[1]))
                return k, "text", round(float(j), 3)
        key = title_key(a)
        if key and f"title:{key}" in self.keys:
            orig, t0 = self.keys[f"title:{key}"]
            if math.isnan(t) or math.isnan(t0) or abs(t - t0) <= STORY_WINDOW:
                return orig, "headline", 1.0
        return None

    def add(self, a: Article, sig: LeanMinHash | None) -> None:
        t = _timestamp(a)
        for kind, value in (("url", a.url), ("guid", a.guid), ("title", title_key(a))):
            if value:
                self.keys.setdefault(f"{kind}:{value}", (a.id, t))
        if sig is not None and a.id not in self.sigs:
            self.lsh.insert(a.id, sig)
            self.sigs[a.id] = sig


def arrival_order(articles: Sequence[Article]) -> list[int]:
    """Earliest first, undated last, ties by id: the order that decides who is the original."""
    return sorted(range(len(articles)),
                  key=lambda i: (articles[i].published is None, _timestamp(articles[i])
                                 if articles[i].published else 0.0, articles[i].id))


# --- batch clustering and explanations ------------------------------------------------------

def _group_rows(w: Weighted, rows: np.ndarray, pool: np.ndarray, labels: np.ndarray,
                frozen: np.ndarray) -> np.ndarray:
    """Cluster `pool` (indices of w) given starting labels; only `rows` look for neighbours."""
    i, j, s = neighbours(w, rows, pool)
    # Shared-neighbour counts need the lists of the articles the new ones found too.
    hops = np.setdiff1d(np.unique(j), rows)
    if len(hops):
        i2, j2, s2 = neighbours(w, hops, pool)
        i, j, s = np.concatenate([i, i2]), np.concatenate([j, j2]), np.concatenate([s, s2])
    local = np.full(len(w.ts), -1)
    local[pool] = np.arange(len(pool))
    sub = Weighted(w.words[pool], w.names[pool], w.ts[pool], w.has_body[pool])
    graph = article_graph(len(pool), local[i], local[j], s)
    labels, frozen = cores(graph, labels, frozen)
    labels, _ = stories(graph, sub, labels, frozen)
    return labels


def explain(w: Weighted, keys: list[tuple[str, ...]], rows: np.ndarray, others: np.ndarray
            ) -> list[tuple[int, float, tuple[str, ...]]]:
    """For each of `rows`: the member of `others` it matches best, the score, shared names."""
    out = []
    if len(others) == 0:
        return [(-1, 0.0, ()) for _ in rows]
    sims = similarity(w, rows, w, others)
    for r, s in zip(rows, sims):
        s = np.where(others == r, -1.0, s)
        best = int(np.argmax(s))
        o = int(others[best])
        theirs = set(keys[o])
        shared = tuple(k for k in keys[r] if k in theirs and not k.startswith("#"))
        shared += tuple(k for k in keys[r] if k in theirs and k.startswith("#"))
        out.append((o, round(float(max(s[best], 0.0)), 3), shared[:SHARED_SHOWN]))
    return out


_DUP_WORDS = {"url": "same url", "guid": "same guid", "text": "same text",
              "headline": "same headline", "id": "same id"}


def _dedup(articles: Sequence[Article], order: list[int], index: DuplicateIndex,
           known: dict[str, int]) -> tuple[list[int], dict[int, tuple[str, str, float]]]:
    """Split `order` into representatives and duplicates (index -> original id, kind, score)."""
    reps: list[int] = []
    dups: dict[int, tuple[str, str, float]] = {}
    seen: dict[str, int] = {}
    for i in order:
        a = articles[i]
        if a.id in seen or a.id in known:
            dups[i] = (a.id, "id", 1.0)
            continue
        seen[a.id] = i
        sig = signature(a)
        hit = index.find(a, sig)
        if hit:
            dups[i] = hit
            index.add(dataclasses.replace(a, id=hit[0]), None)   # its keys lead to the original
        else:
            reps.append(i)
            index.add(a, sig)
    return reps, dups


def cluster_articles(articles: Sequence[Article]) -> list[Group]:
    """Group articles into stories; every member says why it joined (see module docstring).

    Deterministic and independent of input order: articles are taken earliest first (ties by
    id), and the earliest article of a group is its seed.
    """
    if not articles:
        return []
    order = arrival_order(articles)
    reps, dups = _dedup(articles, order, DuplicateIndex.empty(), {})
    feats = Features.of([articles[i] for i in reps])
    word_stats, name_stats = tf.TermStats(), tf.TermStats()
    word_stats.add(feats.words)
    name_stats.add(feats.names)
    w = Weighted.of(feats, word_stats, name_stats)
    n = len(reps)
    labels = _group_rows(w, np.arange(n), np.arange(n), np.arange(n), np.zeros(n, dtype=bool))
    by_id = {articles[i].id: i for i in reps}
    rep_label = {reps[r]: int(labels[r]) for r in range(n)}

    def root(i: int) -> int:
        while i in dups:
            nxt = by_id.get(dups[i][0], i)
            if nxt == i:
                break
            i = nxt
        return i

    members_of: dict[int, list[int]] = {}
    for i in order:
        members_of.setdefault(rep_label[root(i)], []).append(i)
    row_of = {reps[r]: r for r in range(n)}
    groups = []
    for label in sorted(members_of, key=lambda g: order.index(members_of[g][0])):
        idx = members_of[label]
        rep_rows = np.array([row_of[i] for i in idx if i in row_of])
        why = dict(zip(rep_rows[1:].tolist(), explain(w, feats.keys, rep_rows[1:], rep_rows)))
        members = []
        for pos, i in enumerate(idx):
            a = articles[i]
            if i in dups:
                orig, kind, score = dups[i]
                members.append(Member(a.id, "duplicate", score, orig, (_DUP_WORDS[kind],)))
            elif pos == 0:
                members.append(Member(a.id, "seed", 1.0))
            else:
                o, score, shared = why[row_of[i]]
                members.append(Member(a.id, "same story", score, articles[reps[o]].id, shared))
        groups.append(Group(tuple(articles[i] for i in idx), tuple(members)))
    return groups
