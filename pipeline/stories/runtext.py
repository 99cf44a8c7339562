"""What the articles of one run say about each other's text: site suffixes (learned as at
ingest, pipeline.ingest.suffixes, for lines given to `cluster` directly) and shared furniture.

A sentence found in the bodies of several articles that open differently is furniture the run
shares (a generated-content disclaimer, a newsletter sign-up, a wire service's standard note):
copies of one story open the same way, so a whole syndicated text is never taken for one.

Both are learned from the run itself, so no list of sites or sentences is kept. Pure functions.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Sequence

from pipeline.ingest.suffixes import site_suffixes, strip_suffix
from pipeline.model import Article

# A sentence of at least this many words, found in articles with at least this many different
# openings, is furniture of the run. Quotes shared by two or three write-ups of one event stay:
# AllSides stories have at most three outlets and the figures did not move between 4 and 6.
SHARED_MIN_WORDS = 5
SHARED_MIN_OPENINGS = 4

# Sentence breaks: the spaces after an end mark, or a line break. Found as the end mark and the
# spaces after it (group 1) rather than with a look-behind, which the engine tries at every
# character: the same pieces as re.split(r"(?<=[.!?。！？])\s+|\n+"), in 0.48 s instead of 0.66 s
# for the 12,847 distinct bodies of the 300-feed bench.
_SENTENCE = re.compile(r"[.!?。！？](\s+)|\n+")
_NORM = re.compile(r"\W+", re.UNICODE)


def _key(sentence: str) -> str:
    return _NORM.sub(" ", sentence.lower()).strip()


def _sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE.finditer(text):
        a, b = m.span(1) if m.group(1) is not None else m.span()
        out.append(text[start:a])
        start = b
    out.append(text[start:])
    return [s for s in out if s.strip()]


def _keyed(text: str, keys: dict[str, str]) -> list[tuple[str, str]]:
    """The text's sentences with their keys; `keys` remembers the key of each sentence seen
    (300-feed bench: 366k sentences in the run's bodies, 19k distinct)."""
    out = []
    for s in _sentences(text):
        k = keys.get(s)
        if k is None:
            k = keys[s] = _key(s)
        out.append((s, k))
    return out


def _shared(bodies: Sequence[list[tuple[str, str]]]) -> frozenset[str]:
    openings: dict[str, set[str]] = defaultdict(set)
    long_enough: dict[str, bool] = {}
    for sents in bodies:
        if len(sents) < 2:
            continue
        first = sents[0][1]
        for s in {k for _, k in sents[1:]}:
            if s not in long_enough:
                long_enough[s] = len(s.split()) >= SHARED_MIN_WORDS
            if long_enough[s] and s != first:
                openings[s].add(first)
    return frozenset(s for s, firsts in openings.items() if len(firsts) >= SHARED_MIN_OPENINGS)


def shared_sentences(texts: Sequence[str]) -> frozenset[str]:
    """Keys of sentences that bodies with SHARED_MIN_OPENINGS different openings all carry."""
    keys: dict[str, str] = {}
    return _shared([_keyed(t, keys) for t in dict.fromkeys(texts)])   # a copy adds no opening


def drop_sentences(text: str, shared: frozenset[str]) -> str:
    if not shared:
        return text
    kept = [s for s in _sentences(text) if _key(s) not in shared]
    return "\n".join(kept)


def clean_run(articles: Sequence[Article]) -> list[Article]:
    """The articles with learned site suffixes and run-wide furniture removed (for features).
    Each distinct body is split and keyed once (copies of one article repeat it)."""
    suffixes = site_suffixes(a.title for a in articles)
    keys: dict[str, str] = {}
    bodies = {t: _keyed(t, keys) for t in dict.fromkeys(a.text for a in articles)}
    shared = _shared(list(bodies.values()))
    if not suffixes and not shared:
        return list(articles)
    cleaned = {t: "\n".join(s for s, k in sents if k not in shared) for t, sents in bodies.items()
               } if shared else {}
    del bodies, keys
    out = []
    for a in articles:
        title = strip_suffix(a.title, suffixes) if suffixes else a.title
        text = cleaned[a.text] if shared else a.text
        out.append(a if (title, text) == (a.title, a.text) else replace(a, title=title, text=text))
    return out
