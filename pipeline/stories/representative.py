"""The story's representative article: the member its headline and summary are built on.

A story is told from its best single source first: central to the story, clean, with a real
headline and a lead that reads as news, in the digest's language, from a publisher rather than an
aggregator. choose_headline scores every member title; the bonus here adds what the title alone
does not show (the lead to build the summary on, the outlet), so that the title chosen is that of
the article the summary opens with.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from pipeline.ingest.normalize import detect_language
from pipeline.model import Article, Story
from pipeline.stories.members import DocGroup
from pipeline.stories.quality import unusable
from pipeline.stories.quotable import usable_sentence
from pipeline.stories.sentences import bag, cosine

# Hosts and outlet names that pass other publishers' stories on: a redirect or a pool, never the
# publisher's own page.
AGGREGATOR_HOSTS = ("news.google.", "news.yahoo.", "msn.com", "flipboard.com", "feedproxy.google.",
                    "bing.com", "newsnow.", "ground.news", "smartnews.")
_AGGREGATOR_NAME = re.compile(r"(?i)\bgoogle\s+news\b|\bresource\s+pool\b|\bnews\s+aggregat|\bmsn\b"
                              r"|\bnewsnow\b|\bflipboard\b")
# A member whose lead gives two usable sentences to build the summary on is worth this much more
# than a title alone (titles score about 1.0-2.0); one sentence half of it. An aggregator's copy
# loses the same to the publisher's. allsides-dev (--given story) headline ROUGE-1: 0.2 -> see
# bench/summary_quality.py figures in the README.
LEAD_BONUS = 0.2
AGGREGATOR_PENALTY = 0.2
# How much a central lead (cosine of its first two usable sentences to the group's centroid)
# weighs in the choice. allsides-dev (--given story) ROUGE-1 headline / summary: 0 45.33 / 39.42,
# 0.5 44.94 / 39.76, 1 44.85 / 40.07, 2 44.36 / 40.20.
W_LEAD_CENTRAL = 1.0


def is_aggregator(article: Article) -> bool:
    """Whether the article reached us through an aggregator (its link a redirect or a pool's)."""
    return any(aggregated(url, article.source) for url in (article.link, article.url))


def aggregated(url: str | None, outlet: str | None = None) -> bool:
    """Whether a link (or the outlet that gave it) is an aggregator's, not the publisher's."""
    host = (urlsplit(url).hostname or "") if url else ""
    if host and any(h in host + "/" for h in AGGREGATOR_HOSTS):
        return True
    return bool(outlet and _AGGREGATOR_NAME.search(outlet))


def language_of(articles: Iterable[Article | Story]) -> str | None:
    """The language most of the articles (or stories) are in, of those whose language is known;
    ties to the first in alphabetical order; else None."""
    counts = Counter(_primary(a.language) for a in articles if a.language)
    if not counts:
        return None
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _primary(tag: str) -> str:
    return tag.strip().lower().replace("_", "-").split("-")[0]


def in_language(articles: Iterable[Article], language: str | None) -> set[str] | None:
    """The ids of the articles in `language` (or of unknown language); None (no restriction) when
    no language is given or none of them is in it."""
    if not language:
        return None
    want = _primary(language)
    ids = {a.id for a in articles
           if (_primary(a.language) == want if a.language else _may_be(a, want))}
    return ids or None


# Words of title and text from which the stop-word test tells English from other languages in
# Latin script (a feed that declares no language: Portuguese among English items).
LANGUAGE_SAMPLE_WORDS = 30


def _may_be(article: Article, want: str) -> bool:
    """An article of undeclared, undetected language may be in `want`, unless `want` is English
    and enough of its words fail the English stop-word test."""
    if want != "en":
        return True
    sample = f"{article.title}\n{article.text[:600]}"
    if len(sample.split()) < LANGUAGE_SAMPLE_WORDS:
        return True
    return detect_language(sample) == "en"


def article_bonus(group: DocGroup, allowed: set[str] | None) -> dict[str, float]:
    """Per article id, what choose_headline adds to its title's score: LEAD_BONUS for a lead of
    two usable sentences (half for one), less AGGREGATOR_PENALTY for an aggregator's copy."""
    bonus: dict[str, float] = {}
    for d in group.docs:
        if allowed is not None and d.article.id not in allowed:
            continue
        usable = [s for s in d.lead[:3] if usable_sentence(s, d.title) and not unusable(s)]
        value = LEAD_BONUS * min(len(usable), 2) / 2
        if usable:
            value += W_LEAD_CENTRAL * cosine(bag(" ".join(usable[:2])), group.centroid, group.centroid_norm)
        if is_aggregator(d.article):
            value -= AGGREGATOR_PENALTY
        bonus[d.article.id] = value
    return bonus
