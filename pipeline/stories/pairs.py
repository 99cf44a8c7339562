"""What the learned join decision reads about two articles: a profile per article (its title as
character n-grams and words, script, how English it reads, the numbers in its title, how
template-like the title is in the run, its outlet) and the pair features built from two
profiles and the run's TF-IDF vectors (pipeline.stories.features).

Pure numpy/scipy: profiles are made once per article, pair features for flat index arrays.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from pipeline.model import Article
from pipeline.stories.vectors import TermStats, hashed
from pipeline.stories.sounds import sound_keys
from pipeline.stories.tokens import STOP_WORDS, _NUMBER_RE, is_title_case, tokens, words

LEAD_CHARS = 300          # the start of the text read for names by sound and figures
CHAR_GRAMS = (2, 3, 4)     # title character n-grams: one channel for every script (Japanese and
                           # Chinese titles have no spaces to split words on)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f]")
_MASK_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MASK_NAME = re.compile(r"\b[A-Z][\w’'&.-]*")
_SPACES = re.compile(r"\s+")
EN_COMMON = frozenset(w for w in STOP_WORDS if w.isascii() and len(w) <= 5)

# The pair features, in the order of the model's columns (bench/train_grouping.py fits them).
FEATURES = (
    "words", "names", "title_words", "title_chars",
    "shared_names", "title_numbers_shared", "title_numbers_conflict",
    "hours", "undated", "same_feed", "same_outlet", "both_body", "no_body",
    "cjk_both", "cjk_one", "english_gap", "skeleton_max", "skeleton_min",
    "degree_max", "degree_min", "rank_max", "rank_min", "title_len_min", "title_len_ratio",
    "sounds", "sounds_shared", "other_language", "title_names_shared", "title_names_conflict",
)
PAIR_CHUNK = 200_000       # pairs whose features are computed at once (bounds the memory)
OTHER_LANGUAGE_GAP = 0.25   # English-word shares this far apart: one of the two is a translation


def _fold(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def char_grams(title: str) -> dict[str, float]:
    t = f" {_fold(title)} "
    out: Counter[str] = Counter()
    for n in CHAR_GRAMS:
        out.update(t[k:k + n] for k in range(max(0, len(t) - n + 1)))
    return {f"c{g}": float(v) for g, v in out.items() if g.strip()}


def skeleton(title: str) -> str:
    """What is left of a title without its names, numbers and small words, as a sorted set:
    briefs written from one template share it ("X declares dividend of $N per unit for QN").
    A title with fewer than two such words is its own skeleton."""
    text = _MASK_NAME.sub(" ", _MASK_NUMBER.sub(" ", unicodedata.normalize("NFKC", title)))
    kept = sorted({w for w in words(text) if w.isalpha() and w.islower() and w not in STOP_WORDS})
    return " ".join(kept) if len(kept) >= 2 else "\x00" + _fold(title)


def title_names(title: str) -> frozenset[str]:
    """The names of a sentence-case title (capitalised words after the first), lower-cased;
    nothing for a title-case headline, where every word is capitalised."""
    ws = words(unicodedata.normalize("NFKC", title))
    if is_title_case(title) or len(ws) < 2:
        return frozenset()
    return frozenset(w.lower() for w in ws[1:] if w[:1].isupper() and w.lower() not in STOP_WORDS)


def _code(text: str | None, unique: int) -> int:
    if not text:
        return -1 - unique
    return zlib.crc32(_fold(text).encode("utf-8", "surrogatepass"))


@dataclass
class Profiles:
    """Per-article columns the pair features read (rows line up with Features)."""

    title_chars: sp.csr_matrix     # raw counts of title character n-grams (hashed)
    title_words: sp.csr_matrix     # raw counts of title word tokens (hashed)
    cjk: np.ndarray                # share of CJK characters in the title
    english: np.ndarray            # share of common English words among title and lead words
    numbers: list[frozenset[str]]  # numbers written in the title
    skeleton: np.ndarray           # a hash of the title's skeleton
    outlet: np.ndarray             # a hash of the outlet's name; unique negatives when unknown
    title_len: np.ndarray          # words in the title
    sounds: sp.csr_matrix          # names by sound and figures as written (pipeline.stories.sounds)
    title_names: list[frozenset[str]]  # capitalised words inside a sentence-case title

    @classmethod
    def of(cls, articles: Sequence[Article]) -> "Profiles":
        chars, tws, cjk, eng, nums, skel, outlet, tlen, snd, tnames = ([] for _ in range(10))
        for n, a in enumerate(articles):
            title = a.title or ""
            chars.append(char_grams(title))
            tw = tokens(title)
            tws.append(dict(Counter(tw)))
            letters = [c for c in title if c.isalpha()]
            cjk.append(sum(bool(_CJK.match(c)) for c in letters) / len(letters) if letters else 0.0)
            lead = words(title + " " + (a.text or "")[:600])
            low = [w.lower() for w in lead if w.isalpha()]
            eng.append(sum(w in EN_COMMON for w in low) / len(low) if low else 0.0)
            nums.append(frozenset(_NUMBER_RE.findall(unicodedata.normalize("NFKC", title))))
            skel.append(zlib.crc32(skeleton(title).encode("utf-8", "surrogatepass")))
            outlet.append(_code(a.source, n))
            tlen.append(len(words(title)) if not cjk[-1] else len(title) / 2.0)
            snd.append(sound_keys(title, (a.text or "")[:LEAD_CHARS]))
            tnames.append(title_names(title))
        return cls(hashed(chars), hashed(tws), np.array(cjk, dtype=np.float32),
                   np.array(eng, dtype=np.float32), nums, np.array(skel, dtype=np.int64),
                   np.array(outlet, dtype=np.int64), np.array(tlen, dtype=np.float32),
                   hashed(snd), tnames)

    def __len__(self) -> int:
        return len(self.cjk)

    def take(self, idx: np.ndarray) -> "Profiles":
        return Profiles(self.title_chars[idx], self.title_words[idx], self.cjk[idx],
                        self.english[idx], [self.numbers[i] for i in idx], self.skeleton[idx],
                        self.outlet[idx], self.title_len[idx], self.sounds[idx],
                        [self.title_names[i] for i in idx])

    @staticmethod
    def concat(parts: Sequence["Profiles"]) -> "Profiles":
        return Profiles(sp.vstack([p.title_chars for p in parts]).tocsr(),
                        sp.vstack([p.title_words for p in parts]).tocsr(),
                        np.concatenate([p.cjk for p in parts]),
                        np.concatenate([p.english for p in parts]),
                        [x for p in parts for x in p.numbers],
                        np.concatenate([p.skeleton for p in parts]),
                        np.concatenate([p.outlet for p in parts]),
                        np.concatenate([p.title_len for p in parts]),
                        sp.vstack([p.sounds for p in parts]).tocsr(),
                        [x for p in parts for x in p.title_names])


@dataclass
class RunVectors:
    """The run's unit-length TF-IDF rows of what the pair features compare."""

    title_chars: sp.csr_matrix
    title_words: sp.csr_matrix
    skeleton_count: np.ndarray      # articles of the run sharing each one's title skeleton
    sounds: sp.csr_matrix

    @classmethod
    def of(cls, p: Profiles) -> "RunVectors":
        chars, tw, snd = TermStats(), TermStats(), TermStats()
        chars.add(p.title_chars)
        tw.add(p.title_words)
        snd.add(p.sounds)
        _, inverse, counts = np.unique(p.skeleton, return_inverse=True, return_counts=True)
        return cls(chars.weigh(p.title_chars), tw.weigh(p.title_words),
                   counts[inverse].astype(np.float32), snd.weigh(p.sounds, sublinear=False))


def rowdot(a: sp.csr_matrix, b: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Dot products of rows i of a with rows j of b, pair by pair."""
    if len(i) == 0:
        return np.zeros(0)
    return np.asarray(a[i].multiply(b[j]).sum(axis=1)).ravel()


def pair_features(w, i: np.ndarray, j: np.ndarray, degree: np.ndarray, rank_ij: np.ndarray,
                  rank_ji: np.ndarray) -> np.ndarray:
    """One row of FEATURES per pair (i[k], j[k]); `w` is the run's Weighted (features.py, with
    its Profiles and RunVectors), `degree` each article's count of close candidates, rank_ij
    the place of j in i's candidate list (and rank_ji of i in j's; NOT_LISTED when absent)."""
    prof, vecs = w.profile, w.run
    n = len(i)
    if n > PAIR_CHUNK:      # row products of a few hundred thousand pairs at a time
        return np.vstack([pair_features(w, i[k:k + PAIR_CHUNK], j[k:k + PAIR_CHUNK], degree,
                                        rank_ij[k:k + PAIR_CHUNK], rank_ji[k:k + PAIR_CHUNK])
                          for k in range(0, n, PAIR_CHUNK)])
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    col = {name: k for k, name in enumerate(FEATURES)}
    out[:, col["words"]] = rowdot(w.words, w.words, i, j)
    out[:, col["names"]] = rowdot(w.names, w.names, i, j)
    out[:, col["title_words"]] = rowdot(vecs.title_words, vecs.title_words, i, j)
    out[:, col["title_chars"]] = rowdot(vecs.title_chars, vecs.title_chars, i, j)
    named = w.names.copy()
    named.data[:] = 1.0
    out[:, col["shared_names"]] = np.log1p(rowdot(named, named, i, j))
    shared = np.array([len(prof.numbers[a] & prof.numbers[b]) for a, b in zip(i, j)])
    both = np.array([bool(prof.numbers[a]) and bool(prof.numbers[b]) for a, b in zip(i, j)])
    out[:, col["title_numbers_shared"]] = shared
    out[:, col["title_numbers_conflict"]] = both & (shared == 0)
    gap = np.abs(w.ts[i] - w.ts[j])
    out[:, col["undated"]] = np.isnan(gap)
    out[:, col["hours"]] = np.log1p(np.nan_to_num(gap, nan=86400.0) / 3600.0)
    feed = w.feed if w.feed is not None else -1 - np.arange(len(w.ts))
    out[:, col["same_feed"]] = (feed[i] == feed[j]) & (feed[i] >= 0)
    out[:, col["same_outlet"]] = (prof.outlet[i] == prof.outlet[j]) & (prof.outlet[i] >= 0)
    out[:, col["both_body"]] = w.has_body[i] & w.has_body[j]
    out[:, col["no_body"]] = ~w.has_body[i] & ~w.has_body[j]
    ci, cj = prof.cjk[i] > 0.3, prof.cjk[j] > 0.3
    out[:, col["cjk_both"]] = ci & cj
    out[:, col["cjk_one"]] = ci ^ cj
    out[:, col["english_gap"]] = np.abs(prof.english[i] - prof.english[j])
    si, sj = np.log(vecs.skeleton_count[i]), np.log(vecs.skeleton_count[j])
    out[:, col["skeleton_max"]] = np.maximum(si, sj)
    out[:, col["skeleton_min"]] = np.minimum(si, sj)
    di, dj = np.log1p(degree[i]), np.log1p(degree[j])
    out[:, col["degree_max"]] = np.maximum(di, dj)
    out[:, col["degree_min"]] = np.minimum(di, dj)
    ri, rj = np.log1p(rank_ij), np.log1p(rank_ji)
    out[:, col["rank_max"]] = np.maximum(ri, rj)
    out[:, col["rank_min"]] = np.minimum(ri, rj)
    li, lj = prof.title_len[i], prof.title_len[j]
    out[:, col["title_len_min"]] = np.log1p(np.minimum(li, lj))
    out[:, col["title_len_ratio"]] = np.minimum(li, lj) / np.maximum(np.maximum(li, lj), 1.0)
    out[:, col["sounds"]] = rowdot(vecs.sounds, vecs.sounds, i, j)
    heard = prof.sounds.copy()
    heard.data[:] = 1.0
    out[:, col["sounds_shared"]] = np.log1p(rowdot(heard, heard, i, j))
    out[:, col["other_language"]] = other_language(prof, i, j)
    named = [(prof.title_names[a], prof.title_names[b]) for a, b in zip(i.tolist(), j.tolist())]
    out[:, col["title_names_shared"]] = [len(x & y) for x, y in named]
    out[:, col["title_names_conflict"]] = [bool(x) and bool(y) and not x & y for x, y in named]
    return out


def other_language(prof: Profiles, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs of which one is in another script or reads far less English than the other."""
    return (((prof.cjk[i] > 0.3) != (prof.cjk[j] > 0.3))
            | (np.abs(prof.english[i] - prof.english[j]) > OTHER_LANGUAGE_GAP))
