"""The candidate search's fast paths give what the plain computations give, on real articles:
top-k from the pairs that share a term equals top-k over dense products of the same vectors,
ranks of the undirected pairs are the places in each list, and reading bodies on every core
equals reading them in this process."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from pipeline.model import Article
from pipeline.stories import features as tf
from pipeline.stories.features import ENTITY_WEIGHT, NEIGHBOUR_FLOOR, STORY_WINDOW
from pipeline.stories.neighbours import NOT_LISTED, _sparse_top, neighbours, undirected

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


def _dense_top(w: tf.Weighted, k: int) -> list[tuple[int, int, float]]:
    """Top-k by the plain definition: every pair's similarity from dense products."""
    words, names, chars = (m.toarray().astype(np.float64) for m in (w.words, w.names, w.chars))
    s = np.maximum((1 - ENTITY_WEIGHT) * words @ words.T + ENTITY_WEIGHT * names @ names.T,
                   chars @ chars.T)
    gap = np.abs(w.ts[:, None] - w.ts[None, :])
    s[gap > STORY_WINDOW] = 0.0
    np.fill_diagonal(s, 0.0)
    out = []
    for r in range(len(s)):
        ranked = sorted(((v, c) for c, v in enumerate(s[r]) if v >= NEIGHBOUR_FLOOR),
                        key=lambda e: -e[0])
        out += [(r, c, v) for v, c in ranked[:k]]
    return out


@pytest.mark.parametrize("k", [1, 3, 10])
@pytest.mark.parametrize("spread", [False, True])
def test_top_k_from_shared_terms_equals_top_k_over_dense_products(k, spread):
    articles = _articles()
    articles = _spread(articles) if spread else articles
    w = _weighted(articles)
    every = np.arange(len(articles))
    i1, j1, s1, degree = _sparse_top(w, every, every, k)
    assert len(i1) > len(articles) // 2          # most articles have neighbours at all
    got = sorted((i, -round(v, 5)) for i, v in zip(i1.tolist(), s1.tolist()))
    want = _dense_top(w, k)
    # The same rows and scores; among exactly equal scores either neighbour may be kept.
    assert got == sorted((i, -round(float(v), 5)) for i, _, v in want)
    assert all(i != j for i, j in zip(i1.tolist(), j1.tolist()))
    assert max(np.bincount(i1)) <= k
    assert degree.sum() >= 0 and len(degree) == len(articles)


def test_undirected_pairs_carry_each_sides_place_in_the_others_list():
    articles = _articles()
    w = _weighted(articles)
    every = np.arange(len(articles))
    i, j, s, _ = neighbours(w, every, every, k=5)
    a, b, r_ab, r_ba = undirected(len(articles), i, j)
    assert (a < b).all() and len(set(zip(a.tolist(), b.tolist()))) == len(a)
    lists = {}
    for x, y in zip(i.tolist(), j.tolist()):
        lists.setdefault(x, []).append(y)
    for x, y, rxy, ryx in zip(a.tolist(), b.tolist(), r_ab.tolist(), r_ba.tolist()):
        assert rxy == (lists[x].index(y) if y in lists.get(x, []) else NOT_LISTED)
        assert ryx == (lists[y].index(x) if x in lists.get(y, []) else NOT_LISTED)
        assert min(rxy, ryx) < NOT_LISTED       # every pair came from one of the lists


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
