"""Story clustering: exact and near duplicates, then different write-ups of one event grouped
by a join decision learned from labelled news.

The steps, each explained in a Member record:
1. duplicates: the same canonical URL or guid, the same wording of a short item, or nearly the
   same text (MinHash LSH over word shingles; a headline-only item: the same headline), within
   the story window (pipeline.stories.duplicates);
2. candidates: for every remaining article its most similar articles within the story window
   (sparse products of TF-IDF words and names and of title character n-grams, blocked by time;
   pipeline.stories.neighbours), each pair described by the features of pipeline.stories.pairs;
3. the join model (pipeline.stories.joiner, fitted by bench/train_grouping.py) gives each pair
   a probability of being one story, and average link over those probabilities forms the
   stories: a group joins a story only when its pairs with the story's members agree on the
   whole, never through one chain of single links; no story spans more than the story window.

`cluster_articles` is the batch entry point; `StoryIndex` holds the features of known stories
and places new articles across runs (the batch is an empty index given everything at once);
what a run learns about its own text (site suffixes, furniture) is in pipeline.stories.runtext.
"""
from __future__ import annotations

import gc
import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from pipeline.stories import blob
from pipeline.stories import features as tf
from pipeline.stories.features import (
    NUM_PERM, STORY_WINDOW, ArticleText, Features, Weighted, read_articles, timestamp)
from pipeline.model import Article, Member
from pipeline.stories.duplicates import NEAR_DUP_JACCARD, DuplicateIndex, arrival_order  # noqa: F401
from pipeline.stories.candidates import Candidates, candidate_pairs
from pipeline.stories.joiner import average_link, load_model
from pipeline.stories.pairs import Profiles
from pipeline.stories.why import best_matches, explain
from pipeline.stories.runtext import clean_run

log = logging.getLogger(__name__)

# --- the named constants (the join model's threshold is fitted with it: joiner.py) ---
STORY_WINDOW_DAYS = 7.0   # no story spans more than this (a story lives 7 days in a digest: the
                          # config's story_window_days). The 3-day neighbour search already kept
                          # every dev-set story within 2 days, so no figure moved with it



@dataclass(frozen=True)
class Group:
    """One story: its articles (seed first) and why each one is there."""

    articles: tuple[Article, ...]
    members: tuple[Member, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.articles)


# --- batch clustering and explanations ------------------------------------------------------

def _group_rows(w: Weighted, rows: np.ndarray, labels: np.ndarray, frozen: np.ndarray,
                window: float = math.inf) -> tuple[np.ndarray, Candidates]:
    """Cluster the articles of w given starting labels; only `rows` look for candidates.

    Returns the labels and the scored candidate pairs they were made from.
    """
    c = candidate_pairs(w, rows)
    labels = average_link(c.a, c.b, c.p, labels, frozen, w.ts, load_model().join, window)
    return labels, c


_DUP_WORDS = {"url": "same url", "guid": "same guid", "text": "same text",
              "headline": "same headline", "id": "same id"}


def _dedup(articles: Sequence[Article], texts: list[ArticleText], order: list[int],
           index: DuplicateIndex, known: dict[str, int]
           ) -> tuple[list[int], dict[int, tuple[str, str, float]]]:
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
        hit = index.find(a, texts[i])
        if hit:
            dups[i] = hit
            index.add(a, texts[i], original=hit[0])
        else:
            reps.append(i)
            index.add(a, texts[i])
    return reps, dups


@dataclass(frozen=True)
class Placement:
    """Where StoryIndex.add put one article: its story (the seed's id) and why."""

    article_id: str
    story_id: str
    member: Member
    new_story: bool


class StoryIndex:
    """Features of the known stories, to place new articles into them across runs.

    Holds, per representative article (duplicates are only remembered by key): hashed word and
    name counts, publication time and a few names for explanations; plus document frequencies
    and the duplicate keys and MinHash LSH. `to_bytes` / `from_bytes` keep it as one blob.
    """

    VERSION = 3                   # 2: arrays and JSON (pipeline.stories.blob), nothing executable;
                                  # 3: the join model's per-article profiles

    def __init__(self, window_days: float = STORY_WINDOW_DAYS) -> None:
        self.window = window_days * 86400.0            # no story spans more than this
        self.ids: list[str] = []
        self.features = Features.of([])
        self.story = np.zeros(0, dtype=np.int64)       # story number per row
        self.story_ids: list[str] = []                 # story number -> story id
        self.word_stats, self.name_stats = tf.TermStats(), tf.TermStats()
        self.dups = DuplicateIndex.empty(self.window)
        self.dup_story: dict[str, int] = {}            # duplicate article id -> story number
        self.row_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ids) + len(self.dup_story)

    def set_window(self, window_days: float) -> None:
        """No story placed from now on spans more than `window_days`."""
        self.window = window_days * 86400.0
        self.dups.window = min(self.window, STORY_WINDOW)

    def story_of(self, article_id: str) -> str | None:
        if article_id in self.row_of:
            return self.story_ids[self.story[self.row_of[article_id]]]
        if article_id in self.dup_story:
            return self.story_ids[self.dup_story[article_id]]
        return None

    def _story_number(self, article_id: str) -> int:
        if article_id in self.row_of:
            return int(self.story[self.row_of[article_id]])
        return self.dup_story[article_id]

    def add(self, articles: Sequence[Article]) -> list[Placement]:
        """Place new articles: in a known story, or in new ones; in arrival order."""
        order = arrival_order(articles)
        known = {**self.row_of, **self.dup_story}
        cleaned = clean_run(articles)
        texts = read_articles(cleaned)
        reps, dups = _dedup(articles, texts, order, self.dups, known)
        old_n, new_n = len(self.ids), len(reps)
        feats = Features.of([cleaned[i] for i in reps], [texts[i] for i in reps])
        self.word_stats.add(feats.words)
        self.name_stats.add(feats.names)
        self.features = Features.concat([self.features, feats])
        self.ids += [articles[i].id for i in reps]
        self.row_of.update({articles[i].id: old_n + r for r, i in enumerate(reps)})
        pool = np.concatenate([self._window(feats.ts), np.arange(old_n, old_n + new_n)])
        sub = self.features.take(pool)
        w = Weighted.of(sub, self.word_stats, self.name_stats)
        n_stories = len(self.story_ids)
        start = np.concatenate([self.story[pool[pool < old_n]], n_stories + np.arange(new_n)])
        frozen = np.zeros(n_stories + new_n, dtype=bool)
        frozen[:n_stories] = True
        new_rows = np.arange(len(pool) - new_n, len(pool))
        if new_n:
            labels, cands = _group_rows(w, new_rows, start, frozen, self.window)
        else:
            labels, cands = np.zeros(len(pool), dtype=np.int64), None
        # A cluster holding an old article keeps that article's story; others are new stories.
        story_of_label: dict[int, int] = {}
        for r in range(len(pool) - new_n):
            story_of_label.setdefault(int(labels[r]), int(start[r]))
        new_story = np.zeros(new_n, dtype=np.int64)
        opened: set[int] = set()
        for r in range(new_n):   # rows of `reps` are in arrival order: the first is the seed
            lab = int(labels[len(pool) - new_n + r])
            if lab not in story_of_label:
                story_of_label[lab] = len(self.story_ids)
                self.story_ids.append(self.ids[old_n + r])
                opened.add(story_of_label[lab])
            new_story[r] = story_of_label[lab]
        self.story = np.concatenate([self.story, new_story])
        placements: dict[int, Placement] = {}
        local_story = self.story[pool]
        by_story: dict[int, list[int]] = {}
        for r, i in enumerate(reps):
            sid = self.story_ids[int(new_story[r])]
            if articles[i].id == sid:
                placements[i] = Placement(sid, sid, Member(sid, "seed", 1.0), True)
            else:
                by_story.setdefault(int(new_story[r]), []).append(r)
        best = best_matches(cands, local_story)
        order_in_pool = np.argsort(local_story, kind="stable")
        bounds = np.searchsorted(local_story[order_in_pool], sorted(by_story), side="left")
        for (s_no, rs), lo in zip(sorted(by_story.items()), bounds):
            hi = np.searchsorted(local_story[order_in_pool], s_no, side="right")
            others = order_in_pool[lo:hi]
            rows = np.array(rs) + len(pool) - new_n
            why = explain(w, sub.keys, rows, others, cands, best)
            for r, (o, score, shared, said) in zip(rs, why):
                a = articles[reps[r]]
                placements[reps[r]] = Placement(a.id, self.story_ids[s_no], Member(
                    a.id, "same story", score, self.ids[pool[o]] if o >= 0 else None, shared,
                    said), s_no in opened)
        for i, (orig, kind, score) in dups.items():
            a = articles[i]
            if a.id in known and kind == "id":
                s_no = self._story_number(a.id)
            else:
                s_no = self._story_number(orig)
                self.dup_story.setdefault(a.id, s_no)
            placements[i] = Placement(a.id, self.story_ids[s_no], Member(
                a.id, "duplicate", score, orig, (_DUP_WORDS[kind],)), s_no in opened)
        log.debug("placed %d articles: %d duplicates, %d new stories", len(order), len(dups),
                  len(opened))
        return [placements[i] for i in order]

    def _window(self, ts: np.ndarray) -> np.ndarray:
        """Rows of known articles that new articles with times `ts` may be compared with."""
        old = self.features.ts[:len(self.story)]
        if len(ts) == 0 or np.isnan(ts).any():
            return np.arange(len(old))
        near = (old >= ts.min() - STORY_WINDOW) & (old <= ts.max() + STORY_WINDOW)
        return np.flatnonzero(near | np.isnan(old))

    def members(self) -> dict[str, list[str]]:
        """Story id -> ids of its articles (representatives, then duplicates)."""
        out: dict[str, list[str]] = {sid: [] for sid in self.story_ids}
        for aid, r in self.row_of.items():
            out[self.story_ids[self.story[r]]].append(aid)
        for aid, s_no in self.dup_story.items():
            out[self.story_ids[s_no]].append(aid)
        return {k: v for k, v in out.items() if v}

    def prune(self, before: datetime) -> int:
        """Forget stories whose newest dated article is older than `before`; returns how many."""
        cut = before.timestamp()
        newest = np.full(len(self.story_ids), -np.inf)
        np.maximum.at(newest, self.story, np.nan_to_num(self.features.ts, nan=np.inf))
        gone = set(np.flatnonzero(newest < cut).tolist())
        if not gone:
            return 0
        keep = np.flatnonzero(~np.isin(self.story, list(gone)))
        drop = np.flatnonzero(np.isin(self.story, list(gone)))
        dropped = self.features.take(drop)
        self.word_stats.remove(dropped.words)
        self.name_stats.remove(dropped.names)
        forgotten = {self.ids[r] for r in drop} | {a for a, s_no in self.dup_story.items()
                                                     if s_no in gone}
        self.dups.forget(forgotten)
        renumber = {old: new for new, old in enumerate(
            s for s in range(len(self.story_ids)) if s not in gone)}
        self.features = self.features.take(keep)
        self.ids = [self.ids[r] for r in keep]
        self.row_of = {a: n for n, a in enumerate(self.ids)}
        self.story = np.array([renumber[int(s)] for s in self.story[keep]], dtype=np.int64)
        self.story_ids = [sid for s, sid in enumerate(self.story_ids) if s not in gone]
        self.dup_story = {a: renumber[s] for a, s in self.dup_story.items() if s not in gone}
        return len(gone)

    def to_bytes(self) -> bytes:
        f = self.features
        state = {
            "version": self.VERSION, "window": self.window, "ids": self.ids, "story": self.story,
            "story_ids": self.story_ids, "dup_story": self.dup_story,
            "words": (f.words.data, f.words.indices, f.words.indptr),
            "names": (f.names.data, f.names.indices, f.names.indptr),
            "ts": f.ts, "has_body": f.has_body, "feed": f.feeds(), "keys": ["\x1f".join(k) for k in f.keys],
            "stats": [self.word_stats.n_docs, self.name_stats.n_docs],
            "word_df": self.word_stats.df, "name_df": self.name_stats.df,
            "dup_keys": self.dups.keys, "sig_ids": list(self.dups.sig_row),
            "sigs": np.array(self.dups.sigs, dtype=np.uint32).reshape(-1, NUM_PERM),
            "sig_time": np.array(self.dups.sig_time, dtype=np.float64),
            **_profile_state(f.profiles()),
        }
        # Arrays and JSON only (pipeline.stories.blob): a state file can never run code. The LSH
        # is not stored; its band hashes are computed from the signatures on load.
        return blob.dump(state)

    @classmethod
    def from_bytes(cls, data: bytes) -> "StoryIndex":
        with _collector_paused():
            return cls._from_state(blob.load(data))

    @classmethod
    def _from_state(cls, state: dict) -> "StoryIndex":
        if state.get("version") != cls.VERSION:
            raise ValueError(f"story index version {state.get('version')}, expected {cls.VERSION}")
        idx = cls()
        idx.window = float(state.get("window", idx.window))
        n = len(state["ids"])
        shape = (n, tf.N_FEATURES)
        idx.features = Features(sp.csr_matrix(state["words"], shape=shape),
                                sp.csr_matrix(state["names"], shape=shape), state["ts"],
                                [tuple(k.split("\x1f")) if k else () for k in state["keys"]],
                                state["has_body"], state.get("feed"), _profile_of(state, n))
        idx.ids, idx.story = list(state["ids"]), state["story"]
        idx.story_ids = list(state["story_ids"])
        idx.dup_story = {str(a): int(v) for a, v in state["dup_story"].items()}
        idx.row_of = {a: r for r, a in enumerate(idx.ids)}
        wn, nn = state["stats"]
        idx.word_stats = tf.TermStats(int(wn), state["word_df"])
        idx.name_stats = tf.TermStats(int(nn), state["name_df"])
        sigs = state["sigs"]
        idx.dups = DuplicateIndex({k: (v[0], float(v[1])) for k, v in state["dup_keys"].items()},
                                  {a: r for r, a in enumerate(state["sig_ids"])},
                                  list(sigs), state["sig_time"].tolist())
        idx.set_window(idx.window / 86400.0)
        return idx


def _profile_state(p: Profiles) -> dict:
    return {"p_chars": (p.title_chars.data, p.title_chars.indices, p.title_chars.indptr),
            "p_words": (p.title_words.data, p.title_words.indices, p.title_words.indptr),
            "p_cjk": p.cjk, "p_english": p.english, "p_skeleton": p.skeleton,
            "p_outlet": p.outlet, "p_title_len": p.title_len,
            "p_numbers": ["\x1f".join(sorted(x)) for x in p.numbers],
            "p_sounds": (p.sounds.data, p.sounds.indices, p.sounds.indptr),
            "p_title_names": ["\x1f".join(sorted(x)) for x in p.title_names]}


def _profile_of(state: dict, n: int) -> Profiles:
    shape = (n, tf.N_FEATURES)
    return Profiles(sp.csr_matrix(state["p_chars"], shape=shape),
                    sp.csr_matrix(state["p_words"], shape=shape), state["p_cjk"],
                    state["p_english"], [frozenset(x.split("\x1f")) if x else frozenset()
                                         for x in state["p_numbers"]],
                    state["p_skeleton"], state["p_outlet"], state["p_title_len"],
                    sp.csr_matrix(state["p_sounds"], shape=shape),
                    [frozenset(x.split("\x1f")) if x else frozenset()
                     for x in state["p_title_names"]])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading allocates hundreds of thousands of objects that all live on: the cyclic garbage
    collector's passes over them find nothing (30k articles: 0.22 -> 0.12 s to load)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cluster_articles(articles: Sequence[Article], window_days: float = STORY_WINDOW_DAYS
                     ) -> list[Group]:
    """Group articles into stories; every member says why it joined (see module docstring).

    Deterministic and independent of input order: articles are taken earliest first (ties by
    id), and the earliest article of a group is its seed. The same as adding them all to an
    empty StoryIndex.
    """
    by_id: dict[str, list[int]] = {}
    placements = StoryIndex(window_days).add(articles)
    order = arrival_order(articles)
    for i, p in zip(order, placements):
        by_id.setdefault(p.story_id, []).append(i)
    members = {i: p.member for i, p in zip(order, placements)}
    groups = []
    for idx in by_id.values():
        groups.append(Group(tuple(articles[i] for i in idx), tuple(members[i] for i in idx)))
    return groups
