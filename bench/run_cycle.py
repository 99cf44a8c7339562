#!/usr/bin/env python3
"""The whole scheduled cycle at scale: N generated RSS feeds over loopback HTTP, `run_digest` twice.

usage: python bench/run_cycle.py DATA_DIR [--feeds 1000] [--items 50] [--profile FILE [--profile-run second]]
       python bench/run_cycle.py DATA_DIR --sizes 100,300,1000 [--json]
       (DATA_DIR is the bench data folder holding stories/*.jsonl)

Feeds are built from the labelled stories: each feed is one outlet, each item one article of a
story (titles and texts; headline-only articles get a body of same-story headlines, as
aggregator feeds do), 2-5 KB of content:encoded with boilerplate, dates within the last 48 h, and
the same article republished by several outlets. A server subprocess serves them on 64 loopback
addresses (so the per-host fetch limit behaves as with many publishers) with ETag and
Last-Modified, so the second run gets a 304 for every feed.

Prints: articles/s and wall time of the first run, the unchanged second run's time, peak memory
(RSS of this process, sampled per run, and getrusage maxrss of self and children), and the
floor: feedparser alone parsing the same feed files on every core, timed in the same run, with
each run's time as a ratio to it. --sizes runs the cycle at each size and prints one line per
size (cost per item should stay flat: linear growth); --json prints those lines as JSON. --profile runs
the cycle under cProfile (main thread: fetching threads wait on I/O) and prints the top costs by
module and by function.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import html
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTS = 64                      # loopback addresses 127.0.0.1 ... 127.0.0.64
BOILERPLATE = ("Advertisement", "Sign up for our morning newsletter and get the day's top stories.",
               "Share this article", "Follow us on social media for the latest updates.",
               "Photo: handout. Image may be subject to copyright.")
SECTIONS = ("news", "world", "business", "politics", "local", "wire")


# --- the feeds -----------------------------------------------------------------------------------
def load_pool(data_dir: Path) -> list[dict]:
    pool = []
    for path in sorted((data_dir / "stories").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            if rec.get("title"):
                rec["key"] = f"{path.stem.split('-')[0]}{rec['id']}"   # ids repeat across files
                pool.append(rec)
    if not pool:
        raise SystemExit(f"{data_dir}/stories/*.jsonl: no articles")
    return pool


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def paragraphs(text: str, rng: random.Random) -> list[str]:
    sentences = re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text).strip())
    out, i = [], 0
    while i < len(sentences):
        n = rng.randint(2, 3)
        out.append(" ".join(sentences[i:i + n]))
        i += n
    return out


def body_html(rec: dict, same_story: list[dict], outlet: str, rng: random.Random) -> str:
    e = html.escape
    if rec.get("text"):
        paras = paragraphs(rec["text"], rng)
        if len(paras) > 3 and rng.random() < 0.2:
            paras.pop(rng.randrange(1, len(paras)))        # an edited copy, not a byte-for-byte one
    else:
        others = [r["title"] for r in rng.sample(same_story, min(len(same_story), 12))]
        paras = [f"{rec['title']}."] + [f"{a}. {b}." for a, b in zip(others[::2], others[1::2])]
    parts, size = [], 0
    for k, p in enumerate(paras):
        if size > 4200:
            break                                            # keep content:encoded near 2-5 KB
        parts.append(f"<p>{e(p)}</p>")
        size += len(p) + 7
        if k == 1 and rng.random() < 0.5:
            parts.append(f"<p>{e(rng.choice(BOILERPLATE))}</p>")
    related = [r for r in rng.sample(same_story, min(len(same_story), 8)) if r is not rec]
    while size < 2000 and related:
        r = related.pop()
        parts.append(f'<p>Related: <a href="https://{slug(outlet)}.example/{slug(r["title"])}">'
                     f"{e(r['title'])}</a></p>")
        size += len(r["title"]) + 80
    parts.append(f"<p>&#169; 2026 {e(outlet)}. All rights reserved.</p>")
    return "\n".join(parts)


def build_feeds(pool: list[dict], n_feeds: int, n_items: int, now: datetime, seed: int = 1) -> list[tuple[str, bytes]]:
    """(outlet name, RSS bytes) per feed; deterministic for a seed."""
    rng = random.Random(seed)
    by_story: dict[str, list[dict]] = defaultdict(list)
    for rec in pool:
        by_story[rec["story"]].append(rec)
    # Coverage of one story bunches in time: a start within the last 48 h, items up to 12 h later.
    start = {s: now - timedelta(hours=rng.uniform(2, 48)) for s in sorted(by_story)}
    with_text = [r for r in pool if r.get("text")]
    headlines = [r for r in pool if not r.get("text")]
    names = sorted({r["source"] for r in pool if r.get("source")}) or ["Outlet"]
    feeds = []
    for i in range(n_feeds):
        outlet = f"{names[i % len(names)]} {i // len(names) + 1}" if i >= len(names) else names[i]
        items = []
        for rec in rng.sample(with_text, n_items // 2) + rng.sample(headlines, n_items - n_items // 2):
            when = min(now, start[rec["story"]] + timedelta(hours=rng.uniform(0, 12)))
            title = rec["title"] + (f" - {outlet}" if rng.random() < 0.2 else "")
            link = f"https://www.{slug(outlet)}.example/{rng.choice(SECTIONS)}/{slug(rec['title'])}-{rec['key']}"
            if rng.random() < 0.3:
                link += "?utm_source=rss&amp;utm_medium=feed"
            body = body_html(rec, by_story[rec["story"]], outlet, rng)
            desc = html.escape(re.sub(r"<[^>]+>", " ", body)[:240])
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{link}</link>"
                f'<guid isPermaLink="false">{slug(outlet)}-{rec["key"]}</guid>'
                f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                f"<description>{desc}</description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded></item>")
        items.sort(key=lambda s: s[s.index("<pubDate>"):], reverse=True)
        feeds.append((outlet, (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{html.escape(outlet)}</title><link>https://www.{slug(outlet)}.example/</link>"
            f"<description>Latest from {html.escape(outlet)}</description>\n"
            + "\n".join(items) + "\n</channel></rss>\n").encode("utf-8")))
    return feeds


# --- the server (a subprocess: its CPU and memory are not the pipeline's) ------------------------
def serve(folder: Path) -> None:
    import email.utils
    import hashlib
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    files = {f"/{p.name}": p.read_bytes() for p in folder.glob("*.xml")}
    etags = {k: '"%s"' % hashlib.sha1(v).hexdigest()[:16] for k, v in files.items()}
    modified = email.utils.formatdate(time.time() - 3600, usegmt=True)
    counts: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/__stats":
                self._send(200, json.dumps(counts).encode(), {})
                return
            body = files.get(self.path)
            if body is None:
                self._send(404, b"not found", {})
                return
            head = {"ETag": etags[self.path], "Last-Modified": modified}
            fresh = (self.headers.get("If-None-Match") == etags[self.path]
                     or self.headers.get("If-Modified-Since") == modified)
            with lock:
                counts["304" if fresh else "200"] += 1
            if fresh:
                self._send(304, b"", head)
            else:
                self._send(200, body, {**head, "Content-Type": "application/rss+xml; charset=utf-8"})

        def _send(self, status: int, body: bytes, headers: dict) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    servers = []
    for k in range(1, HOSTS + 1):
        s = ThreadingHTTPServer((f"127.0.0.{k}", 0), Handler)
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    print(json.dumps([s.server_address[1] for s in servers]), flush=True)
    sys.stdin.read()                     # until the bench closes our stdin


# --- measuring -----------------------------------------------------------------------------------
class PeakRSS:
    """Samples this process's resident set size (VmRSS) while a run goes on."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    self.peak = max(self.peak, int(line.split()[1]) * 1024)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRSS":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# Stages timed from outside (wrapping module attributes that run_digest looks up at call time), so
# the figures come from an unprofiled run. Nested stages overlap: cluster and merge are inside
# build_stories, fetching inside read_sources (parsing runs in the workers).
STAGES = (("pipeline.ingest.collect", "read_sources"), ("pipeline.ingest.feeds", "fetch_many"),
          ("pipeline.store", "Store.save_articles"),
          ("pipeline.store", "Store.articles"), ("pipeline.stories.track", "build_stories"),
          ("pipeline.stories.group", "cluster_articles"), ("pipeline.stories.merge", "build_story"),
          ("pipeline.history", "save_stories"), ("pipeline.select", "select"),
          ("pipeline.run", "render_all"), ("pipeline.outbox.drafts", "write_digest"))


def rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class StageTimer:
    """Wall time per stage, and how much the resident set grew across it (its largest growth
    over one call: memory a stage keeps, or leaves in the allocator's free lists)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.grew: dict[str, int] = defaultdict(int)

    def install(self) -> None:
        import importlib
        import inspect

        for module, attr in STAGES:
            owner = importlib.import_module(module)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            fn = getattr(owner, name, None)
            if fn is None:
                continue
            wrap = self._gen if inspect.isgeneratorfunction(fn) else self._call
            setattr(owner, name, wrap(fn, attr))

    def _call(self, fn, label):
        def timed(*a, **kw):
            t, m = time.perf_counter(), rss_now()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds[label] += time.perf_counter() - t
                self.calls[label] += 1
                self.grew[label] = max(self.grew[label], rss_now() - m)
        return timed

    def _gen(self, fn, label):
        def timed(*a, **kw):      # only the time spent inside the generator (waiting for it)
            self.calls[label] += 1
            it = fn(*a, **kw)
            while True:
                t = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    self.seconds[label] += time.perf_counter() - t
                yield item
        return timed

    def report(self) -> str:
        out = [f"  {self.seconds[k]:8.2f} s  {self.calls[k]:6d} calls  RSS {self.grew[k] / 2**20:+7,.0f} MiB  {k}"
               for _, k in STAGES if k in self.calls]
        out.append(f"  resident now {rss_now() / 2**20:,.0f} MiB")
        self.seconds.clear()
        self.calls.clear()
        self.grew.clear()
        return "\n".join(out)


def by_module(stats: pstats.Stats, top: int = 15) -> list[tuple[str, float]]:
    """Self time per module (pipeline.x, feedparser, sqlite3, ...), largest first."""
    own: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, tt, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        own[module_of(filename, name)] += tt
    return sorted(own.items(), key=lambda x: -x[1])[:top]


def module_of(filename: str, name: str) -> str:
    if filename == "~":      # a C function: "<method 'execute' of 'sqlite3.Cursor' objects>"
        m = re.search(r"of '([\w]+)\.", name) or re.search(r"method ([\w]+)\.", name)
        return f"{m.group(1)} (C)" if m else "builtins (C)"
    parts = Path(filename).with_suffix("").parts
    for anchor in ("site-packages", "dist-packages"):
        if anchor in parts:
            return parts[parts.index(anchor) + 1]
    if "pipeline" in parts:
        i = len(parts) - 1 - parts[::-1].index("pipeline")
        return ".".join(parts[i:])
    lib = [k for k, part in enumerate(parts) if part.startswith("python3")]
    if lib and lib[-1] + 1 < len(parts):
        return "stdlib " + parts[lib[-1] + 1]
    return Path(filename).name


def once_child(cfg: Path) -> None:
    """`newsdesk schedule --once` in this fresh process, with stage times and the peak RSS
    (VmHWM: getrusage of a child would count the parent's pages copied at fork)."""
    from pipeline.cli import main as cli_main

    stages = StageTimer()
    stages.install()
    t = time.perf_counter()
    code = cli_main(["schedule", "--once", "--quiet", "--config", str(cfg)])
    wall = time.perf_counter() - t
    hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(f"  exit {code}; {wall:.1f} s in the command; peak RSS (VmHWM) {hwm / 1024:,.0f} MiB")
    print(stages.report())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", type=Path, metavar="FILE", help="run under cProfile; save stats here")
    ap.add_argument("--profile-run", choices=("both", "first", "second"), default="both",
                    help="which run --profile covers (default: both)")
    ap.add_argument("--sizes", metavar="N,N,...", help="run the cycle at each number of feeds (growth)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.child:
        once_child(args.child)
        return

    if not args.sizes:
        summary = cycle(args, args.feeds)
        if args.json:
            print(json.dumps(summary))
        return
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        with contextlib.redirect_stdout(io.StringIO()):
            rows.append(cycle(args, n))
        r = rows[-1]
        if not args.json:
            print(f"feeds={r['feeds']:5d} items={r['articles']:7d}  floor {r['floor_s']:6.1f} s  "
                  f"first {r['first_s']:6.1f} s ({r['first_vs_floor']:.2f}x, "
                  f"{1000 * r['first_s'] / r['articles']:.2f} ms/item)  second {r['second_s']:5.1f} s "
                  f"({r['second_vs_floor']:.2f}x)  peak {r['peak_mib']:,.0f} MiB", flush=True)
    if args.json:
        print(json.dumps(rows))


def feedparser_floor(folder: Path) -> tuple[float, int]:
    """Seconds for feedparser alone to parse every feed file of `folder` on every core (the same
    options as ingest), and the entries it found: the unavoidable work of a first run."""
    from concurrent.futures import ProcessPoolExecutor

    files = sorted(folder.glob("*.xml"))
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        entries = sum(pool.map(_parse_count, files, chunksize=4))
    return time.perf_counter() - t, entries


def _parse_count(path: Path) -> int:
    import feedparser

    return len(feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False).entries)


def cycle(args, n_feeds: int) -> dict:
    from pipeline.config import load_settings
    from pipeline.run import run_digest

    now = datetime.now(timezone.utc)
    t = time.perf_counter()
    feeds = build_feeds(load_pool(args.data_dir), n_feeds, args.items, now, args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-cycle-"))
    served = tmp / "served"
    served.mkdir()
    for i, (_, body) in enumerate(feeds):
        (served / f"feed{i:05d}.xml").write_bytes(body)
    size = sum(len(b) for _, b in feeds)
    floor, floor_entries = feedparser_floor(served)
    print(f"floor: feedparser alone parses the {len(feeds)} files in {floor:.1f} s "
          f"({floor_entries} entries, every core)")
    print(f"generated {len(feeds)} feeds x {args.items} items ({size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - t:.1f} s")
    server = subprocess.Popen([sys.executable, __file__, str(args.data_dir), "--serve", str(served)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ports = json.loads(server.stdout.readline())
        blocks = []
        for i, (outlet, _) in enumerate(feeds):
            host = i % HOSTS
            url = f"http://127.0.0.{host + 1}:{ports[host]}/feed{i:05d}.xml"
            blocks.append(f"[[sources]]\nname = {json.dumps(outlet)}\nurl = {json.dumps(url)}\n")
        cfg = tmp / "newsdesk.toml"
        cfg.write_text('title = "Cycle bench"\n\n' + "\n".join(blocks), encoding="utf-8")
        settings = load_settings(cfg, env={})
        profiler = cProfile.Profile() if args.profile else None
        stages = StageTimer()
        stages.install()
        results = []
        for label in ("first run", "second run (unchanged)"):
            profiled = profiler if args.profile_run in ("both", label.split()[0]) else None
            with PeakRSS() as rss:
                if profiled:
                    profiled.enable()
                t, cpu = time.perf_counter(), time.process_time()
                report = run_digest(settings, progress=False, honour_backoff=True)
                wall, cpu = time.perf_counter() - t, time.process_time() - cpu
                if profiled:
                    profiled.disable()
            stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/__stats").read())
            results.append((label, wall, report, rss.peak, stats))
            hard = [e for e in report.errors if not e.warning]
            print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU (load average {os.getloadavg()[0]:.1f}); "
                  f"{report.articles} articles "
                  f"({report.articles / wall:,.0f}/s), {report.new_articles} new, {report.stories} "
                  f"stories, {report.selected} selected, {len(hard)} source errors; peak RSS "
                  f"{rss.peak / 2**20:,.0f} MiB; server so far: {stats}")
            print(stages.report())
        self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"maxrss: this process {self_kb / 1024:,.0f} MiB; children so far {child_kb / 1024:,.0f} MiB")
        # The same unchanged run as cron or a systemd timer does it: a fresh process, imports and all.
        t = time.perf_counter()
        once = subprocess.run([sys.executable, __file__, str(args.data_dir), "--child", str(cfg)],
                              cwd=ROOT, capture_output=True, text=True)
        cron = time.perf_counter() - t
        print(f"third run, unchanged, `newsdesk schedule --once` in a fresh process: {cron:.1f} s wall "
              f"(imports included)\n{once.stdout.rstrip()}\n{once.stderr.strip()[-600:]}")
        (first, w1, r1, p1, _), (_, w2, _, p2, _) = results
        peak = max(p1, p2, self_kb * 1024) / 2**20
        print(f"SUMMARY feeds={n_feeds} items={args.items} articles={r1.articles} "
              f"first={w1:.1f}s ({r1.articles / w1:,.0f} articles/s, {w1 / floor:.2f}x the floor) "
              f"second={w2:.1f}s ({w2 / floor:.2f}x the floor) floor={floor:.1f}s peak={peak:,.0f}MiB")
        summary = {"feeds": n_feeds, "articles": r1.articles, "floor_s": round(floor, 2),
                   "first_s": round(w1, 2), "second_s": round(w2, 2),
                   "first_vs_floor": round(w1 / floor, 2), "second_vs_floor": round(w2 / floor, 3),
                   "peak_mib": round(peak), "cpus": os.cpu_count()}
        if profiler:
            profiler.dump_stats(str(args.profile))
            st = pstats.Stats(profiler)
            total = sum(tt for (_, _, tt, _, _) in st.stats.values())  # type: ignore[attr-defined]
            print(f"\nself time by module (main thread, {args.profile_run} run(s), {total:.1f} s profiled):")
            for mod, tt in by_module(st):
                print(f"  {tt:8.2f} s  {100 * tt / total:5.1f} %  {mod}")
            print("\ntop functions by cumulative time:")
            st.sort_stats("cumulative").print_stats(r"pipeline/", 25)
            print("top functions by self time:")
            st.sort_stats("tottime").print_stats(20)
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


if __name__ == "__main__":
    main()
