"""Site suffixes learned per run: a trailing " - X" of a few words that ends several titles of
one run is the name of a site or an aggregator's source ("... - Reuters", "... - MSN",
"... - ロイター"), not part of the headline. Learned from the run itself; no list of sites."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Iterable, Sequence

from pipeline.model import Article

# A trailing segment ending at least this many different titles of a run is a site name. Two
# titles may share a real ending ("... - analysis"); on the wire day every site suffix ended 4 or
# more titles (" - Reuters" 120, " - MSN" 25, " - Bloomberg Línea" 16).
SUFFIX_MIN_TITLES = 3
SUFFIX_MAX_WORDS = 4      # "Bloomberg Línea", "The Economic Times", "Noticias de la bolsa"
SUFFIX_MAX_CHARS = 40
_SEPARATOR = re.compile(r"\s+[-|–—]\s+")


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


def strip_site_suffixes(articles: Sequence[Article]) -> list[Article]:
    """The run's articles with the learned site suffixes taken off their titles."""
    suffixes = site_suffixes(a.title for a in articles)
    if not suffixes:
        return list(articles)
    out = []
    for a in articles:
        title = strip_suffix(a.title, suffixes)
        out.append(a if title == a.title else replace(a, title=title))
    return out
