"""Duplicates: the same canonical URL or guid, the same wording of a short item, nearly the same
body (MinHash LSH over word shingles), or a headline-only item's headline; within the window.
Found by key or by LSH bucket, never by comparing every pair.

The LSH is `BandIndex`: the bands and rows datasketch's MinHashLSH chooses for the threshold,
kept as sorted arrays of band hashes (candidates: the same values in one band, checked value by
value), so that a stored index of 100k signatures is ready in milliseconds instead of being
inserted again key by key (1.7 s of placing 1,000 articles into 100k, bench/cluster_scale.py)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from pipeline.model import Article
from pipeline.stories.features import NUM_PERM, STORY_WINDOW, ArticleText, signature, timestamp

NEAR_DUP_JACCARD = 0.8    # shingle Jaccard of syndicated copies with a few boilerplate lines
# datasketch's MinHashLSH(threshold=0.8, num_perm=64) picks 5 bands of 11 values (the b and r
# that minimise false positives and negatives at the threshold); BandIndex uses the same.
BANDS, BAND_ROWS = 5, 11
# Odd 64-bit multipliers: a band's values folded into one uint64 (collisions are checked away).
_FOLD = np.random.default_rng(20261203).integers(1, 2**63, size=BAND_ROWS, dtype=np.uint64) | np.uint64(1)


def _band_hashes(sigs: np.ndarray, band: int) -> np.ndarray:
    lo = band * BAND_ROWS
    with np.errstate(over="ignore"):       # uint64 arithmetic wraps, as a hash should
        return (sigs[:, lo:lo + BAND_ROWS].astype(np.uint64) * _FOLD).sum(axis=1, dtype=np.uint64)


class BandIndex:
    """MinHash LSH over the rows of a signature matrix: sorted band hashes for the rows it was
    built with, a dict per band for rows added since."""

    def __init__(self, sigs: np.ndarray):
        sigs = np.asarray(sigs, dtype=np.uint64).reshape(-1, NUM_PERM)
        self.sorted: list[tuple[np.ndarray, np.ndarray]] = []
        for b in range(BANDS):
            h = _band_hashes(sigs, b)
            order = np.argsort(h, kind="stable")
            self.sorted.append((h[order], order))
        self.recent: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]

    def add(self, row: int, values: np.ndarray) -> None:
        for b, h in enumerate(self._hashes(values)):
            self.recent[b].setdefault(h, []).append(row)

    def query(self, values: np.ndarray, sigs: Sequence[np.ndarray]) -> set[int]:
        """Rows that agree with `values` on every value of at least one band."""
        out: set[int] = set()
        for b, h in enumerate(self._hashes(values)):
            keys, rows = self.sorted[b]
            lo, hi = keys.searchsorted(h, side="left"), keys.searchsorted(h, side="right")
            found = [int(r) for r in rows[lo:hi]] + self.recent[b].get(h, [])
            band = slice(b * BAND_ROWS, (b + 1) * BAND_ROWS)
            out.update(r for r in found if r not in out and np.array_equal(sigs[r][band], values[band]))
        return out

    @staticmethod
    def _hashes(values: np.ndarray) -> list[int]:
        """The band hashes of one signature, all bands at once (what _band_hashes gives each:
        wrapping uint64 sums do not depend on their order)."""
        v = np.asarray(values, dtype=np.uint64)[:BANDS * BAND_ROWS].reshape(BANDS, BAND_ROWS)
        with np.errstate(over="ignore"):
            return (v * _FOLD).sum(axis=1, dtype=np.uint64).tolist()



@dataclass
class DuplicateIndex:
    """Exact keys (url, guid, headline) and a MinHash LSH over bodies of the known articles."""

    keys: dict[str, tuple[str, float]]        # "url:..." / "guid:..." / "title:..." -> id, time
    sig_row: dict[str, int]                   # article id -> row of `sigs`
    sigs: list[np.ndarray]                    # MinHash values, one array per article
    sig_time: list[float]                     # published time of each, NaN when unknown
    window: float = STORY_WINDOW              # copies further apart are a re-run

    def __post_init__(self) -> None:
        self.sig_ids = list(self.sig_row)     # row -> article id (sig_row is in row order)
        self.bands = BandIndex(np.array(self.sigs, dtype=np.uint64).reshape(-1, NUM_PERM))

    @classmethod
    def empty(cls, window: float = STORY_WINDOW) -> "DuplicateIndex":
        return cls({}, {}, [], [], min(window, STORY_WINDOW))

    def find(self, a: Article, text: ArticleText) -> tuple[str, str, float] | None:
        """(original id, what matched, score) for a duplicate of a known article, else None."""
        t = timestamp(a)
        for kind, value in (("url", a.url), ("guid", a.guid)):
            if value and f"{kind}:{value}" in self.keys:
                return self.keys[f"{kind}:{value}"][0], kind, 1.0
        sig = signature(text)
        if sig is not None:
            found = []
            for r in self.bands.query(sig.hashvalues, self.sigs):
                j = float(np.mean(sig.hashvalues == self.sigs[r]))
                if j >= NEAR_DUP_JACCARD and self._near(t, self.sig_time[r]):
                    found.append((j, self.sig_ids[r]))
            if found:
                j, k = max(found)
                return k, "text", round(j, 3)
        if text.body_key and f"body:{text.body_key}" in self.keys:
            orig, t0 = self.keys[f"body:{text.body_key}"]
            if self._near(t, t0):
                return orig, "text", 1.0
        key = text.title_key
        if key and f"title:{key}" in self.keys:
            orig, t0 = self.keys[f"title:{key}"]
            if self._near(t, t0):
                return orig, "headline", 1.0
        return None

    def _near(self, t: float, t0: float) -> bool:
        """Copies further apart than the story window are a re-run, not a duplicate."""
        return math.isnan(t) or math.isnan(t0) or abs(t - t0) <= self.window

    def add(self, a: Article, text: ArticleText, original: str | None = None) -> None:
        """Remember a's keys; a duplicate's keys lead to its `original`."""
        t = timestamp(a)
        for kind, value in (("url", a.url), ("guid", a.guid), ("title", text.title_key),
                            ("body", text.body_key)):
            if not value:
                continue
            if original is None and kind in ("title", "body"):
                # A re-run after the window is an original: later copies are compared with it.
                self.keys[f"{kind}:{value}"] = (a.id, t)
            else:
                self.keys.setdefault(f"{kind}:{value}", (original or a.id, t))
        sig = signature(text) if original is None else None
        if sig is not None and a.id not in self.sig_row:
            row = len(self.sigs)
            self.sig_row[a.id] = row
            self.sig_ids.append(a.id)
            self.sigs.append(np.asarray(sig.hashvalues))
            self.sig_time.append(t)
            self.bands.add(row, self.sigs[row])

    def forget(self, ids: set[str]) -> None:
        self.keys = {k: v for k, v in self.keys.items() if v[0] not in ids}
        kept = [(i, r) for i, r in self.sig_row.items() if i not in ids]
        if len(kept) == len(self.sig_row):
            return
        self.sig_row = {i: n for n, (i, _) in enumerate(kept)}
        self.sigs = [self.sigs[r] for _, r in kept]
        self.sig_time = [self.sig_time[r] for _, r in kept]
        self.__post_init__()


def arrival_order(articles: Sequence[Article]) -> list[int]:
    """Earliest first, undated last, ties by id: the order that decides who is the original."""
    return sorted(range(len(articles)),
                  key=lambda i: (articles[i].published is None, timestamp(articles[i])
                                 if articles[i].published else 0.0, articles[i].id))
