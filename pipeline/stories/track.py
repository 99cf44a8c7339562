"""Stories across runs: cluster the window's articles, keep each story's id from one run to the
next, apply the reviewers' split and merge overrides, and build the Story records.

Pure: takes articles, the stored memberships and overrides; returns Stories. The run stores them.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping, Sequence

from pipeline.model import Article, Member, Story
from pipeline.ingest.normalize import stable_id
from pipeline.workers import worker_pool

log = logging.getLogger(__name__)

# A story that went out comes back as an update when it has at least this many new outlets,
# or any new key fact (a number, name or place that two sources now agree on).
UPDATE_MIN_NEW_OUTLETS = 2


@dataclass(frozen=True)
class Override:
    kind: str            # "split": article `a` leaves its story (with the others of batch `b`)
    a: str               # "merge": the stories of articles `a` and `b` become one
    b: str | None = None


def _apply_overrides(groups: list[list[Article]], members: dict[str, Member],
                     overrides: Sequence[Override]) -> list[list[Article]]:
    """Reviewer decisions, in the order they were made, on top of the clustering."""
    groups = [list(g) for g in groups]
    where = {a.id: i for i, g in enumerate(groups) for a in g}
    batches: dict[str | None, int] = {}
    for o in overrides:
        if o.kind == "split" and o.a in where:
            art = next(a for a in groups[where[o.a]] if a.id == o.a)
            groups[where[o.a]].remove(art)
            if o.b not in batches:  # articles split in one batch become one new story
                batches[o.b] = len(groups)
                groups.append([])
            groups[batches[o.b]].append(art)
            where[o.a] = batches[o.b]
            members[o.a] = Member(o.a, "split by reviewer", 1.0)
        elif o.kind == "merge" and o.a in where and o.b in where and where[o.a] != where[o.b]:
            keep, gone = sorted((where[o.a], where[o.b]))
            for art in groups[gone]:
                where[art.id] = keep
            first = groups[gone][0].id if groups[gone] else None
            if first:
                members[first] = Member(first, "merged by reviewer", 1.0, duplicate_of=o.a)
            groups[keep] += groups[gone]
            groups[gone] = []
    return [g for g in groups if g]


def assign_ids(groups: Sequence[Sequence[Article]], previous: Mapping[str, str],
               split: frozenset[str] = frozenset()) -> list[str]:
    """Each group keeps the id of the stored story most of its articles came from (a stored id
    goes to one group only, the largest); other groups get a new id from their earliest article.
    Articles a reviewer split out (`split`) claim their old story's id only after every article
    that stayed: the part that stays keeps the story, however many articles left it."""
    claims: list[tuple[int, int, int, str]] = []
    for i, g in enumerate(groups):
        stayed = Counter(previous[a.id] for a in g if a.id in previous and a.id not in split)
        left = Counter(previous[a.id] for a in g if a.id in previous and a.id in split)
        for sid in stayed.keys() | left.keys():
            claims.append((stayed[sid], left[sid], i, sid))
    claims.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, i, sid in claims:
        if i not in ids and sid not in taken:
            ids[i] = sid
            taken.add(sid)
    out = []
    for i, g in enumerate(groups):
        if i in ids:
            out.append(ids[i])
            continue
        first = min(g, key=lambda a: (a.published.isoformat() if a.published else "", a.id))
        sid = stable_id("story", first.id)
        if sid in taken or sid in previous.values():
            sid = stable_id("story", *sorted(a.id for a in g))
        taken.add(sid)
        out.append(sid)
    return out


def group_articles(articles: Sequence[Article], index, *, stored: Mapping[str, Story],
                   window_start: datetime) -> tuple[list[list[Article]], dict[str, Member]]:
    """The window's articles in stories, through the persistent StoryIndex: articles it knows
    keep their story; only new ones are compared and placed (1,000 into 100k: ~2.4 s, see
    bench/cluster_scale.py). The index is updated in place."""
    index.prune(window_start)
    new = [a for a in articles if index.story_of(a.id) is None]
    members = {m.article_id: m for s in stored.values() for m in s.members}
    for p in index.add(new) if new else ():
        members[p.article_id] = p.member
    by_id = {a.id: a for a in articles}
    groups = []
    for _, ids in sorted(index.members().items()):
        group = [by_id[i] for i in ids if i in by_id]
        if group:
            groups.append(sorted(group, key=lambda a: (a.published.isoformat() if a.published else "", a.id)))
    return groups, members


def build_stories(articles: Sequence[Article], *, previous: Mapping[str, str],
                  stored: Mapping[str, Story], overrides: Sequence[Override], now: datetime,
                  index=None, window_start: datetime | None = None,
                  language: str | None = None) -> list[Story]:
    """Group (incrementally with `index`, else from scratch), apply overrides, keep ids, and
    build each Story (reusing an unchanged stored one), told in `language`."""
    from pipeline.stories.group import StoryIndex

    index = index if index is not None else StoryIndex()
    groups, members = group_articles(articles, index, stored=stored,
                                     window_start=window_start or datetime.min.replace(tzinfo=now.tzinfo))
    if overrides:
        groups = _apply_overrides(groups, members, overrides)
    ids = assign_ids(groups, previous, frozenset(o.a for o in overrides if o.kind == "split"))
    stories: list[Story | None] = []
    jobs: list[tuple[int, tuple]] = []
    for sid, g in zip(ids, groups):
        old = stored.get(sid)
        if old is not None and {m.article_id for m in old.members} == {a.id for a in g}:
            stories.append(old)  # nothing joined or left: the stored record stands
            continue
        ms = [members.get(a.id) or Member(a.id, "seed", 1.0) for a in g]
        jobs.append((len(stories), (g, ms, sid, old.first_seen if old else None, now,
                                    sorted({t for a in g for t in a.tags}), language)))
        stories.append(None)
    # Each story is a pure function of its articles: build them on every core when there are many.
    if len(jobs) >= PARALLEL_MIN_STORIES and (os.cpu_count() or 1) > 1:
        with worker_pool() as pool:
            built = list(pool.map(_build, [job for _, job in jobs], chunksize=4))
    else:
        built = [_build(job) for _, job in jobs]
    for (i, _), story in zip(jobs, built):
        stories[i] = story
    return stories  # type: ignore[return-value]


# Below this many stories to build, a process pool costs more than it saves.
PARALLEL_MIN_STORIES = 24


def _build(job: tuple) -> Story:
    from pipeline.stories.merge import build_story

    articles, members, sid, first_seen, now, tags, language = job
    return build_story(articles, members, story_id=sid, first_seen=first_seen, now=now, tags=tags,
                       language=language)


def as_update(story: Story, delivered_outlets: set[str], delivered_facts: set[str]) -> Story | None:
    """The story marked as an update if it gained substantial coverage since it went out; else None."""
    new_outlets = [o for o in story.outlets if o not in delivered_outlets]
    new_facts = [f for f in story.key_facts if f not in delivered_facts]
    if len(new_outlets) < UPDATE_MIN_NEW_OUTLETS and not new_facts:
        return None
    whats_new = tuple([f"new coverage: {o}" for o in new_outlets] + [f"new fact: {f}" for f in new_facts])
    return replace(story, is_update=True, whats_new=whats_new)
