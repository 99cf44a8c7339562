"""Feeds over real HTTP on 127.0.0.1: conditional GET through the state store, feed health,
and a failing feed that loses nothing already stored."""
from datetime import datetime, timezone
from pathlib import Path

from loopback import Response, conditional

from pipeline.config import SourceSpec
from pipeline.ingest.collect import ingest
from pipeline.store import open_store

FEED = (Path(__file__).parents[1] / "fixtures" / "feeds" / "rss20.xml").read_bytes()
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
FAST = {"retries": 1, "backoff": 0.01}


def run(store, *specs):
    return ingest(list(specs), store=store, now=NOW, progress=False, fetch_timeout=2.0,
                  fetch_options=FAST)


def test_second_fetch_is_a_304_and_keeps_the_articles(http_server, tmp_path):
    url = http_server.route("/feed.xml", conditional(FEED, etag='"v1"', last_modified="Tue, 17 Nov 2026 08:00:00 GMT"))
    spec = SourceSpec(name="Harbour Times", url=url)
    with open_store(tmp_path / "state") as store:
        first = run(store, spec)
        second = run(store, spec)
        state = store.feed(url)
    reqs = http_server.requests_to("/feed.xml")
    assert reqs[0].header("if-none-match") is None
    assert reqs[1].header("if-none-match") == '"v1"'
    assert reqs[1].header("if-modified-since") == "Tue, 17 Nov 2026 08:00:00 GMT"
    assert (first.fetched, first.not_modified) == (1, 0)
    assert (second.fetched, second.not_modified) == (0, 1)
    assert {a.id for a in second.articles} == {a.id for a in first.articles} and len(first.articles) == 2
    assert state.last_status == "304" and state.consecutive_failures == 0 and state.etag == '"v1"'


def test_failing_feed_counts_failures_and_loses_nothing(http_server, tmp_path):
    calls = {"n": 0}

    def flaky(request, handler):
        calls["n"] += 1
        return Response.feed(FEED) if calls["n"] == 1 else Response(500, b"oops")

    url = http_server.route("/flaky.xml", flaky)
    spec = SourceSpec(name="Flaky", url=url)
    with open_store(tmp_path / "state") as store:
        ok = run(store, spec)
        bad1 = run(store, spec)
        bad2 = run(store, spec)
        state = store.feed(url)
    assert len(ok.articles) == 2 and not ok.errors
    assert [e.origin for e in bad1.errors] == [url] and "500" in bad1.errors[0].message
    # What the store had is still served, and health counts both failures.
    assert {a.id for a in bad2.articles} == {a.id for a in ok.articles}
    assert state.consecutive_failures == 2 and state.items_seen == 2 and "500" in state.last_error
    assert state.last_success is not None and state.next_attempt is not None


def test_one_broken_feed_does_not_stop_the_others(http_server, tmp_path):
    good = http_server.route("/good.xml", Response.feed(FEED))
    missing = http_server.url("/missing.xml")
    garbage = http_server.route("/garbage.xml", Response(200, b"\x00\x01\x02 not xml", (("Content-Type", "text/html"),)))
    with open_store(tmp_path / "state") as store:
        result = run(store, SourceSpec(name="G", url=good), SourceSpec(name="M", url=missing),
                     SourceSpec(name="X", url=garbage))
    assert len(result.articles) == 2
    by_origin = {e.origin: e.message for e in result.errors if not e.warning}
    assert "404" in by_origin[missing]
    assert garbage in by_origin


def test_configured_name_is_the_outlet(http_server, tmp_path):
    url = http_server.route("/f.xml", Response.feed(FEED))
    with open_store(tmp_path / "state") as store:
        result = run(store, SourceSpec(name="Harbour Daily", url=url, weight=2.0, tags=("ports",)))
    assert {a.source for a in result.articles} == {"Harbour Daily"}
    assert {a.weight for a in result.articles} == {2.0} and {a.tags for a in result.articles} == {("ports",)}


def test_http_charset_is_honoured(http_server, tmp_path):
    # No XML declaration: only the HTTP header says the bytes are Latin-1.
    body = ('<rss version="2.0"><channel><title>Latin</title><item><title>Se\u00f1or Garc\u00eda '
            'opens the bridge</title><link>https://latin.example/b</link><description>Jos\u00e9 '
            'Garc\u00eda opened the bridge.</description></item></channel></rss>').encode("latin-1")
    url = http_server.route("/latin.xml", Response.feed(body, content_type="application/rss+xml; charset=ISO-8859-1"))
    with open_store(tmp_path / "state") as store:
        result = run(store, SourceSpec(name="Latin", url=url))
    (article,) = result.articles
    assert article.title == "Se\u00f1or Garc\u00eda opens the bridge"
    assert "Jos\u00e9" in article.text


def test_reading_needs_no_store_what_was_learnt_is_written_after_in_one_commit(http_server, tmp_path):
    """The store is read before ingest and written after it: reading the sources runs with the
    store closed, and remembering ten feeds' health is one transaction."""
    from pipeline.ingest.collect import read_sources
    from pipeline.ingest.memory import recall, remember
    from pipeline.ingest.plan import plan_sources

    specs = [SourceSpec(name=f"Feed {i}", url=http_server.route(
        f"/f{i}.xml", conditional(FEED.replace(b"harbour", f"harbour{i}".encode()), etag=f'"e{i}"')))
        for i in range(10)]
    plan = plan_sources(specs)
    with open_store(tmp_path / "state") as store:
        run(store, *specs)
        memory = recall(store, plan)
    assert {memory.state(s.url).etag for s in specs} == {f'"e{i}"' for i in range(10)}
    second = read_sources(plan, memory, now=NOW, progress=False, fetch_timeout=2.0,
                          fetch_options=FAST)                 # no store open
    assert second.not_modified == 10 and not second.articles
    assert len(second.unchanged_ids) == 20                     # two items a feed, only their ids
    assert [u.status for u in second.updates] == ["304"] * 10
    with open_store(tmp_path / "state") as store:
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        remember(store, second, now=NOW)
        store.db.set_trace_callback(None)
        states = store.feed_states(s.url for s in specs)
    assert sum(s.strip().upper() == "COMMIT" for s in statements) == 1
    assert all(st.last_status == "304" and st.etag == f'"e{i}"' and len(st.article_ids) == 2
               for i, st in enumerate(states[s.url] for s in specs))


def test_many_feeds_are_parsed_on_workers_as_they_arrive_the_same_as_here(http_server, tmp_path,
                                                                          monkeypatch):
    """Past PARALLEL_MIN_FEEDS, feeds go to worker processes as they come in: the articles and
    errors are those of parsing every feed in this process, and a run of 304s (and one feed read again) starts no worker."""
    from pipeline.ingest import feeds

    broken = (Path(__file__).parents[1] / "fixtures" / "feeds" / "notafeed.xml").read_bytes()
    specs = [SourceSpec(name=f"Feed {i}", url=http_server.route(
        f"/m{i}.xml", conditional(broken if i == 7 else FEED.replace(b"harbour", f"harbour{i}".encode()),
                                  etag=f'"m{i}"')))
        for i in range(feeds.PARALLEL_MIN_FEEDS + 4)]
    monkeypatch.setattr(feeds.os, "cpu_count", lambda: 2)
    started = []
    real_pool = feeds.worker_pool
    monkeypatch.setattr(feeds, "worker_pool", lambda: started.append(1) or real_pool())
    with open_store(tmp_path / "workers") as store:
        there = run(store, *specs)
        again = run(store, *specs)     # a 304 for every feed but the one that was no feed
    assert started == [1]
    assert again.not_modified == len(specs) - 1 and again.fetched == 1 and started == [1]
    monkeypatch.setattr(feeds, "PARALLEL_MIN_FEEDS", 10 ** 6)
    with open_store(tmp_path / "here") as store:
        here = run(store, *specs)
    assert len(here.articles) == 2 * (len(specs) - 1)
    assert sorted(map(repr, there.articles)) == sorted(map(repr, here.articles))
    assert sorted(e.message for e in there.errors) == sorted(e.message for e in here.errors)
    assert [e.origin.rsplit("/", 1)[1] for e in there.errors if not e.warning] == ["m7.xml"]
