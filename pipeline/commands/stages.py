"""Commands over the pipeline's stages: cluster, digest (stories: pipeline.commands.stories).

Thin like the rest of the CLI: read arguments, call one function, print its result.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterator, TextIO

from pipeline.commands.common import print_table, safe, settings_of
from pipeline.errors import NewsdeskError
from pipeline.model import Article


def article_from_record(rec: dict[str, Any], n: int) -> Article:
    """A JSON line (from `newsdesk ingest --jsonl` or a benchmark file) as an Article;
    every field but some identity may be missing."""
    from pipeline.ingest.bodyclean import clean_body
    from pipeline.ingest.normalize import canonical_url, clean_inline, clean_text, parse_date

    def s(key: str) -> str | None:
        v = rec.get(key)
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v) else None

    link = s("link") or s("url")
    url = canonical_url(s("url") or link)
    ident = s("id") or s("guid") or url or f"line-{n}"
    published = parse_date(s("published")) if s("published") else None
    title = clean_inline(s("title"))
    return Article(
        id=ident, title=title, text=clean_body(clean_text(s("text") or ""), title),
        origin=s("origin") or "-", url=url, link=link, guid=s("guid"), source=s("source"),
        author=s("author"), published=published, published_guessed=published is None,
        language=s("language"),
    )


def read_jsonl(stream: TextIO, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise NewsdeskError(f"{name}:{n}: not a JSON line: {e.msg}") from None
        if not isinstance(rec, dict):
            raise NewsdeskError(f"{name}:{n}: expected a JSON object")
        yield n, rec


def cmd_cluster(args: argparse.Namespace) -> int:
    from pipeline.stories.group import cluster_articles

    name = args.file
    if name == "-":
        records = list(read_jsonl(sys.stdin, "<stdin>"))
    else:
        try:
            with open(name, encoding="utf-8") as f:
                records = list(read_jsonl(f, name))
        except OSError as e:
            raise NewsdeskError(f"{name}: cannot read: {e.strerror}") from None
    # Ids must be unique inside one clustering; a repeated id keeps its input line apart.
    articles, keys, seen = [], [], set()
    for n, rec in records:
        a = article_from_record(rec, n)
        key = a.id if a.id not in seen else f"{a.id}#line{n}"
        seen.add(key)
        if key != a.id:
            from dataclasses import replace
            a = replace(a, id=key)
        articles.append(a)
        keys.append((n, rec))
    if args.given:
        groups = given_groups(articles, [rec for _, rec in keys], args.given)
    else:
        window = args.window_days
        if window is None:
            window = settings_of(args).story_window_days
        if not window > 0:
            raise NewsdeskError(f"--window-days must be more than 0, not {window}")
        groups = cluster_articles(articles, window_days=window)
    story_of: dict[str, str] = {}
    for label, g in groups_with_labels(groups, args.given, [rec for _, rec in keys], articles):
        for a in g.articles:
            story_of[a.id] = label
    out = sys.stdout
    if args.stories:
        print_stories(out, groups, story_of, as_json=args.jsonl)
    elif args.jsonl:
        for a, (n, rec) in zip(articles, keys):
            row = {"id": rec.get("id", a.id)}
            if rec.get("guid") is not None:
                row["guid"] = rec["guid"]
            row["story"] = story_of[a.id]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        by_id = {a.id: a for a in articles}
        for g in sorted(groups, key=lambda g: (-len(g.articles), story_of[g.articles[0].id])):
            out.write(f"{story_of[g.articles[0].id]}  {len(g.articles)} articles\n")
            for m in g.members:
                a = by_id[m.article_id]
                why = m.reason if m.reason == "seed" else f"{m.reason} {m.score:.2f}"
                out.write(f"    {safe(a.source or '-')[:20]:20}  {why:18}  {safe(a.title)[:80]}\n")
    print(f"{len(articles)} articles in {len(groups)} stories", file=sys.stderr)
    return 0


def given_groups(articles: list[Article], records: list[dict[str, Any]], field: str) -> list:
    """Groups by the value of `field` in each record (a gold label), in first-seen order; a
    record without the field is a story of its own. Members are "seed" then "given"."""
    from pipeline.model import Member
    from pipeline.stories.group import Group

    by_label: dict[str, list[Article]] = {}
    for a, rec in zip(articles, records):
        v = rec.get(field)
        label = str(v) if v is not None and str(v) != "" else f"\0{a.id}"
        by_label.setdefault(label, []).append(a)
    return [Group(tuple(g), tuple(Member(a.id, "seed" if i == 0 else "given") for i, a in enumerate(g)))
            for g in by_label.values()]


def groups_with_labels(groups: list, field: str | None, records: list[dict[str, Any]],
                       articles: list[Article]) -> Iterator[tuple[str, Any]]:
    """Each group with its story label: the given field's value, else the stable story id."""
    from pipeline.ingest.normalize import stable_id

    rec_of = {a.id: rec for a, rec in zip(articles, records)}
    for g in groups:
        if field and rec_of[g.articles[0].id].get(field) not in (None, ""):
            yield str(rec_of[g.articles[0].id][field]), g
            continue
        first = min(g.articles, key=lambda a: (a.published.isoformat() if a.published else "", a.id))
        yield stable_id("story", first.id), g


def story_record(label: str, story) -> dict[str, Any]:
    """One merged story as the JSON line `cluster --stories --jsonl` prints."""
    return {
        "story": label,
        "headline": story.headline,
        "summary": story.summary_text,
        "key_facts": list(story.key_facts),
        "disputed": list(story.disputed),
        "sources": [{"outlet": s.outlet, "title": s.title, "url": s.url, "article_id": s.article_id}
                    for s in story.sources],
        "members": [m.article_id for m in story.members],
    }


def print_stories(out: TextIO, groups: list, story_of: dict[str, str], *, as_json: bool) -> None:
    from pipeline.stories.merge import build_story

    for g in groups:
        label = story_of[g.articles[0].id]
        story = build_story(g.articles, g.members)
        if as_json:
            out.write(json.dumps(story_record(label, story), ensure_ascii=False) + "\n")
            continue
        out.write(safe(f"{label}  {story.headline}") + "\n")
        for sentence, _ in story.summary:
            out.write(safe(f"    {sentence}") + "\n")
        if story.key_facts:
            out.write(safe("    key facts: " + "; ".join(story.key_facts)) + "\n")
        if story.disputed:
            out.write(safe("    sources differ on: " + "; ".join(story.disputed)) + "\n")
        for s in story.sources:
            out.write(safe(f"    - {s.outlet or '-'} — {s.title}") + "\n")


def cmd_digest(args: argparse.Namespace) -> int:
    from pipeline.run import run_digest

    settings = settings_of(args)
    if args.max_age_hours is not None:
        from dataclasses import replace
        settings = replace(settings, max_age_hours=args.max_age_hours)
    report = run_digest(settings, dry_run=args.dry_run, wait=args.wait,
                        progress=False if args.quiet else None)
    for err in report.errors:
        if not err.warning or args.verbose:
            print(safe(err), file=sys.stderr)
    if args.json:
        print(json.dumps({**report.to_json(), "exit": 0}, ensure_ascii=False))
        return 0
    if args.dry_run:
        print("dry run: nothing was written")
        for action in report.actions:
            print(f"  would {safe(action)}")
    if not args.quiet:
        print(safe(report.summary()))
        if report.digest and not args.dry_run:
            print(f"review the drafts: newsdesk outbox list   (files in {safe(report.digest)})")
    # 0: the run completed (failed feeds were named on stderr); a failed run raises instead and
    # the CLI exits 1 (75 when another run holds the lock).
    return 0


def _add(sub: Any, name: str, handler, help: str, example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help, epilog=f"example:\n  {example}",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(handler=handler)
    return p


def register(sub: Any) -> None:
    p = _add(sub, "cluster", cmd_cluster, "group articles (one JSON a line) into stories; touches no state",
             "newsdesk ingest feeds/ --jsonl | newsdesk cluster - --jsonl")
    p.add_argument("file", nargs="?", default="-", metavar="FILE|-", help="JSON lines (default: stdin)")
    p.add_argument("--jsonl", action="store_true", help="print each record's id, guid and story as JSON")
    p.add_argument("--window-days", type=float, metavar="DAYS",
                   help="no story spans more than this (default: the configured story_window_days, 7)")
    p.add_argument("--stories", action="store_true",
                   help="print each merged story (headline, summary, facts, sources); with --jsonl one JSON a line")
    p.add_argument("--given", metavar="FIELD",
                   help="group by this field of each record instead of clustering (measures merging alone)")

    p = _add(sub, "digest", cmd_digest, "one full run: ingest, merge, select and render drafts into the outbox",
             "newsdesk digest --config newsdesk.toml --dry-run")
    p.add_argument("--dry-run", action="store_true", help="print what would be written; change nothing")
    p.add_argument("--outbox", metavar="DIR", help="write drafts here (default: outbox/)")
    p.add_argument("--max-age-hours", type=float, metavar="H", help="only items published this recently")
    p.add_argument("--wait", action="store_true", help="wait for a running digest instead of exiting")
    p.add_argument("--json", action="store_true", help="print the run's report as one JSON object")
