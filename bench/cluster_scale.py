#!/usr/bin/env python3
"""Time and memory of story clustering at 10k and 100k articles, and of 1,000 into 100k.

usage: cluster_scale.py BENCH_DIR [--sizes 10000,100000] [--incremental 1000]

The articles are built from BENCH_DIR/stories/{ecbplus,uci}-dev.jsonl: copy c of the two sets
is shifted by c * 8 days (further apart than the story window, so each copy is its own news
period), every article gets a new id and URL, loses one sentence (or a headline word), and the
undated ECB+ articles get times spread over two days per story. Each case runs in a fresh
process, so "peak RSS" (getrusage maxrss) is that case's own. Quality against the copied gold
labels is printed too (B-cubed, as in cluster_quality.py).

example: cluster_scale.py ../shared/bench
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_quality import bcubed, load_jsonl  # noqa: E402
from pipeline.stories.group import StoryIndex, cluster_articles  # noqa: E402
from pipeline.model import Article  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
COPY_SPACING = timedelta(days=8)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _perturb(a: Article, rng: random.Random) -> Article:
    if a.text.strip():
        parts = [p for p in _SENTENCE.split(a.text) if p.strip()]
        if len(parts) > 2:
            del parts[rng.randrange(1, len(parts))]
        return replace(a, text="\n".join(parts))
    words = a.title.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]
    return replace(a, title=" ".join(words))


def base_sets(bench: Path) -> list[tuple[Article, str]]:
    out = []
    for name in ("ecbplus-dev.jsonl", "uci-dev.jsonl"):
        articles, gold = load_jsonl(bench / "stories" / name)
        out += [(a, gold[a.id]) for a in articles]
    return out


def build(bench: Path, n: int, salt: int = 0) -> tuple[list[Article], dict[str, str]]:
    """n articles: copies of the dev sets, each copy shifted, re-identified and perturbed."""
    base = base_sets(bench)
    uci_start = min(a.published for a, _ in base if a.published)
    articles, gold = [], {}
    c = 0
    while len(articles) < n:
        rng = random.Random(1000 * salt + c)
        shift = START + c * COPY_SPACING
        story_base: dict[str, datetime] = {}
        for a, story in base:
            if len(articles) >= n:
                break
            if a.published:
                when = shift + (a.published - uci_start)
            else:
                b = story_base.setdefault(story, shift + timedelta(hours=rng.uniform(0, 48)))
                when = b + timedelta(hours=rng.uniform(0, 36))
            new_id = f"{a.id}~{c}~{salt}"
            b = _perturb(a, rng)
            articles.append(replace(b, id=new_id, published=when, guid=None,
                                    url=f"{a.url}/{c}/{salt}" if a.url else None))
            gold[new_id] = f"{story}~{c}"
        c += 1
    return articles, gold


def _score(groups, gold: dict[str, str]) -> str:
    pred = {a.id: str(n) for n, g in enumerate(groups) for a in g.articles}
    ids = sorted(gold)
    p, r, f = bcubed([gold[k] for k in ids], [pred[k] for k in ids])
    return f"B-cubed P/R/F1 {p:.3f}/{r:.3f}/{f:.3f}"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process: what the wall time would be with the machine to itself."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child_batch(bench: Path, n: int) -> None:
    articles, gold = build(bench, n)
    start, cpu = time.perf_counter(), _cpu()
    groups = cluster_articles(articles)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    print(f"batch {n:>7} articles: {took:6.1f} s wall, {cpu:6.1f} s CPU  peak RSS {_peak_mb():6.0f} MB  "
          f"{len(groups)} stories  {_score(groups, gold)}")


def child_incremental(bench: Path, n: int, extra: int, blob_path: Path) -> None:
    if not blob_path.exists():
        articles, _ = build(bench, n)
        index = StoryIndex()
        index.add(articles)
        blob_path.write_bytes(index.to_bytes())
        print(f"index of {n} articles: {len(index.members())} stories, "
              f"{blob_path.stat().st_size / 1e6:.0f} MB as bytes  (built, peak RSS {_peak_mb():.0f} MB)")
        return
    base, _ = build(bench, n)
    last = base[-extra:]
    rng = random.Random(7)
    new = [replace(_perturb(a, rng), id=a.id + "~late", url=(a.url + "/late") if a.url else None,
                   published=a.published + timedelta(hours=1)) for a in last]
    blob = blob_path.read_bytes()
    start, cpu = time.perf_counter(), _cpu()
    index = StoryIndex.from_bytes(blob)
    loaded = time.perf_counter() - start
    placed = index.add(new)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    joined = sum(not p.new_story for p in placed)
    print(f"incremental {extra} into {n}: {took:6.2f} s wall (load {loaded:.2f} s), {cpu:.2f} s CPU  "
          f"peak RSS {_peak_mb():6.0f} MB  {joined} joined known stories, "
          f"{len(placed) - joined} opened or joined new ones")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", type=Path)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--incremental", type=int, default=1000)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        if args.child[0] == "batch":
            child_batch(args.bench, int(args.child[1]))
        else:
            child_incremental(args.bench, int(args.child[1]), int(args.child[2]), Path(args.child[3]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    me = [sys.executable, __file__, str(args.bench)]
    for n in sizes:
        subprocess.run(me + ["--child", "batch", str(n)], check=True)
    if args.incremental:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            blob = Path(tmp) / "index.bin"
            n = max(sizes)
            subprocess.run(me + ["--child", "inc", str(n), str(args.incremental), str(blob)], check=True)
            subprocess.run(me + ["--child", "inc", str(n), str(args.incremental), str(blob)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
