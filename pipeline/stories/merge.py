"""One group of articles about one event -> one Story record.

Everything is a pure function of the articles and members given: no I/O, no clock (``now`` is
passed in), and the same articles in any order give the same Story (``members`` are kept in the
order given: they are the clusterer's record). The articles are first put in source order
(earliest published first, then outlet, url, id) and every later choice breaks ties on text or
ids, never on input order.

- ``headline`` (stories/headline.py): the member title most representative of the group and
  worded as the other titles word it, site names and labels off, a trailing clause dropped past
  12 words, after penalties for questions, teasers, credits, capitals, length, artefacts and
  speculation; the score is written out in ``choose_headline``.
- ``summary`` (stories/summary.py, stories/quality.py): two or three of the sources' own lead
  sentences about the headline's event, the cleanest copy of each, never a paywall, byline,
  markup or caption sentence; each paired with the id of an article whose text (or feed
  summary, for items without text) holds it (a dateline or glued headline taken off its front).
- ``key_facts`` / ``disputed`` (stories/facts.py): numbers with their noun, and names, that at
  least two outlets state (never an outlet); the same measure given differently by outlets'
  latest articles, hedges as written.
- ``image`` (stories/image.py): the lead image of the headline's article, else of the member
  closest to the centroid that has one.
- ``entities``: names (runs of capitalized words) supported by at least two articles;
  ``keywords``: content words weighted by how many articles use them and how often.

There is no background corpus: "central" means close to the group's own centroid of titles and
leads, so a sentence that several outlets would agree with wins over one outlet's odd wording.
"""
from __future__ import annotations

import heapq
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from pipeline.ingest.normalize import clean_title, is_date_only, stable_id
from pipeline.model import Article, Member, SourceRef, Story
from pipeline.stories.facts import find_facts
from pipeline.stories.tokens import STOP_WORDS, stem
from pipeline.stories.headline import choose_headline
from pipeline.stories.image import choose_image
from pipeline.stories.members import Doc, DocGroup
from pipeline.stories.representative import article_bonus, in_language, language_of
from pipeline.stories.sentences import WORD, squash
from pipeline.stories.summary import choose_summary

log = logging.getLogger(__name__)

ENTITIES_LIMIT = 8
KEYWORDS_LIMIT = 8


LISTED_TITLE_WORDS = 14


def _opening(d: Doc) -> str:
    """The first words of an article's text, for a title that is no title."""
    words = (d.lead or d.sentences or [d.title])[0].split()
    return " ".join(words[:LISTED_TITLE_WORDS]) + ("\u2026" if len(words) > LISTED_TITLE_WORDS else "")


def story_id_for(articles: Sequence[Article]) -> str:
    """A story id that survives new members: a hash of the earliest article's id (earliest by
    published, undated last, ties by id)."""
    if not articles:
        raise ValueError("a story needs at least one article")
    first = min(articles, key=lambda a: (a.published is None, a.published or datetime.min, a.id))
    return stable_id("story", first.id)


def build_story(articles: Sequence[Article], members: Sequence[Member], *,
                story_id: str | None = None, first_seen: datetime | None = None,
                now: datetime | None = None, tags: Sequence[str] = (),
                language: str | None = None) -> Story:
    """Merge one group of articles (as clustered, with the members explaining each join) into a
    Story. ``members`` are kept as given; when none are given the earliest article is the
    "seed" and the others join as "same story"."""
    if not articles:
        raise ValueError("a story needs at least one article")
    by_id: dict[str, Article] = {}
    for a in sorted(articles, key=lambda a: (_source_order(a), a.title, a.text)):
        by_id.setdefault(a.id, a)       # one article per id, whatever order they came in
    ordered = list(by_id.values())
    if not members:
        members = [Member(a.id, "seed" if i == 0 else "same story") for i, a in enumerate(ordered)]
    docs = [Doc.of(a) for a in _analysed(ordered)]
    group = DocGroup.of(docs)
    # The text is told in the digest's language (else the story's own): an article in another
    # one never gives the headline or the summary while one in it can.
    language = language or language_of(ordered)
    allowed = in_language([d.article for d in docs], language)
    headline, headline_doc = choose_headline(group, allowed, article_bonus(group, allowed))
    facts = find_facts(group, allowed, headline)
    summary = choose_summary(group, headline, facts, headline_doc, allowed)
    told = allowed if allowed is not None else {a.id for a in ordered}
    # Dated by its articles (a date the feed gave), never by the run that first saw them.
    published = [a.published for a in ordered if a.published and not a.published_guessed]
    seen = [a.published for a in ordered if a.published]
    # A title that only dates its page ("Updated: November 11, 2011 20:09 IST") is listed by the
    # start of its text instead: entries a reader can tell apart.
    titles = {d.article.id: _opening(d) if is_date_only(d.title) else d.title for d in docs}
    tag_union = dict.fromkeys(tags)
    tag_union.update(dict.fromkeys(sorted({t for a in ordered for t in a.tags})))
    log.debug("story of %d articles: %r from %s", len(docs), headline, headline_doc)
    return Story(
        id=story_id or story_id_for(articles),
        headline=headline,
        summary=summary,
        sources=tuple(SourceRef(a.source, a.url, titles.get(a.id) or clean_title(
            a.title, outlet=a.source, url=a.url) or a.title.strip(), a.published, a.id)
            for a in ordered),
        members=tuple(members),
        first_seen=first_seen or (min(seen) if seen else None),
        last_updated=max(published) if published else None,
        key_facts=facts.key_facts,
        disputed=facts.disputed,
        entities=entities(group),
        keywords=keywords(group),
        tags=tuple(tag_union),
        language=language_of(a for a in ordered if a.id in told),
        image=choose_image(ordered, group, headline_doc),
    )


# A story of hundreds of copies says nothing more in its 200th than in its 40th: headline,
# summary and facts are chosen from at most this many members (every outlet's earliest first,
# then the rest in source order), while every member is still listed as a source. Measured with
# bench/run_cycle.py (100 feeds x 50 items, stories of ~136 articles): building the stories took
# 18-27 s for 140 stories with no cap, about half of the whole first run; a member costs ~5 ms.
MAX_ANALYSED = 24


def _analysed(ordered: list[Article]) -> list[Article]:
    if len(ordered) <= MAX_ANALYSED:
        return ordered
    first_of_outlet: dict[str, Article] = {}
    for a in ordered:
        first_of_outlet.setdefault(squash(a.source or a.url or a.id), a)
    chosen = list(first_of_outlet.values())[:MAX_ANALYSED]
    picked = {a.id for a in chosen}
    chosen += [a for a in ordered if a.id not in picked][: MAX_ANALYSED - len(chosen)]
    keep = {a.id for a in chosen}
    return [a for a in ordered if a.id in keep]   # source order, as before


def _source_order(a: Article) -> tuple:
    return (a.published is None, a.published or datetime.min, a.source or "", a.url or "", a.id)


# --- entities and keywords -------------------------------------------------------------------------
def entities(group: DocGroup) -> tuple[str, ...]:
    """The most supported names (two articles or more when the story has two or more)."""
    return tuple(dict.fromkeys(group.names[k].display() for k in group.shared_names()))[:ENTITIES_LIMIT]


def keywords(group: DocGroup) -> tuple[str, ...]:
    """Content words (stop words out) scored by share of articles using them times log(1 + uses),
    shown in their most common lowercase form; numbers and words under three letters left out."""
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    # The title and each sentence on their own (no word spans the line breaks of title + "\n" +
    # body), each distinct one counted once with how often the group carries it: copies of one
    # article repeat sentences.
    carried: Counter[str] = Counter()
    for d in group.docs:
        pieces = (d.title, *d.sentences)
        carried.update(pieces)
        df.update(set().union(*(_keyword_forms(p)[1] for p in pieces)))
    for piece, times in carried.items():
        for k, lw, n in _keyword_forms(piece)[0]:
            tf[k] += n * times
            forms[k][lw] += n * times
    n = len(group.docs)
    # A form has one stem, so the first KEYWORDS_LIMIT stems give as many different forms: only
    # they are ranked out of all (nsmallest is sorted(...)[:n]).
    ranked = heapq.nsmallest(KEYWORDS_LIMIT, tf, key=lambda k: (-(df[k] / n) * math.log1p(tf[k]), k))
    return tuple(dict.fromkeys(
        min(forms[k].items(), key=lambda kv: (-kv[1], kv[0]))[0] for k in ranked))[:KEYWORDS_LIMIT]


# Texts whose keyword words are remembered (the title and sentences of the stories a process
# builds; 300-feed bench: 90k pieces read, 20.5k distinct).
# Each of the four caches of the merge (paragraphs, keyword texts, sentence quality, quantities)
# keeps 8,192 entries: on the 300-feed bench as many hits as 65,536 (e.g. quantities 22.2k
# misses vs 20.5k) for +17 MB of a process's peak (65,536: +81 MB); 4,096 missed 26k.
KEYWORD_TEXTS_CACHED = 1 << 13


@lru_cache(maxsize=KEYWORD_TEXTS_CACHED)
def _keyword_forms(text: str) -> tuple[tuple[tuple[str, str, int], ...], frozenset[str]]:
    """(stem, lowercase form, uses) of the keyword words of one text, and their stems."""
    uses: Counter[tuple[str, str]] = Counter()
    for w in WORD.findall(text):
        lw = w.lower().replace("’", "'")
        if len(lw) < 3 or not lw.isalpha() or lw in STOP_WORDS:
            continue
        k = stem(lw)
        if k in STOP_WORDS:
            continue
        uses[(k, lw)] += 1
    return tuple((k, lw, n) for (k, lw), n in uses.items()), frozenset(k for k, _ in uses)
