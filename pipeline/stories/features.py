"""Article features shared by dedup, clustering and ranking (the words themselves: tokens.py):
hashed TF-IDF vectors and the per-article Features that story grouping compares.

Everything here is a pure function of its input and works without a language model: tokens are
lowercased words with a light suffix stemmer, entities come from capitalization, and vectors are
hashed so that a vocabulary never has to be fitted (which lets story features be kept and extended
across runs).
"""
from __future__ import annotations

import math
import os
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from datasketch import LeanMinHash, MinHash

from pipeline.model import Article
from pipeline.workers import worker_pool
from pipeline.stories.pairs import Profiles, RunVectors
# The words of a text live in pipeline.stories.tokens; importable from here as before.
from pipeline.stories.tokens import (  # noqa: F401
    NEWS_STOP_WORDS, STOP_WORDS, _NAME_JOINERS, _WORD_RE, _SPACED_HYPHEN_RE,
    _SPACED_APOSTROPHE_RE, _NUMBER_RE, _SENTENCE_SPLIT_RE, _SPACE_RE, _DIGIT_RE, repair_spacing,
    stem, CJK_BIGRAMS, _CJK_RUN_RE, _cjk_bigrams, _split_words, words, _token, tokens_of,
    tokens, _word_hash, shingle_hashes, _shingles_of, _is_capitalized, is_title_case,
    _title_case_words, _names_in, entities, Analysis, BodyAnalysis, analyze, analyze_body,
    analyze_title, numbers, normalized_title, squash_spaces,
)


# Hashed vectors live in pipeline.stories.vectors (the join model's pairs.py reads them too).
from pipeline.stories.vectors import N_FEATURES, TermStats, hashed, l2_rows  # noqa: E402,F401


# Named constants: B-cubed F1 figures from bench/cluster_quality.py on the dev sets.
LEAD_WORDS = 150          # first body words read: ecbplus-dev avg-link 0.897 (150), 0.890 (all)
TITLE_WEIGHT = 2.0        # headline words count twice: 2 vs 1 on ecbplus-dev, 0.897 vs 0.894
ENTITY_WEIGHT = 0.5       # similarity = 0.5 words + 0.5 names/numbers: names alone 0.907, words
                          # alone 0.875, half and half 0.897 (ecbplus-dev, average link)
NEIGHBOURS = 20           # candidates kept per article for the join model: the dev sets' same-story
                          # pairs it can see (bench/train_grouping.py); 10 lost uci-dev's big stories
NEIGHBOUR_FLOOR = 0.05    # below this two articles are not candidates (ecbplus-dev: the 99.9th
                          # percentile of pairs from different topics is 0.11)
COMMON_SHARE = 0.2        # a word or name in more of the documents than this finds no candidate...
COMMON_MIN_DOCS = 200     # ... once there are this many (bench/floods.py: 20,000 numbered notices)
CHAR_COMMON_SHARE = 0.05  # a title n-gram in more of the run's titles than this finds no candidate
CHAR_COMMON_MIN = 20      # ... once it is in this many
STORY_WINDOW = 3 * 86400.0  # articles further apart than this are never compared (ecb-dev feeds
                            # spread one story over up to 47 h)
NUM_PERM = 64             # MinHash permutations (estimate error about 0.05 at 0.8)
SHINGLE_WORDS = 4
MIN_TEXT_WORDS = 40       # shorter bodies are compared by headline, not shingles
MIN_TITLE_WORDS = 4       # "Business Highlights" is a column name, not a duplicate key
SHARED_SHOWN = 5          # names shown in a Member's explanation


# --- article vectors (similarity and neighbour search: pipeline.stories.neighbours) ---

def timestamp(a: Article) -> float:
    return a.published.timestamp() if a.published else math.nan


@dataclass
class Features:
    """Per-article raw features: hashed term counts, entity sets, times and display keys."""

    words: sp.csr_matrix        # headline and lead word counts
    names: sp.csr_matrix        # entity and number indicators
    ts: np.ndarray              # published (seconds), NaN when unknown
    keys: list[tuple[str, ...]]  # entity keys as text, most specific first, for explanations
    has_body: np.ndarray        # a body of at least MIN_TEXT_WORDS words
    feed: np.ndarray | None = None  # which feed (or file) it came from; a unique negative if unknown
    profile: Profiles | None = None  # what the join model reads besides (pipeline.stories.pairs)

    @classmethod
    def of(cls, articles: Sequence[Article], texts: Sequence["ArticleText"] | None = None
           ) -> "Features":
        texts = texts if texts is not None else [read_article(a) for a in articles]
        keys = []
        for t in texts:
            ents = t.entities
            ranked = sorted(set(ents), key=lambda e: (-e.count(" "), -ents.count(e), e))
            keys.append(tuple(ranked[:24]))
        return cls(hashed([t.words for t in texts]),
                   hashed([dict.fromkeys(t.entities, 1.0) for t in texts]),
                   np.array([timestamp(a) for a in articles], dtype=np.float64), keys,
                   np.array([len(a.text.split()) >= MIN_TEXT_WORDS for a in articles], dtype=bool),
                   feed_codes(articles), Profiles.of(articles))

    def __len__(self) -> int:
        return self.words.shape[0]

    def take(self, idx: np.ndarray) -> "Features":
        return Features(self.words[idx], self.names[idx], self.ts[idx], [self.keys[i] for i in idx],
                        self.has_body[idx], self.feeds()[idx], self.profiles().take(idx))

    @staticmethod
    def concat(parts: Sequence["Features"]) -> "Features":
        return Features(sp.vstack([p.words for p in parts]).tocsr(),
                        sp.vstack([p.names for p in parts]).tocsr(),
                        np.concatenate([p.ts for p in parts]),
                        [k for p in parts for k in p.keys],
                        np.concatenate([p.has_body for p in parts]),
                        np.concatenate([p.feeds() for p in parts]) if parts else None,
                        Profiles.concat([p.profiles() for p in parts]) if parts else None)

    def feeds(self) -> np.ndarray:
        return self.feed if self.feed is not None else -1 - np.arange(len(self.ts), dtype=np.int64)

    def profiles(self) -> Profiles:
        return self.profile if self.profile is not None else Profiles.of([])


@dataclass
class Weighted:
    """TF-IDF rows of unit length, for one set of document frequencies, and what the join
    model reads of the same articles (pipeline.stories.pairs)."""

    words: sp.csr_matrix
    names: sp.csr_matrix
    ts: np.ndarray
    has_body: np.ndarray
    feed: np.ndarray | None = None          # Features.feed
    chars: sp.csr_matrix | None = None      # distinctive title n-grams, for candidates
    profile: Profiles | None = None
    run: RunVectors | None = None
    distinct: sp.csr_matrix | None = None   # 0/1: the terms that can make two articles candidates

    @classmethod
    def of(cls, f: Features, word_stats: TermStats, name_stats: TermStats) -> "Weighted":
        prof = f.profiles()
        run = RunVectors.of(prof)
        chars = distinctive_chars(run.title_chars)
        distinct = (_uncommon(f.words, word_stats) + _uncommon(f.names, name_stats)
                    + (chars > 0).astype(np.float32)).tocsr()
        return cls(word_stats.weigh(f.words), name_stats.weigh(f.names, sublinear=False), f.ts,
                   f.has_body, f.feeds(), chars, prof, run, distinct)


def _uncommon(counts: sp.csr_matrix, stats: TermStats) -> sp.csr_matrix:
    """0/1 rows of the terms that are not in a large share of the documents: a flood of one
    notice shares every word, and pairs found through such words alone would be all pairs."""
    m = counts.copy().astype(np.float32)
    m.data[:] = 1.0
    if stats.n_docs >= COMMON_MIN_DOCS:
        m.data[stats.df[m.indices] > COMMON_SHARE * stats.n_docs] = 0.0
        m.eliminate_zeros()
    return m


def distinctive_chars(chars: sp.csr_matrix) -> sp.csr_matrix:
    """Title n-gram rows without the n-grams common in the run, of unit length: what lets two
    titles become candidates by their spelling (common n-grams like "the " would make every
    pair one)."""
    m = chars.copy()
    if m.shape[0]:
        df = np.bincount(m.indices, minlength=m.shape[1])
        m.data[df[m.indices] > max(CHAR_COMMON_MIN, CHAR_COMMON_SHARE * m.shape[0])] = 0.0
        m.eliminate_zeros()
    return l2_rows(m)


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1)


def _identity(x: int) -> int:
    return x


@dataclass(frozen=True)
class ArticleText:
    """What clustering reads from one article's text, in one pass."""

    words: dict[str, float]          # headline (weighted) and lead word counts
    entities: list[str]
    minhash: np.ndarray | None       # MinHash of the body's shingles; None for a short body
    title_key: str | None            # a headline-only item's duplicate key
    body_key: str | None = None      # a short item's whole wording (headline and body), hashed


@dataclass(frozen=True)
class BodyText:
    """What clustering reads from one body, whatever its headline: copies of one article (their
    furniture dropped by runtext.clean_run) share it. 300-feed bench (bench/stories_speed.py):
    15,000 articles, 4,972 distinct bodies. The words themselves are not kept."""

    entities: list[str]              # names and numbers of the body's sentences
    lowercase_seen: frozenset[str]   # what reading the title's names needs of the body
    has_body: bool
    n_words: int
    lead: dict[str, int]             # lead word counts
    minhash: np.ndarray | None       # MinHash of the body's shingles; None for a short body
    short_words: list[str] | None    # the words of a body too short for a MinHash


def read_body(text: str) -> BodyText:
    body = analyze_body(text)
    lead = dict(Counter(tokens_of(body.words[:LEAD_WORDS])))
    values = None
    if len(body.words) >= MIN_TEXT_WORDS:
        m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=_identity,
                    permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
        m.update_batch(_shingles_of(body.words[:2000], SHINGLE_WORDS).tolist())
        values = np.asarray(m.hashvalues)
    return BodyText(body.entities, body.lowercase_seen, body.has_body, len(body.words), lead,
                    values, body.words if values is None else None)


def read_article(a: Article, bodies: dict[str, BodyText] | None = None) -> ArticleText:
    """`bodies`, when given, keeps what was read from each body for the next copy of it."""
    body = bodies.get(a.text) if bodies is not None else None
    if body is None:
        body = read_body(a.text)
        if bodies is not None:
            bodies[a.text] = body
    title_words, title_names = analyze_title(a.title, body.lowercase_seen, body.has_body)
    c: Counter[str] = Counter(body.lead)
    for t in tokens_of(title_words):
        c[t] += TITLE_WEIGHT
    key = body_key = None
    if body.n_words < MIN_TEXT_WORDS and len(title_words) >= MIN_TITLE_WORDS:
        key = " ".join(w.lower() for w in title_words)
    if body.short_words and len(title_words) + body.n_words >= MIN_TITLE_WORDS:
        # Copies of a short item (a flood of one notice) are duplicates even when the headline
        # is too short to be a key: nothing else tells them apart.
        wording = " ".join(w.lower() for w in title_words + ["|"] + body.short_words)
        body_key = format(zlib.crc32(wording.encode("utf-8")), "08x") + format(
            zlib.adler32(wording.encode("utf-8")), "08x")
    return ArticleText(dict(c), title_names + body.entities, body.minhash, key, body_key)


# Distinct bodies from which reading them on every core pays for starting workers (spawned:
# about a second) and sending the readings back: 100k bench articles, 7,846 bodies, 12.7 s alone.
PARALLEL_MIN_BODIES = 2000


def read_bodies(texts: Sequence[str]) -> dict[str, BodyText]:
    """read_body of each distinct text, on every core when there are many."""
    texts = list(dict.fromkeys(texts))
    cores = os.cpu_count() or 1
    if len(texts) < PARALLEL_MIN_BODIES or cores < 2:
        return {t: read_body(t) for t in texts}
    with worker_pool() as pool:
        chunk = max(1, min(256, len(texts) // (4 * cores)))
        return dict(zip(texts, pool.map(read_body, texts, chunksize=chunk)))


def read_articles(articles: Sequence[Article]) -> list[ArticleText]:
    """read_article of each; copies of one article (the same title and text: 8,856 of the
    300-feed bench's 15,000) share one reading, and copies of one body share its part."""
    bodies = read_bodies([a.text for a in articles])
    read: dict[tuple[str, str], ArticleText] = {}
    out = []
    for a in articles:
        text = read.get((a.title, a.text))
        if text is None:
            text = read[(a.title, a.text)] = read_article(a, bodies)
        out.append(text)
    return out


def signature(text: ArticleText) -> LeanMinHash | None:
    if text.minhash is None:
        return None
    return LeanMinHash(seed=1, hashvalues=text.minhash, scheme=_TEMPLATE.scheme)


def feed_codes(articles: Sequence[Article]) -> np.ndarray:
    """One number per article naming the feed (or file) it came from; a unique negative number
    when the origin is unknown ("-": a JSON line without one), so such items never count as
    coming from one feed."""
    out = np.empty(len(articles), dtype=np.int64)
    for i, a in enumerate(articles):
        origin = a.origin or "-"
        out[i] = -1 - i if origin == "-" else zlib.crc32(origin.encode("utf-8", "surrogatepass"))
    return out
