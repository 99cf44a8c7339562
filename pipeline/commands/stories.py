"""Commands over the stories in the state store: list, show, and a reviewer's corrections
(split, merge), which group and render again at once.

Thin like the rest of the CLI: read arguments, call one function, print its result.
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from pipeline.commands.common import print_table, safe, settings_of
from pipeline.commands.stages import _add
from pipeline.errors import NewsdeskError


def _find_story(store, key: str):
    from pipeline.history import load_stories

    stories = load_stories(store, include_closed=True)
    hits = [s for s in stories if s.id.startswith(key)]
    if not hits:
        raise NewsdeskError(f"no story with id {key!r} (see `newsdesk stories list`)")
    if len(hits) > 1:
        raise NewsdeskError(f"story id {key!r} is ambiguous: {', '.join(s.id for s in hits[:5])}")
    return hits[0]


def cmd_stories_list(args: argparse.Namespace) -> int:
    from pipeline.history import load_stories
    from pipeline.store import open_store_to_read

    settings = settings_of(args)
    with open_store_to_read(settings.state_dir) as store:
        stories = load_stories(store, include_closed=args.all)
    if args.json:
        from pipeline.history import story_to_json

        print(json.dumps([json.loads(story_to_json(story)) for story in stories[: args.limit]],
                         ensure_ascii=False))
        return 0
    rows = [(s.id[:10], str(len(s.sources)), str(len(s.outlets)),
             (s.last_updated.strftime("%Y-%m-%d %H:%M") if s.last_updated else "-"), s.headline[:70])
            for s in stories[: args.limit]]
    print_table(("ID", "ARTICLES", "OUTLETS", "UPDATED", "HEADLINE"), rows)
    return 0


def cmd_stories_show(args: argparse.Namespace) -> int:
    from pipeline.store import open_store_to_read

    settings = settings_of(args)
    with open_store_to_read(settings.state_dir) as store:
        s = _find_story(store, args.id)
    if args.json:
        from pipeline.history import story_to_json

        print(story_to_json(s))
        return 0
    out = [f"{s.id}  {s.headline}", ""]
    out += [f"  {sentence}" for sentence, _ in s.summary]
    if s.key_facts:
        out += ["", "key facts: " + "; ".join(s.key_facts)]
    if s.disputed:
        out += ["sources differ on: " + "; ".join(s.disputed)]
    out += ["", f"sources ({len(s.sources)}, {len(s.outlets)} outlets):"]
    why = {m.article_id: m for m in s.members}
    when_of = {src.article_id: src.published for src in s.sources}
    for src in s.sources:
        when = src.published.strftime("%Y-%m-%d %H:%M") if src.published else "?"
        out.append(f"  {src.article_id}  {when}  {src.outlet or '-'}  {src.title}")
        if src.url:
            out.append(f"      {src.url}")
        if args.why and src.article_id in why:
            m = why[src.article_id]
            if m.reason == "seed":
                text = "first article of the story"
            elif m.reason == "duplicate":
                text = f"duplicate of {m.duplicate_of} (score {m.score:.2f})"
            elif m.evidence:
                text = f"{m.reason}, model {m.score:.2f}" + (f", best match {m.duplicate_of}" if m.duplicate_of else "")
                text += "".join(f"; {e}" for e in m.evidence)
            else:
                text = f"{m.reason}, score {m.score:.2f}" + (f", best match {m.duplicate_of}" if m.duplicate_of else "")
            if m.shared and not m.evidence:
                text += "; shared: " + ", ".join(m.shared[:8])
            gap = _gap(src, when_of.get(m.duplicate_of)) if m.reason != "seed" else None
            if gap:
                text += f"; {gap} apart"
            out.append(f"      why: {text}")
    print(safe("\n".join(out)))
    return 0


def _gap(src, other) -> str | None:
    """How far apart in time an article and the one it matched were published ("3 h", "2 d")."""
    if src.published is None or other is None:
        return None
    hours = abs((src.published - other).total_seconds()) / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _members_by_prefix(story, keys: list[str]) -> list[str]:
    """The story's article ids named by `keys`, each a unique prefix (as story ids may be)."""
    ids = [m.article_id for m in story.members]
    found = []
    for key in keys:
        hits = [i for i in ids if i.startswith(key)]
        if not hits:
            raise NewsdeskError(f"not in story {story.id}: {key} (see `newsdesk stories show {story.id[:8]}`)")
        if len(hits) > 1:
            raise NewsdeskError(f"article id {key!r} is ambiguous in story {story.id}: {', '.join(hits[:5])}")
        found.append(hits[0])
    return list(dict.fromkeys(found))


def split_story(settings, story_key: str, article_keys: list[str], *, by: str | None) -> tuple[str, list[str]]:
    """Record the split of `article_keys` out of the story (prefixes allowed); returns the story's
    id and the articles moved out. The story keeps its id (pipeline.stories.track.assign_ids)."""
    import uuid

    from pipeline.history import add_override
    from pipeline.store import open_store

    with open_store(settings.state_dir) as store:
        story = _find_story(store, story_key)
        moved = _members_by_prefix(story, article_keys)
        if set(moved) == {m.article_id for m in story.members}:
            raise NewsdeskError("splitting every article out of a story leaves it as it is")
        batch = uuid.uuid4().hex[:8]
        for a in moved:
            add_override(store, "split", a, batch, by=by)
    return story.id, moved


def _regroup(settings) -> str:
    """Group and render again at once; one line saying what the digest became."""
    from pipeline.run import regroup

    report = regroup(settings)
    if not report.digest:
        return "no digest to render again (no story is selected)"
    return (f"drafts still in draft rendered again in {report.digest} "
            f"({report.drafts_written} written, {report.drafts_kept} kept as reviewed)")


def take_out(settings, story_key: str, article: str, *, by: str | None) -> str:
    """The review page's "take this source out": split one article out, render again at once."""
    split_story(settings, story_key, [article], by=by)
    return _regroup(settings)


def cmd_stories_split(args: argparse.Namespace) -> int:
    import os

    from pipeline.history import story_of_articles
    from pipeline.store import open_store

    settings = settings_of(args)
    sid, moved = split_story(settings, args.story, args.articles, by=args.by or os.environ.get("USER"))
    done = _regroup(settings)
    with open_store(settings.state_dir) as store:
        now_in = sorted(set(story_of_articles(store, moved).values()))
    print(f"story {sid} keeps its id; {len(moved)} article(s) moved out to story {', '.join(now_in) or '-'}")
    print(safe(done))
    return 0


def cmd_stories_merge(args: argparse.Namespace) -> int:
    import os

    from pipeline.history import add_override
    from pipeline.store import open_store

    settings = settings_of(args)
    with open_store(settings.state_dir) as store:
        a, b = _find_story(store, args.a), _find_story(store, args.b)
        if a.id == b.id:
            raise NewsdeskError("that is one story")
        add_override(store, "merge", a.members[0].article_id, b.members[0].article_id,
                     by=args.by or os.environ.get("USER"))
    done = _regroup(settings)
    print(f"stories {a.id} and {b.id} are one story now")
    print(safe(done))
    return 0


def register(sub: Any) -> None:
    grp = _add(sub, "stories", lambda a: (grp.print_help(), 0)[1], "stories in the state store",
               "newsdesk stories show 3f2a --why")
    ssub = grp.add_subparsers(dest="stories_command", metavar="ACTION")
    p = _add(ssub, "list", cmd_stories_list, "open stories, most recently updated first", "newsdesk stories list")
    p.add_argument("--all", action="store_true", help="closed stories too")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true", help="the stories as one JSON array")
    p = _add(ssub, "show", cmd_stories_show, "one story: summary, facts and sources",
             "newsdesk stories show 3f2a --why")
    p.add_argument("id", help="story id (a unique prefix is enough)")
    p.add_argument("--why", action="store_true", help="say why each article joined")
    p.add_argument("--json", action="store_true", help="the story as one JSON object")
    p = _add(ssub, "split", cmd_stories_split, "move articles out of a story into one new story (the story "
             "keeps its id); the digest's drafts still in draft are rendered again at once",
             "newsdesk stories split 3f2a 9c01d2e4b")
    p.add_argument("story", help="story id (a unique prefix is enough)")
    p.add_argument("articles", nargs="+", metavar="ARTICLE", help="article ids to move out (unique prefixes)")
    p.add_argument("--by", help="reviewer name (default: $USER)")
    p.add_argument("--outbox", metavar="DIR", help="the outbox to render again (default: outbox/)")
    p = _add(ssub, "merge", cmd_stories_merge, "make two stories one; the digest's drafts still in draft are "
             "rendered again at once", "newsdesk stories merge 3f2a 77b0")
    p.add_argument("a", help="story id")
    p.add_argument("b", help="story id")
    p.add_argument("--by", help="reviewer name (default: $USER)")
    p.add_argument("--outbox", metavar="DIR", help="the outbox to render again (default: outbox/)")
