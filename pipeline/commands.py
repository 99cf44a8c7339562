"""Commands over the pipeline's stages: cluster, digest, stories, schedule.

Thin like the rest of the CLI: read arguments, call one function, print its result.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from pipeline.errors import NewsdeskError
from pipeline.model import Article


def article_from_record(rec: dict[str, Any], n: int) -> Article:
    """A JSON line (from `newsdesk ingest --jsonl` or a benchmark file) as an Article;
    every field but some identity may be missing."""
    from pipeline.normalize import canonical_url, clean_inline, clean_text, parse_date, stable_id

    def s(key: str) -> str | None:
        v = rec.get(key)
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v) else None

    link = s("link") or s("url")
    url = canonical_url(s("url") or link)
    ident = s("id") or s("guid") or url or f"line-{n}"
    published = parse_date(s("published")) if s("published") else None
    return Article(
        id=ident, title=clean_inline(s("title")), text=clean_text(s("text") or ""),
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
    from pipeline.cli import safe
    from pipeline.cluster import cluster_articles
    from pipeline.normalize import stable_id

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
    groups = cluster_articles(articles)
    story_of: dict[str, str] = {}
    for g in groups:
        first = min(g.articles, key=lambda a: (a.published.isoformat() if a.published else "", a.id))
        sid = stable_id("story", first.id)
        for a in g.articles:
            story_of[a.id] = sid
    out = sys.stdout
    if args.jsonl:
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


def cmd_digest(args: argparse.Namespace) -> int:
    from pipeline.cli import _settings, safe
    from pipeline.run import run_digest

    settings = _settings(args)
    if args.max_age_hours is not None:
        from dataclasses import replace
        settings = replace(settings, max_age_hours=args.max_age_hours)
    report = run_digest(settings, dry_run=args.dry_run, wait=args.wait,
                        progress=False if args.quiet else None)
    if args.dry_run:
        print("dry run: nothing was written")
        for action in report.actions:
            print(f"  would {safe(action)}")
    for err in report.errors:
        if not err.warning or args.verbose:
            print(safe(err), file=sys.stderr)
    if not args.quiet:
        print(safe(report.summary()))
        if report.digest and not args.dry_run:
            print(f"review the drafts: newsdesk outbox list   (files in {safe(report.digest)})")
    return 0 if report.selected or not [e for e in report.errors if not e.warning] else 1


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

    p = _add(sub, "digest", cmd_digest, "one full run: ingest, merge, select and render drafts into the outbox",
             "newsdesk digest --config newsdesk.toml --dry-run")
    p.add_argument("--dry-run", action="store_true", help="print what would be written; change nothing")
    p.add_argument("--outbox", metavar="DIR", help="write drafts here (default: outbox/)")
    p.add_argument("--max-age-hours", type=float, metavar="H", help="only items published this recently")
    p.add_argument("--wait", action="store_true", help="wait for a running digest instead of exiting")
