"""Ranking and selection of stories for one digest.

score = coverage x weight x recency (+ a large bonus for reviewer pins), where
- coverage = 1 + log2(distinct outlets): five outlets beat one, fifty do not bury everything else;
- weight   = mean configured weight of the sources' feeds;
- recency  = 0.5 ** (hours since the story was last updated / RECENCY_HALF_LIFE_H);
- cohesion = COHESION_FLOOR + (1 - COHESION_FLOOR) x the share of its sources whose title shares
  an event's words with another source's title: a group of different events sinks;
- a story with no summary (a title alone) keeps UNTOLD_SHARE of its score.
Of two stories whose headlines tell the same event (the grouping split it), only the better one
is selected.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from pipeline.model import Article, Story
from pipeline.stories.tokens import tokens

if TYPE_CHECKING:
    from pipeline.config import Settings

RECENCY_HALF_LIFE_H = 24.0
PIN_BONUS = 1000.0
# Two titles tell one event when they share at least this many content tokens (stems, stop words
# out): "Tanker runs aground at Valdora" / "Valdora port shut after tanker grounding" share two.
COHESION_SHARED_TOKENS = 2
# A story none of whose titles agree keeps this share of its score (half: coverage by many
# outlets of a mixed group must not outrank a clean story of a few).
COHESION_FLOOR = 0.5
# A story with no summary in the digest's language (headlines only, or text in another) keeps this
# share of its score: a card of a title alone tells the reader least.
UNTOLD_SHARE = 0.5
# Two selected stories whose headlines overlap this much (Jaccard of content tokens) are one event.
SAME_EVENT_JACCARD = 0.6


@dataclass(frozen=True)
class Ranked:
    story: Story
    score: float
    section: str | None = None


def _text_of(story: Story) -> str:
    return "\n".join([story.headline, story.summary_text, *(s.title for s in story.sources)])


def passes(story: Story, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Keyword or regular-expression rules of a digest: any include (if given), no exclude."""
    text = _text_of(story)
    if include and not any(re.search(p, text, re.IGNORECASE) for p in include):
        return False
    return not any(re.search(p, text, re.IGNORECASE) for p in exclude)


def _title_tokens(title: str) -> frozenset[str]:
    return frozenset(tokens(title))


def cohesion(story: Story) -> float:
    """Share of the sources whose title shares an event's words with another source's title
    (1.0 for a story of one or two sources that agree, or of one source)."""
    titles = list(dict.fromkeys(s.title for s in story.sources if s.title))
    if len(titles) < 2:
        return 1.0
    sets = [_title_tokens(t) for t in titles]
    agree = sum(any(len(a & b) >= COHESION_SHARED_TOKENS for j, b in enumerate(sets) if j != i)
                for i, a in enumerate(sets))
    return agree / len(sets)


def same_event(a: Story, b: Story) -> bool:
    ta, tb = _title_tokens(a.headline), _title_tokens(b.headline)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= SAME_EVENT_JACCARD


def score(story: Story, *, now: datetime, weights: Mapping[str, float] | None = None,
          pinned: bool = False) -> float:
    outlets = len(story.outlets) or 1
    coverage = 1.0 + math.log2(outlets)
    ws = [weights.get(s.article_id, 1.0) for s in story.sources] if weights else []
    weight = sum(ws) / len(ws) if ws else 1.0
    updated = story.last_updated or story.first_seen or now
    hours = max(0.0, (now - updated).total_seconds() / 3600)
    recency = 0.5 ** (hours / RECENCY_HALF_LIFE_H)
    together = COHESION_FLOOR + (1.0 - COHESION_FLOOR) * cohesion(story)
    told = 1.0 if story.summary else UNTOLD_SHARE
    return coverage * weight * recency * together * told + (PIN_BONUS if pinned else 0.0)


def select(stories: Iterable[Story], *, now: datetime, top_n: int = 10,
           weights: Mapping[str, float] | None = None, pins: Iterable[str] = (),
           include: Sequence[str] = (), exclude: Sequence[str] = (),
           sections: Sequence[str] = ()) -> list[Ranked]:
    """The top N stories, best first; with sections, grouped in the configured tag order
    (stories with no section tag last)."""
    pinned = set(pins)
    ranked = [Ranked(s, score(s, now=now, weights=weights, pinned=s.id in pinned))
              for s in stories if s.id in pinned or passes(s, include, exclude)]
    ranked.sort(key=lambda r: (-r.score, r.story.id))
    chosen: list[Ranked] = []
    for r in ranked:
        if len(chosen) == top_n:
            break
        if r.story.id not in pinned and any(same_event(r.story, c.story) for c in chosen):
            continue                      # the same event again: the better-ranked one stands
        chosen.append(r)
    if not sections:
        return chosen
    order = {t: i for i, t in enumerate(sections)}

    def section_of(r: Ranked) -> str | None:
        return min((t for t in r.story.tags if t in order), key=order.get, default=None)

    out = [Ranked(r.story, r.score, section_of(r)) for r in chosen]
    out.sort(key=lambda r: (order.get(r.section, len(order)) if r.section else len(order), -r.score, r.story.id))
    return out


# --- one digest's choice -------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    chosen: list[Story]
    left_out: tuple[tuple[str, int], ...]   # (reason, stories) for every filter that dropped some


def digest_language(settings: "Settings", read: Iterable[Article], stored: Iterable[Story]) -> str:
    """`language` from the config, else the language of most articles read this run, else of
    most stored stories, else DEFAULT_LANGUAGE."""
    from pipeline.config import DEFAULT_LANGUAGE
    from pipeline.stories.representative import language_of

    # A stored story has a `language` as an article has: one majority rule for both.
    return settings.language or language_of(read) or language_of(stored) or DEFAULT_LANGUAGE


def select_stories(stories: list[Story], dates: dict[str, tuple[datetime | None, float]],
                   sent: dict, settings: "Settings",
                   now: datetime, *, digest: str) -> Selection:
    """Recent stories not already sent (unless they come back as updates), by the digest's rules;
    counts what each filter left out, so an empty digest can say why."""
    from pipeline.stories.track import as_update

    sent = {sid: v for sid, v in sent.items() if v[2] != digest}
    cutoff = now - timedelta(hours=settings.max_age_hours)
    candidates: list[Story] = []
    old = went_out = foreign = 0
    want = (settings.language or "").split("-")[0].lower()
    for s in stories:
        if want and s.language and s.language != want:
            foreign += 1       # told in another language: not for this digest
            continue
        if not any((dates[m.article_id][0] or now) >= cutoff
                   for m in s.members if m.article_id in dates):
            old += 1
            continue
        if s.id in sent:
            s = as_update(s, sent[s.id][0], sent[s.id][1])
            if s is None:
                went_out += 1
                continue
        candidates.append(s)
    ruled_out = sum(not passes(s, settings.include, settings.exclude) for s in candidates)
    ranked = select(candidates, now=now, top_n=settings.top_n,
                    weights={i: w for i, (_, w) in dates.items()},
                    include=settings.include, exclude=settings.exclude, sections=settings.sections)
    left_out = tuple((reason, n) for reason, n in (
        ("age", old), ("already sent", went_out), ("include/exclude", ruled_out),
        ("other language", foreign)) if n)
    return Selection([r.story for r in ranked], left_out)
