#!/usr/bin/env python3
"""Ingest + normalize throughput, and the cost of an unchanged feed on a second run.

usage: python bench/ingest.py BENCH_FEEDS_DIR   (e.g. ../shared/bench/feeds)

1. Every feed file under the folder (RSS/Atom/JSON; feedparser's own corpus excluded unless
   --corpus) read through the real ingest (both cores), entries/s over a cold store.
2. The same feeds served from a loopback HTTP server with ETag/Last-Modified: first fetch, then
   a second run where every feed answers 304: milliseconds per unchanged feed.
3. The second local run (files unchanged: fingerprint check, articles from the store).
4. Each first run again into a new store with the worker pool already started (as a digest
   run starts it before fetching): the per-entry cost without starting interpreters.

The floor is printed first: feedparser alone parsing the same files (same options as ingest) on
every core, as bench/run_cycle.py measures it; each first run is given as a multiple of it (the
target: at most 2x, i.e. our own work per entry no more than feedparser's).
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import SourceSpec  # noqa: E402
from pipeline.ingest.collect import ingest  # noqa: E402
from pipeline.ingest.sources import FEED_SUFFIXES, local_files  # noqa: E402
from pipeline.store import open_store  # noqa: E402


def serve(files: dict[str, bytes]) -> ThreadingHTTPServer:
    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = files.get(self.path)
            if body is None:
                self.send_response(404); self.end_headers(); return
            etag = f'"{hash(body) & 0xffffffff:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304); self.send_header("ETag", etag); self.end_headers(); return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _parse_count(path: Path) -> int:
    import feedparser

    return len(feedparser.parse(io.BytesIO(path.read_bytes()), sanitize_html=False,
                                resolve_relative_uris=False).entries)


def feedparser_floor(files: list[Path]) -> float:
    """Seconds for feedparser alone to parse the files on every core, largest first as ingest
    does (feedparser is imported before the workers fork, so they pay no import): the
    unavoidable part of a first run."""
    largest_first = sorted(files, key=lambda p: -p.stat().st_size)
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        entries = sum(pool.map(_parse_count, largest_first, chunksize=1))
    dt = time.perf_counter() - t
    print(f"floor: feedparser alone parses the {len(files)} files in {dt:.2f} s ({entries} entries, "
          f"{entries / dt:,.0f} entries/s, every core)")
    return dt


def _first_run(specs: list[SourceSpec], store):
    """One ingest into `store` (cold the first time): its result and wall seconds."""
    t = time.perf_counter()
    result = ingest(specs, store=store, progress=False)
    return result, time.perf_counter() - t


def measure(label: str, specs: list[SourceSpec], store, floor: float) -> None:
    """A cold run, then two unchanged runs: articles loaded (as `ingest` does) and ids only (as
    a digest run does)."""
    first, dt = _first_run(specs, store)
    n = len(first.articles)
    print(f"{label} first run: {len(specs)} feeds, {n} entries in {dt:.2f} s = {n / dt:,.0f} entries/s "
          f"(both cores; {len(first.errors)} errors/warnings); {dt / floor:.2f}x the floor")
    for load in (True, False):
        t = time.perf_counter()
        second = ingest(specs, store=store, progress=False, load_unchanged=load)
        dt2 = time.perf_counter() - t
        what = "articles loaded from the store" if load else "ids only (digest)"
        print(f"{label} second run, unchanged, {what}: {dt2 * 1000:.0f} ms = "
              f"{dt2 * 1000 / len(specs):.2f} ms per feed ({second.skipped_unchanged} files skipped, "
              f"{second.not_modified} x 304)")


def measure_warm(label: str, specs: list[SourceSpec], store, floor: float) -> None:
    """A cold store read with the worker pool already running and its imports done, as in a
    digest run (which starts the pool before fetching): the per-entry cost, without the one
    second of starting fresh interpreters that the floor's forked pool does not pay."""
    from pipeline import workers

    with workers.run_pool(start=True):
        with workers.worker_pool() as pool:
            list(pool.map(_ready, range(4 * (os.cpu_count() or 1))))
        first, dt = _first_run(specs, store)
    n = len(first.articles)
    print(f"{label} first run, workers started: {n} entries in {dt:.2f} s = {n / dt:,.0f} entries/s; "
          f"{dt / floor:.2f}x the floor")


def _ready(_: int) -> bool:
    import pipeline.ingest.sources  # noqa: F401  (what a worker imports: done once per worker)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("feeds_dir", type=Path)
    ap.add_argument("--corpus", action="store_true", help="include feedparser-corpus/")
    args = ap.parse_args()
    files = [p for p in local_files(args.feeds_dir) if p.suffix.lower() in FEED_SUFFIXES
             and (args.corpus or "feedparser-corpus" not in p.parts)]
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    try:
        floor = feedparser_floor(files)
        specs = [SourceSpec(name=str(p), path=p) for p in files]
        with open_store(tmp / "local") as store:
            measure("local files", specs, store, floor)
        with open_store(tmp / "local-warm") as store:
            measure_warm("local files", specs, store, floor)
        served = {f"/{i}.xml": p.read_bytes() for i, p in enumerate(files)}
        server = serve(served)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        url_specs = [SourceSpec(name=f"feed {i}", url=base + path) for i, path in enumerate(served)]
        with open_store(tmp / "http") as store:
            measure("http", url_specs, store, floor)
        with open_store(tmp / "http-warm") as store:
            measure_warm("http", url_specs, store, floor)
        server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
