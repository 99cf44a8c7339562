#!/usr/bin/env python3
"""build_stories alone, on the articles a first run gives it: time, CPU and the stories built.

usage: python bench/stories_speed.py capture DATA_DIR --feeds 300 -o ARTICLES.jsonl
       python bench/stories_speed.py run ARTICLES.jsonl [--repeat 3] [--dump STORIES.jsonl]
                                     [--profile FILE] [--serial]

`capture` runs the cycle of bench/run_cycle.py (generated feeds over loopback, `run_digest`) and
writes the articles its first run hands to build_stories, one Article JSON a line, with the run's
`now` and `window_start` on a first line of their own. `run` gives those articles to
build_stories with a fresh StoryIndex, as that first run does, and prints wall and CPU seconds
and the CPU of this process per repetition (and of the run pool's workers in all);
`--dump` writes every Story (store JSON, one a line, in build order) so that two versions of the
code can be compared byte for byte. `--serial` builds the stories in this process (no pool),
which makes cProfile see all of it.

example: python bench/stories_speed.py capture ../shared/bench --feeds 300 -o /tmp/a300.jsonl
         python bench/stories_speed.py run /tmp/a300.jsonl --dump /tmp/s300.jsonl
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def capture(args: argparse.Namespace) -> None:
    import pipeline.stories.track as track
    import run_cycle

    real, written = track.build_stories, []

    def keep(articles, **kw):
        if not written:
            with open(args.output, "w", encoding="utf-8") as f:
                head = {"now": kw["now"].isoformat(), "window_start": kw["window_start"].isoformat(),
                        "window_days": kw["index"].window / 86400.0}
                f.write(json.dumps(head) + "\n")
                for a in articles:
                    f.write(json.dumps(a.to_json(), ensure_ascii=False) + "\n")
            written.append(len(articles))
        return real(articles, **kw)

    track.build_stories = keep
    cycle_args = argparse.Namespace(data_dir=args.data_dir, items=args.items, seed=args.seed,
                                    profile=None, profile_run=None, json=False)
    run_cycle.cycle(cycle_args, args.feeds)
    print(f"wrote {written[0] if written else 0} articles to {args.output}")


def load(path: Path):
    from pipeline.store import article_from_json

    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline())
        articles = [article_from_json(json.loads(line)) for line in f if line.strip()]
    return (articles, datetime.fromisoformat(head["now"]), datetime.fromisoformat(head["window_start"]),
            float(head.get("window_days", 7.0)))


def run(args: argparse.Namespace) -> None:
    import pipeline.stories.track as track
    from pipeline.history import story_to_json
    from pipeline.stories.group import StoryIndex
    from pipeline.workers import run_pool

    if args.serial:
        track.PARALLEL_MIN_STORIES = 1 << 30
    profiler = cProfile.Profile() if args.profile else None
    kids = _children_cpu()
    # As in a first run, the run's pool is started at once (its workers import the merge while
    # the articles are read); its workers' CPU is known once it is shut down.
    with run_pool(start=not args.serial):
        articles, now, window_start, window_days = load(args.articles)
        for k in range(args.repeat):
            t, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            stories = track.build_stories(articles, previous={}, stored={}, overrides=(), now=now,
                                          index=StoryIndex(window_days), window_start=window_start)
            if profiler:
                profiler.disable()
            print(f"run {k + 1}: {len(articles)} articles -> {len(stories)} stories in "
                  f"{time.perf_counter() - t:.2f} s wall, {time.process_time() - cpu:.2f} s CPU here",
                  flush=True)
    print(f"the pool's workers: {_children_cpu() - kids:.2f} s CPU in all (start-up included)")
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            for s in stories:
                f.write(story_to_json(s) + "\n")
    if profiler:
        profiler.dump_stats(str(args.profile))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"pipeline/", 30)


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the merge's pool workers, once it is shut down)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("capture", help="run the cycle and keep the articles build_stories gets")
    c.add_argument("data_dir", type=Path)
    c.add_argument("--feeds", type=int, default=300)
    c.add_argument("--items", type=int, default=50)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("-o", "--output", type=Path, required=True)
    r = sub.add_parser("run", help="build the stories of captured articles")
    r.add_argument("articles", type=Path)
    r.add_argument("--repeat", type=int, default=1)
    r.add_argument("--dump", type=Path, help="write the stories built here (store JSON a line)")
    r.add_argument("--profile", type=Path, metavar="FILE", help="run under cProfile; save stats here")
    r.add_argument("--serial", action="store_true", help="build stories in this process (no pool)")
    args = ap.parse_args()
    if args.command == "capture":
        sys.path.insert(0, str(ROOT / "bench"))
        capture(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
