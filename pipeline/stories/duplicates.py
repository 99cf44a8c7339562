"""Duplicates: the same canonical URL or guid, the same wording of a short item, nearly the same
body (MinHash LSH over word shingles), or a headline-only item's headline; within the window.
Found by key or by LSH bucket, never by comparing every pair."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from datasketch import MinHashLSH

from pipeline.model import Article
from pipeline.stories.features import NUM_PERM, STORY_WINDOW, ArticleText, signature, timestamp

NEAR_DUP_JACCARD = 0.8    # shingle Jaccard of syndicated copies with a few boilerplate lines



@dataclass
class DuplicateIndex:
    """Exact keys (url, guid, headline) and a MinHash LSH over bodies of the known articles."""

    lsh: MinHashLSH
    keys: dict[str, tuple[str, float]]        # "url:..." / "guid:..." / "title:..." -> id, time
    sig_row: dict[str, int]                   # article id -> row of `sigs`
    sigs: list[np.ndarray]                    # MinHash values, one array per article
    sig_time: list[float]                     # published time of each, NaN when unknown
    window: float = STORY_WINDOW              # copies further apart are a re-run

    @classmethod
    def empty(cls, window: float = STORY_WINDOW) -> "DuplicateIndex":
        return cls(MinHashLSH(threshold=NEAR_DUP_JACCARD, num_perm=NUM_PERM), {}, {}, [], [],
                   min(window, STORY_WINDOW))

    def find(self, a: Article, text: ArticleText) -> tuple[str, str, float] | None:
        """(original id, what matched, score) for a duplicate of a known article, else None."""
        t = timestamp(a)
        for kind, value in (("url", a.url), ("guid", a.guid)):
            if value and f"{kind}:{value}" in self.keys:
                return self.keys[f"{kind}:{value}"][0], kind, 1.0
        sig = signature(text)
        if sig is not None:
            found = []
            for k in self.lsh.query(sig):
                j = float(np.mean(sig.hashvalues == self.sigs[self.sig_row[k]]))
                if j >= NEAR_DUP_JACCARD and self._near(t, self.sig_time[self.sig_row[k]]):
                    found.append((j, k))
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
            self.lsh.insert(a.id, sig)
            self.sig_row[a.id] = len(self.sigs)
            self.sigs.append(np.asarray(sig.hashvalues))
            self.sig_time.append(t)

    def forget(self, ids: set[str]) -> None:
        for i in ids & set(self.sig_row):
            self.lsh.remove(i)
        self.keys = {k: v for k, v in self.keys.items() if v[0] not in ids}
        kept = [(i, r) for i, r in self.sig_row.items() if i not in ids]
        self.sig_row = {i: n for n, (i, _) in enumerate(kept)}
        self.sigs = [self.sigs[r] for _, r in kept]
        self.sig_time = [self.sig_time[r] for _, r in kept]


def arrival_order(articles: Sequence[Article]) -> list[int]:
    """Earliest first, undated last, ties by id: the order that decides who is the original."""
    return sorted(range(len(articles)),
                  key=lambda i: (articles[i].published is None, timestamp(articles[i])
                                 if articles[i].published else 0.0, articles[i].id))
