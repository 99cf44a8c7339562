#!/usr/bin/env python3
"""Top cards of a digest built from a labelled wire day: how many hold one labelled story, and
whether two cards tell the same story.

usage: digest_purity.py BENCH_DIR [--top 10] [--json] [--show]

For each BENCH_DIR/feeds/wire-* folder with a -gold.jsonl beside it, one digest is made as
`newsdesk digest` makes it, with the run's clock set to the newest item of the day (the items
are then fresh, as on the morning they were published) and no age limit. Each of the top cards'
articles is mapped through its feed link to its labelled story. A card is pure when all its
labelled articles are one story; two cards whose largest labelled story is the same repeat it.

example: nice bench/digest_purity.py ../shared/bench --show
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import load_settings  # noqa: E402
from pipeline.run import run_digest  # noqa: E402


def top_cards(folder: Path, top: int) -> list[list[tuple[str | None, str]]]:
    """The digest's first `top` cards, each as (feed link, title) of its articles."""
    from pipeline import store as st
    from pipeline.history import load_stories
    from pipeline.ingest.collect import ingest

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "newsdesk.toml"
        cfg.write_text(f'outbox = "out"\nstate_dir = "state"\nmax_age_hours = 1000000\n'
                       f'top_n = {top}\n[[sources]]\npath = {json.dumps(str(folder.resolve()))}\n',
                       encoding="utf-8")
        settings = load_settings(cfg, env={})
        arts = ingest(settings.sources, store=None, progress=False).articles
        dated = [a.published for a in arts if a.published and not a.published_guessed]
        now = max(dated) if dated else datetime.now(timezone.utc)
        report = run_digest(settings, now=now, progress=False)
        manifest = json.loads((Path(report.digest) / "manifest.json").read_text(encoding="utf-8"))
        with st.open_store(settings.state_dir) as store:
            stories = {s.id: s for s in load_stories(store, include_closed=True)}
            link = {a.id: a.link or a.url
                    for a in store.articles(since=datetime.min.replace(tzinfo=timezone.utc))}
        cards = []
        for entry in manifest["stories"][:top]:
            s = stories[entry["id"]]
            cards.append([(link.get(m.article_id), title)
                          for m, title in zip(s.members, _titles(s))])
        return cards


def _titles(story) -> list[str]:
    by_id = {src.article_id: src.title for src in story.sources}
    return [by_id.get(m.article_id, "") for m in story.members]


def measure(folder: Path, gold_path: Path, top: int, show: bool) -> dict:
    gold = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            gold[r["url"]] = str(r["story"])
    cards = top_cards(folder, top)
    pure, mains = 0, []
    for n, card in enumerate(cards, 1):
        labels = collections.Counter(gold[u] for u, _ in card if u in gold)
        is_pure = len(labels) <= 1
        pure += is_pure
        main = labels.most_common(1)[0][0] if labels else None
        mains.append(main)
        if show:
            print(f"  card {n}: {len(card)} articles, {len(labels)} labelled stories"
                  f"{'' if is_pure else '  MIXED'}")
            for u, title in card[:8]:
                print(f"      [{gold.get(u, '?')}] {title[:90]}")
    repeated = sum(c - 1 for m, c in collections.Counter(m for m in mains if m).items() if c > 1)
    return {"cards": len(cards), "pure": pure, "repeated": repeated}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", action="store_true", help="print each card's labelled articles")
    args = ap.parse_args(argv)
    feeds = args.bench / "feeds"
    results = {}
    for folder in sorted(p for p in feeds.glob("wire-*") if p.is_dir()):
        gold = feeds / f"{folder.name}-gold.jsonl"
        if not gold.exists():
            continue
        if args.show and not args.json:
            print(folder.name)
        results[folder.name] = r = measure(folder, gold, args.top, args.show and not args.json)
        if not args.json:
            print(f"{folder.name}: {r['pure']} of the top {r['cards']} cards hold one labelled "
                  f"story; {r['repeated']} repeat a story of a card above", flush=True)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
