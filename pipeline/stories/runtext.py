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

_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_NORM = re.compile(r"\W+", re.UNICODE)


def _key(sentence: str) -> str:
    return _NORM.sub(" ", sentence.lower()).strip()


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def shared_sentences(texts: Sequence[str]) -> frozenset[str]:
    """Keys of sentences that bodies with SHARED_MIN_OPENINGS different openings all carry."""
    openings: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for text in texts:
        sents = _sentences(text)
        if len(sents) < 2:
            continue
        first = _key(sents[0])
        for s in set(map(_key, sents[1:])):
            if len(s.split()) >= SHARED_MIN_WORDS and s != first:
                openings[s].add(first)
                counts[s] += 1
    return frozenset(s for s, firsts in openings.items() if len(firsts) >= SHARED_MIN_OPENINGS)


def drop_sentences(text: str, shared: frozenset[str]) -> str:
    if not shared:
        return text
    kept = [s for s in _sentences(text) if _key(s) not in shared]
    return "\n".join(kept)


def clean_run(articles: Sequence[Article]) -> list[Article]:
    """The articles with learned site suffixes and run-wide furniture removed (for features)."""
    suffixes = site_suffixes(a.title for a in articles)
    shared = shared_sentences([a.text for a in articles])
    if not suffixes and not shared:
        return list(articles)
    out = []
    for a in articles:
        title = strip_suffix(a.title, suffixes) if suffixes else a.title
        text = drop_sentences(a.text, shared) if shared else a.text
        out.append(a if (title, text) == (a.title, a.text) else replace(a, title=title, text=text))
    return out
