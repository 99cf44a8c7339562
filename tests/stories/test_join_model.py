"""The shipped join model: it loads from package data, evaluates its trees as scikit-learn's
boosting does (a model fitted here, exported the way bench/train_grouping.py exports, gives the
same probabilities), and scores named pairs of headline-only wire items, written here in the
manner of real wire and aggregator feeds, on the right side of its threshold."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from pipeline.model import Article
from pipeline.stories import features as tf
from pipeline.stories.candidates import candidate_pairs
from pipeline.stories.group import cluster_articles
from pipeline.stories.joiner import JoinModel, average_link, load_model
from pipeline.stories.pairs import FEATURES

T0 = datetime(2026, 8, 20, 6, 0, tzinfo=timezone.utc)

# (id, feed, outlet, minutes after T0, title): one morning of business wire headlines.
ITEMS = [
    ("sam-1", "wire-a", "Wire A", 0, "Samsung second-quarter operating profit jumps 56% on AI memory chip demand"),
    ("sam-2", "biz-b", "Biz B", 25, "Samsung Electronics Q2 profit surges 56% as AI boom lifts memory chips"),
    ("sam-3", "pool-c", "Pool C", 40, "Samsung's quarterly profit soars on AI chip demand, beats forecasts"),
    ("lg-1", "wire-a", "Wire A", 35, "LG Electronics second-quarter profit falls 12% on weak TV demand"),
    ("nik-1", "wire-a", "Wire A", 10, "Japan's Nikkei rises 1.2% as chip stocks gain on Nvidia rally"),
    ("nik-2", "wire-a", "Wire A", 1450, "Japan's Nikkei falls 0.8% as stronger yen weighs on exporters"),
    ("oil-1", "biz-b", "Biz B", 60, "Oil climbs 2% after Saudi Arabia extends output cuts into September"),
    ("oil-2", "wire-a", "Wire A", 75, "Oil prices rise as Saudi Arabia prolongs production cuts through September"),
    ("gold-1", "biz-b", "Biz B", 80, "Gold slips as dollar firms ahead of Fed minutes"),
    ("bank-1", "wire-a", "Wire A", 90, "Reserve Bank of India keeps repo rate unchanged at 5.5%"),
    ("bank-2", "pool-c", "Pool C", 95, "RBI holds key rate at 5.5% as inflation cools, keeps neutral stance"),
    ("bank-3", "biz-b", "Biz B", 120, "Bank of Korea holds rate at 2.5% amid housing worries"),
    ("ev-1", "biz-b", "Biz B", 130, "Tesla recalls 120,000 Model Y vehicles over seat belt warning fault"),
    ("ev-2", "pool-c", "Pool C", 150, "BYD cuts prices on 20 models as China EV price war deepens"),
    ("air-1", "wire-a", "Wire A", 160, "Qantas posts record annual profit, announces A$400 million buyback"),
    ("air-2", "biz-b", "Biz B", 170, "Air New Zealand swings to annual loss on engine problems"),
]

MUST_JOIN = [("sam-1", "sam-2"), ("sam-1", "sam-3"), ("oil-1", "oil-2")]
MUST_NOT_JOIN = [("sam-1", "lg-1"), ("nik-1", "nik-2"), ("bank-1", "bank-3"),
                 ("air-1", "air-2"), ("ev-1", "ev-2"), ("oil-1", "gold-1")]


def _articles() -> list[Article]:
    return [Article(id=i, title=t, text="", origin=f"https://{feed}.example/rss", source=outlet,
                    published=T0 + timedelta(minutes=m)) for i, feed, outlet, m, t in ITEMS]


def _scores() -> dict[frozenset[str], float]:
    arts = _articles()
    feats = tf.Features.of(arts)
    words, names = tf.TermStats(), tf.TermStats()
    words.add(feats.words)
    names.add(feats.names)
    c = candidate_pairs(tf.Weighted.of(feats, words, names), np.arange(len(arts)))
    return {frozenset((arts[a].id, arts[b].id)): float(p) for a, b, p in zip(c.a, c.b, c.p)}


def test_the_shipped_model_loads_and_reads_the_features_the_code_makes():
    model = load_model()
    assert model.features == FEATURES
    assert 0.0 < model.join < 1.0
    assert model.feature.shape == model.value.shape and model.feature.shape[0] >= 10
    assert model.feature.max() < len(FEATURES)
    x = np.random.default_rng(1).random((50, len(FEATURES)))
    p = model.probability(x)
    assert ((p > 0) & (p < 1)).all()
    assert np.array_equal(p, model.probability(x))


@pytest.mark.parametrize("a, b", MUST_JOIN, ids=["-".join(p) for p in MUST_JOIN])
def test_must_join_pairs_score_above_the_threshold(a, b):
    assert _scores().get(frozenset((a, b)), 0.0) >= load_model().join


@pytest.mark.parametrize("a, b", MUST_NOT_JOIN, ids=["-".join(p) for p in MUST_NOT_JOIN])
def test_must_not_join_pairs_score_below_the_threshold(a, b):
    assert _scores().get(frozenset((a, b)), 0.0) < load_model().join


def test_the_morning_groups_into_its_events_and_keeps_look_alikes_apart():
    groups = [set(g.ids) for g in cluster_articles(_articles())]
    assert any({"sam-1", "sam-2"} <= g for g in groups)
    assert {"oil-1", "oil-2"} in groups
    for a, b in MUST_NOT_JOIN:
        assert not any({a, b} <= g for g in groups), (a, b)


def test_trees_evaluate_as_scikit_learn_boosting_does():
    from sklearn.ensemble import GradientBoostingClassifier
    rng = np.random.default_rng(7)
    x = rng.random((400, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0.8).astype(int)
    fitted = GradientBoostingClassifier(n_estimators=20, max_depth=3, learning_rate=0.1,
                                        random_state=0).fit(x, y)
    trees = []
    for est in fitted.estimators_[:, 0]:
        t = est.tree_
        trees.append({"feature": [int(f) if f >= 0 else -1 for f in t.feature],
                      "threshold": t.threshold.tolist(), "left": t.children_left.tolist(),
                      "right": t.children_right.tolist(), "value": t.value[:, 0, 0].tolist()})
    probe = np.zeros((1, 3))
    bias = float(fitted.decision_function(probe)[0]) - 0.1 * sum(
        float(e.predict(probe)[0]) for e in fitted.estimators_[:, 0])
    model = JoinModel.from_json({"features": ["a", "b", "c"], "bias": bias, "rate": 0.1,
                                 "join": 0.5, "trees": trees})
    assert np.allclose(model.probability(x), fitted.predict_proba(x)[:, 1])


def test_average_link_needs_the_whole_story_not_one_chain():
    # 0-1 and 1-2 are sure, 0-2 was seen and is not: 2 joins {0, 1} only if the mean holds.
    a, b = np.array([0, 1, 0]), np.array([1, 2, 2])
    ts = np.zeros(3)
    none = np.zeros(3, dtype=bool)
    labels = average_link(a, b, np.array([0.95, 0.9, 0.05]), np.arange(3), none, ts, 0.5)
    assert labels.tolist() == [0, 0, 2]
    labels = average_link(a, b, np.array([0.95, 0.9, 0.6]), np.arange(3), none, ts, 0.5)
    assert labels.tolist() == [0, 0, 0]


def test_average_link_keeps_earlier_stories_apart_and_within_the_window():
    a, b = np.array([0, 1, 2]), np.array([2, 2, 3])
    labels = np.array([0, 1, 2, 3])
    frozen = np.array([True, True, False, False])
    out = average_link(a, b, np.array([0.9, 0.9, 0.9]), labels, frozen, np.zeros(4), 0.5)
    assert out[0] != out[1]                  # two stories of earlier runs never merge
    assert out[2] in (out[0], out[1]) and out[3] == out[2]
    far = np.array([0.0, 0.0, 0.0, 10 * 86400.0])
    out = average_link(a, b, np.array([0.9, 0.9, 0.9]), labels, frozen, far, 0.5, 7 * 86400.0)
    assert out[3] == 3                       # ten days later: a story of its own
