"""The neighbour search's fast paths give what the plain computations give, on real articles:
top-k from the pairs that share a term equals top-k over the dense block, the per-row best of
the graph steps equals sorting the edges, and reading bodies on every core equals reading them
in this process."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from pipeline.model import Article
from pipeline.stories import features as tf
from pipeline.stories.graph import _row_best
from pipeline.stories.neighbours import _dense_top, _sparse_top

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cluster" / "articles.jsonl"


def _articles() -> list[Article]:
    out = []
    for n, line in enumerate(FIXTURES.read_text(encoding="utf-8").splitlines()):
        r = json.loads(line)
        out.append(Article(
            id=r["id"], title=r["title"], text=r["text"], origin=f"feed-{n % 3}",
            url=r.get("url"), source=r.get("source"),
            published=datetime.fromisoformat(r["published"]) if r.get("published") else None))
    return out


def _weighted(articles: list[Article]) -> tf.Weighted:
    feats = tf.Features.of(articles)
    words, names = tf.TermStats(), tf.TermStats()
    words.add(feats.words)
    names.add(feats.names)
    return tf.Weighted.of(feats, words, names)


def _spread(articles: list[Article]) -> list[Article]:
    """The same articles over five days, some undated, each followed 20 minutes later by its
    bare headline from another feed: every rule of the similarity (day bar, same-feed bar,
    burst bonus, the window) then has pairs to act on."""
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    out = []
    for n, a in enumerate(articles):
        when = None if n % 7 == 0 else start + timedelta(hours=(n * 37) % 120)
        out.append(replace(a, published=when))
        out.append(replace(a, id=a.id + "-headline", text="", origin=f"feed-{n % 2}",
                           published=when and when + timedelta(minutes=20)))
    return out


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("spread", [False, True])
def test_top_k_from_shared_terms_equals_top_k_over_the_dense_block(k, spread):
    articles = _articles()
    articles = _spread(articles) if spread else articles
    w = _weighted(articles)
    every = np.arange(len(articles))
    i1, j1, s1 = _sparse_top(w, every, every, k)
    i2, j2, s2 = _dense_top(w, every, every, k)
    assert len(i1) > len(articles) // 2          # most articles have neighbours at all
    dense = sorted(zip(i2.tolist(), j2.tolist(), s2.tolist()))
    assert sorted(zip(i1.tolist(), j1.tolist(), s1.tolist())) == dense
    assert all(i != j for i, j, _ in dense)
    assert max(np.bincount(i1)) <= k


def _row_best_by_sorting(rows, cols, vals, n):
    best, best_val = np.full(n, -1), np.full(n, -np.inf)
    for r, c, v in sorted(zip(rows.tolist(), cols.tolist(), vals.tolist()),
                          key=lambda e: (e[0], -e[2], e[1]), reverse=True):
        best[r], best_val[r] = c, v      # the last written per row is the first in order
    return best, best_val


def test_row_best_is_the_largest_value_then_the_smallest_column():
    rng = np.random.default_rng(3)
    for trial in range(30):
        n, m = int(rng.integers(1, 60)), int(rng.integers(0, 400))
        rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
        vals = rng.choice([-np.inf, 0.1, 0.25, 0.5], m) if trial % 2 else rng.random(m)
        best, best_val = _row_best(rows, cols, vals, n)
        want, want_val = _row_best_by_sorting(rows, cols, vals, n)
        assert best.tolist() == want.tolist()
        assert best_val.tolist() == want_val.tolist()
    assert _row_best(np.zeros(0, int), np.zeros(0, int), np.zeros(0), 3)[0].tolist() == [-1] * 3


def test_bodies_read_on_every_core_are_those_read_here(monkeypatch):
    texts = [a.text for a in _articles()]
    here = {t: tf.read_body(t) for t in texts}
    monkeypatch.setattr(tf, "PARALLEL_MIN_BODIES", 1)
    monkeypatch.setattr(tf.os, "cpu_count", lambda: 2)
    there = tf.read_bodies(texts + texts[:5])
    assert list(there) == list(dict.fromkeys(texts))
    for t, body in here.items():
        got = there[t]
        assert (got.entities, got.lead, got.n_words, got.short_words) == (
            body.entities, body.lead, body.n_words, body.short_words)
        assert (got.minhash is None) == (body.minhash is None)
        if body.minhash is not None:
            assert np.array_equal(got.minhash, body.minhash)
