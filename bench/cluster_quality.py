#!/usr/bin/env python3
"""Cluster a labelled set and score it (pairwise and B-cubed precision / recall / F1).

usage: cluster_quality.py DATA [--gold GOLD.jsonl] [--key id] [--pred PRED.jsonl] [--halves]

DATA is a jsonl file (id, title, text, url, source, published, story; missing fields allowed)
or a folder of RSS/Atom feeds (then --gold maps each item's --key, e.g. guid, to its story).
--halves also clusters each half of the gold stories on its own (stories split by the topic
prefix before "_" when there is one, else alternately) to show how the figures move.

example: cluster_quality.py stories/ecbplus-dev.jsonl --halves
         cluster_quality.py feeds/ecb-dev --gold feeds/ecb-dev-gold.jsonl --key guid
         newsdesk ingest feeds/ecb-dev --jsonl > a.jsonl
         cluster_quality.py a.jsonl --gold feeds/ecb-dev-gold.jsonl --key guid
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from datetime import datetime, timezone
from math import comb
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.stories.group import cluster_articles  # noqa: E402
from pipeline.model import Article  # noqa: E402


def pairwise(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    both = collections.Counter(zip(gold, pred))
    tp = sum(comb(n, 2) for n in both.values())
    pp = sum(comb(n, 2) for n in collections.Counter(pred).values())
    gp = sum(comb(n, 2) for n in collections.Counter(gold).values())
    p, r = (tp / pp if pp else 1.0), (tp / gp if gp else 1.0)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def bcubed(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    both = collections.Counter(zip(gold, pred))
    gs, ps, n = collections.Counter(gold), collections.Counter(pred), len(gold)
    p = sum(both[g, q] / ps[q] for g, q in zip(gold, pred)) / n
    r = sum(both[g, q] / gs[g] for g, q in zip(gold, pred)) / n
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    d = datetime.fromisoformat(value)
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def load_jsonl(path: Path) -> tuple[list[Article], dict[str, str]]:
    articles, gold = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        articles.append(Article(id=str(r["id"]), title=r.get("title") or "", text=r.get("text") or "",
                                origin=r.get("origin") or "-", url=r.get("url"), guid=r.get("guid"),
                                source=r.get("source"), published=_date(r.get("published"))))
        if r.get("story") is not None:
            gold[str(r["id"])] = str(r["story"])
    return articles, gold


_TAG = re.compile(r"<[^>]+>")


def _html_text(html: str) -> str:
    import html as htmllib
    paras = re.split(r"</p>|<br\s*/?>|\n", html)
    return "\n\n".join(t for t in (htmllib.unescape(_TAG.sub("", p)).strip() for p in paras) if t)


def load_feeds(folder: Path) -> list[Article]:
    """Feed items as articles (feedparser; entry.id is the guid) until `newsdesk ingest` exists."""
    import calendar

    import feedparser
    articles = []
    for f in sorted(folder.iterdir()):
        d = feedparser.parse(str(f))
        for e in d.entries:
            body = e.content[0].value if e.get("content") else e.get("summary", "")
            pub = (datetime.fromtimestamp(calendar.timegm(e.published_parsed), timezone.utc)
                   if e.get("published_parsed") else None)
            articles.append(Article(id=e.get("id") or e.get("link"), title=e.get("title", ""),
                                    text=_html_text(body), origin=str(f), url=e.get("link"),
                                    link=e.get("link"), guid=e.get("id"),
                                    source=d.feed.get("title"), published=pub))
    return articles


def run(articles: list[Article], gold: dict[str, str], key: str) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    groups = cluster_articles(articles)
    took = time.perf_counter() - start
    pred = {}
    for n, g in enumerate(groups):
        for a in g.articles:
            k = getattr(a, key) if key != "id" else a.id
            pred[str(k)] = str(n)
    return pred, took


def report(gold: dict[str, str], pred: dict[str, str], label: str = "") -> float:
    ids = sorted(gold)
    g = [gold[k] for k in ids]
    p = [pred.get(k, f"__missing__{k}") for k in ids]
    missing = sum(k not in pred for k in ids)
    print(f"{label}items {len(ids)}  gold stories {len(set(g))}  predicted stories {len(set(p))}"
          f"  missing {missing}")
    print("%spairwise P/R/F1 %.3f/%.3f/%.3f" % ((label,) + pairwise(g, p)))
    b = bcubed(g, p)
    print("%sB-cubed  P/R/F1 %.3f/%.3f/%.3f" % ((label,) + b))
    return b[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--key", default="id")
    ap.add_argument("--pred", type=Path)
    ap.add_argument("--halves", action="store_true")
    args = ap.parse_args(argv)
    if args.data.is_dir():
        articles = load_feeds(args.data)
        gold = {}
    else:
        articles, gold = load_jsonl(args.data)
    if args.gold:
        gold = {}
        for line in args.gold.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                if r.get(args.key) is not None:
                    gold[str(r[args.key])] = str(r.get("story"))
    if not gold:
        ap.error("no gold labels: the jsonl has no 'story' field; give --gold")
    pred, took = run(articles, gold, args.key)
    if args.pred:
        with args.pred.open("w", encoding="utf-8") as f:
            for k, s in pred.items():
                f.write(json.dumps({args.key: k, "story": s}) + "\n")
    f1 = report(gold, pred)
    print(f"clustered {len(articles)} articles in {took:.2f} s")
    if args.halves:
        stories = sorted(set(gold.values()))
        topics = sorted({s.split("_")[0] for s in stories})
        if len(topics) < len(stories):
            part = {s: topics.index(s.split("_")[0]) % 2 for s in stories}
        else:
            part = {s: n % 2 for n, s in enumerate(stories)}
        for half in (0, 1):
            keep = {k for k, s in gold.items() if part[s] == half}
            sub = [a for a in articles if str(getattr(a, args.key) if args.key != "id" else a.id) in keep]
            sub_pred, _ = run(sub, gold, args.key)
            report({k: gold[k] for k in keep}, sub_pred, label=f"half {half}: ")
    print("%.4f" % f1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
