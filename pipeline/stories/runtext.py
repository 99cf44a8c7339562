"""What the articles of one run say about each other's text: site suffixes and shared furniture.

A trailing " - X" of a few words that ends several titles of the run is the name of a site or an
aggregator's source ("... - Reuters", "... - MSN", "... - ロイター"), not part of the headline.
A sentence found in the bodies of several articles that open differently is furniture the run
shares (a generated-content disclaimer, a newsletter sign-up, a wire service's standard note):
copies of one story open the same way, so a whole syndicated text is never taken for one.

Both are learned from the run itself, so no list of sites or sentences is kept. Pure functions.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Iterable, Sequence

from pipeline.model import Article

# A trailing segment ending at least this many different titles of a run is a site name. Two
# titles may share a real ending ("... - analysis"); on the wire day every site suffix ended 4 or
# more titles (" - Reuters" 120, " - MSN" 25, " - Bloomberg Línea" 16).
SUFFIX_MIN_TITLES = 3
SUFFIX_MAX_WORDS = 4      # "Bloomberg Línea", "The Economic Times", "Noticias de la bolsa"
SUFFIX_MAX_CHARS = 40
# A sentence of at least this many words, found in articles with at least this many different
# openings, is furniture of the run. Quotes shared by two or three write-ups of one event stay:
# AllSides stories have at most three outlets and the figures did not move between 4 and 6.
SHARED_MIN_WORDS = 5
SHARED_MIN_OPENINGS = 4

_SEPARATOR = re.compile(r"\s+[-|–—]\s+")
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_NORM = re.compile(r"\W+", re.UNICODE)


def _tail(title: str) -> str | None:
    parts = _SEPARATOR.split(title)
    if len(parts) < 2:
        return None
    tail = parts[-1].strip()
    if not tail or len(tail) > SUFFIX_MAX_CHARS or len(tail.split()) > SUFFIX_MAX_WORDS:
        return None
    return tail


def site_suffixes(titles: Iterable[str]) -> frozenset[str]:
    """Trailing segments that end at least SUFFIX_MIN_TITLES different titles."""
    seen: dict[str, set[str]] = defaultdict(set)
    for t in titles:
        tail = _tail(t)
        if tail:
            seen[tail].add(t)
    return frozenset(s for s, ts in seen.items() if len(ts) >= SUFFIX_MIN_TITLES)


def strip_suffix(title: str, suffixes: frozenset[str]) -> str:
    """`title` without a learned site suffix (twice: "... - Markets - Reuters")."""
    for _ in range(2):
        tail = _tail(title)
        if tail is None or tail not in suffixes:
            break
        head = title[: title.rfind(tail)].rstrip()
        head = _SEPARATOR.sub(" - ", head).rstrip(" -|–—")
        if len(head) < 10:
            break
        title = head
    return title


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
