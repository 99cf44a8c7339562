"""Network faults against real servers on 127.0.0.1: each broken feed is ONE error in the ingest
result, naming its URL, and the run goes on to give the good feeds' articles.

All the faults are served at once, beside two good feeds, to one ingest (short timeouts, one
retry), as a scheduled run would meet them; then each fault's error is checked on its own. The
server runs in a child process, as a real one would: in the test's own process its threads
would wait for the GIL while ingest parses, and a 1 s timeout would fire on a good feed.
"""
from __future__ import annotations

import gzip
import json
import multiprocessing
import random
import socket
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from loopback import LoopbackServer, Response, drop_mid_body, hang, silent_server, trickle, without_length
from pipeline.config import SourceSpec
from pipeline.ingest.collect import ingest
from pipeline.store import open_store

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
# Short, but with room for a loaded CI machine: at 1 s a fast answer was seen to time out there.
TIMEOUT = 2.0
GOOD = (Path(__file__).parents[1] / "fixtures" / "feeds" / "rss20.xml").read_bytes()
GOOD_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                        "items": [{"id": "j1", "url": "https://j.example/1", "title": "A JSON story",
                                   "content_text": "Text of the JSON story."}]}).encode()
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>Our site</h1>"
             b"<p>This is a web page, not a feed.</p><a href='/feed'>Feed</a></body></html>")
GARBAGE = random.Random(7).randbytes(8192)


def raw(data: bytes):
    """A handler that writes `data` as the whole response (status line and headers included)."""
    def handle(request, h):
        h.wfile.write(data)
        h.wfile.flush()
    return handle


def endless_headers(request, h):
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")
    for i in range(10_000):
        h.wfile.write(b"X-Filler-%d: x\r\n" % i)
    h.wfile.flush()


# name -> (route or None for a special URL, words the error message must hold)
FAULTS: dict[str, tuple[object, tuple[str, ...]]] = {
    "never-answers": (hang(), ("timed out (no data for 2 s) after 2 attempts",)),
    "accepts-never-reads": (None, ("timed out (no data for 2 s) after 2 attempts",)),  # backlog only
    "refused": (None, ("connection failed",)),               # a closed port
    "drops-mid-body": (drop_mid_body(GOOD[:200], len(GOOD)), ("connection closed mid-body",)),
    "trickles": (trickle(GOOD, 0.05), ("deadline",)),
    "redirect-loop": ([Response(302, b"", (("Location", "/redirect-loop-b"),))], ("redirect loop",)),
    "redirect-to-file": (Response(301, b"", (("Location", "file:///etc/passwd"),)), ("scheme 'file'",)),
    "html-page": (Response.feed(HTML_PAGE, "text/html; charset=utf-8"), ("not a",)),
    "garbage": (Response.feed(GARBAGE, "application/rss+xml"), ("not a",)),
    "garbage-gzip": (Response(200, b"\x1f\x8b" + GARBAGE, (("Content-Type", "application/rss+xml"),
                                                          ("Content-Encoding", "gzip"))), ("corrupt gzip",)),
    "truncated-gzip": (Response(200, gzip.compress(GOOD)[:300], (("Content-Encoding", "gzip"),)),
                       ("truncated gzip",)),
    "http-500": (Response(500, b"Internal Server Error"), ("HTTP 500",)),
    "http-503-retry-after": (Response(503, b"busy", (("Retry-After", "0"),)), ("HTTP 503",)),
    "http-404": (Response(404, b"gone"), ("HTTP 404",)),
    "empty-200": (Response.feed(b""), ("empty document",)),
    "not-http": (raw(b"SSH-2.0-OpenSSH_9.6\r\n"), ("connection failed",)),
    "endless-headers": (endless_headers, ("connection failed",)),
    "bad-chunking": (raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n" + GOOD),
                     ("mid-body",)),
    "deep-json": (Response.feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": '
                                + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/feed+json"),
                  ("nested too deeply",)),
    "cut-off-json": (without_length(GOOD_JSON[:-30], "application/feed+json"), ("invalid JSON Feed",)),
}


def _serve(routes: dict, conn, stop) -> None:
    with LoopbackServer(routes) as server:
        conn.send(server.port)
        stop.wait(120)            # at most; the test sets it when done


@contextmanager
def server_process(routes: dict):
    """A LoopbackServer with `routes` in a forked child process; yields its base URL."""
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    stop = ctx.Event()
    child = ctx.Process(target=_serve, args=(routes, theirs, stop), daemon=True)
    child.start()
    try:
        assert mine.poll(10), "the server process did not start"
        yield f"http://127.0.0.1:{mine.recv()}"
    finally:
        stop.set()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    """One ingest over every fault and two good feeds; yields (result, urls, store state)."""
    folder = tmp_path_factory.mktemp("faults")
    routes = {"/good.xml": Response.feed(GOOD), "/good.json": Response.feed(GOOD_JSON, "application/feed+json"),
              "/redirect-loop-b": Response(302, b"", (("Location", "/redirect-loop"),))}
    routes.update({f"/{name}": route for name, (route, _) in FAULTS.items() if route is not None})
    with server_process(routes) as base, silent_server() as silent:
        urls = {"good": f"{base}/good.xml", "good-json": f"{base}/good.json"}
        urls.update({name: f"{base}/{name}" for name, (route, _) in FAULTS.items() if route is not None})
        urls["accepts-never-reads"] = silent
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        urls["refused"] = f"http://127.0.0.1:{closed.getsockname()[1]}/feed.xml"
        closed.close()
        specs = [SourceSpec(name=name, url=url) for name, url in urls.items()]
        with open_store(folder / "state") as store:
            result = ingest(specs, store=store, now=NOW, progress=False, fetch_timeout=TIMEOUT,
                            per_host=len(specs), workers=len(specs),
                            fetch_options={"retries": 1, "backoff": 0.01, "deadline": 3.0})
            health = {name: store.feed(url) for name, url in urls.items()}
    yield result, urls, health


def test_the_good_feeds_articles_come_through(faulty_run):
    result, urls, health = faulty_run
    origins = {a.origin for a in result.articles}
    assert origins == {urls["good"], urls["good-json"]}
    assert len([a for a in result.articles if a.origin == urls["good"]]) == 2
    assert [a.title for a in result.articles if a.origin == urls["good-json"]] == ["A JSON story"]
    assert health["good"].consecutive_failures == 0 and health["good"].last_error is None


def test_every_fault_is_exactly_one_error_of_its_feed(faulty_run):
    result, urls, _ = faulty_run
    hard = [e for e in result.errors if not e.warning]
    by_origin: dict[str, list] = {}
    for e in hard:
        by_origin.setdefault(e.origin, []).append(e)
    assert set(by_origin) == {urls[name] for name in FAULTS}
    assert all(len(errs) == 1 for errs in by_origin.values()), by_origin


@pytest.mark.parametrize("name", list(FAULTS))
def test_the_error_names_the_feed_and_says_what_went_wrong(faulty_run, name):
    result, urls, health = faulty_run
    [error] = [e for e in result.errors if e.origin == urls[name] and not e.warning]
    assert str(error).startswith(urls[name] + ": error: ")
    for words in FAULTS[name][1]:
        assert words in error.message, error.message
    state = health[name]      # and the feed's health says so, for the next run's backoff
    assert state.consecutive_failures == 1 and state.last_error and state.last_success is None
