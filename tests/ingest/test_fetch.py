"""pipeline.ingest.fetch against real HTTP servers on 127.0.0.1 (tests/loopback.py)."""
from __future__ import annotations

import gzip
import http.client
import socket
import time
import zlib

import pytest

from loopback import (LoopbackServer, Response, conditional, drop_mid_body, gzipped, hang,
                      http_date, silent_server, slow, trickle, without_length)
from pipeline import USER_AGENT
from pipeline.errors import FetchError, SourceReadError
from pipeline.ingest.fetch import FetchJob, FetchResult, fetch, fetch_many

RSS = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>' \
      b'<item><title>Caf\xc3\xa9</title></item></channel></rss>'
ETAG = '"v1-abc"'
LAST_MODIFIED = "Tue, 03 Mar 2026 10:00:00 GMT"


class RecordingSleep:
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def no_sleep() -> RecordingSleep:
    return RecordingSleep()


# -- plain success and request headers ---------------------------------------------------------

def test_200_returns_body_and_metadata(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", Response.feed(RSS))
    result = fetch(url)
    assert isinstance(result, FetchResult)
    assert (result.status, result.content, result.not_modified) == (200, RSS, False)
    assert result.url == result.final_url == url
    assert (result.content_type, result.charset) == ("application/rss+xml", "utf-8")
    assert result.attempts == 1
    assert result.header("content-type") == "application/rss+xml; charset=utf-8"


def test_sends_honest_user_agent_and_feed_accept_headers(http_server: LoopbackServer) -> None:
    fetch(http_server.route("/feed.xml", Response.feed(RSS)))
    (request,) = http_server.requests_to("/feed.xml")
    assert request.header("User-Agent") == USER_AGENT
    accept = request.header("Accept") or ""
    for media_type in ("application/rss+xml", "application/atom+xml", "application/feed+json",
                       "application/xml;q=0.9", "*/*;q=0.8"):
        assert media_type in accept
    assert request.header("Accept-Encoding") == "gzip, deflate"
    assert request.header("If-None-Match") is None
    assert request.header("If-Modified-Since") is None


def test_header_map_is_ready_for_feedparser(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", Response.feed(RSS, headers=(("X-Twice", "a"),
                                                                     ("X-Twice", "b"))))
    headers = fetch(url).header_map()
    assert headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert headers["x-twice"] == "a, b"
    assert headers["content-location"] == url


def test_unsafe_characters_in_url_are_escaped(http_server: LoopbackServer) -> None:
    http_server.route("/caf%C3%A9%20feed.xml", Response.feed(RSS))
    result = fetch(http_server.url("/caf\u00e9 feed.xml?q=a b&lang=fr"))
    assert result.content == RSS
    assert http_server.requests[0].path == "/caf%C3%A9%20feed.xml?q=a%20b&lang=fr"


def test_custom_opener_makes_the_connections(http_server: LoopbackServer) -> None:
    made: list[tuple[str, float]] = []

    def opener(parts, timeout):
        made.append((parts.path, timeout))
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    url = http_server.route("/feed.xml", Response.feed(RSS))
    assert fetch(url, opener=opener, timeout=2.5).content == RSS
    assert made == [("/feed.xml", 2.5)]


# -- conditional GET ---------------------------------------------------------------------------

def test_304_when_etag_matches(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", conditional(RSS, etag=ETAG))
    first = fetch(url)
    assert first.etag == ETAG and first.content == RSS
    second = fetch(url, etag=first.etag)
    assert (second.status, second.not_modified, second.content) == (304, True, None)
    assert second.etag == ETAG
    assert http_server.requests_to("/feed.xml")[1].header("If-None-Match") == ETAG


def test_304_when_last_modified_matches(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", conditional(RSS, last_modified=LAST_MODIFIED))
    first = fetch(url)
    assert first.last_modified == LAST_MODIFIED
    second = fetch(url, last_modified=first.last_modified)
    assert second.not_modified and second.content is None
    assert second.last_modified == LAST_MODIFIED
    request = http_server.requests_to("/feed.xml")[1]
    assert request.header("If-Modified-Since") == LAST_MODIFIED


def test_broken_stored_validator_is_a_clear_error(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", Response.feed(RSS))
    with pytest.raises(FetchError, match="invalid request"):
        fetch(url, etag='"v1"\r\nX-Injected: yes')
    assert http_server.requests == []


def test_200_when_validator_is_stale(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", conditional(RSS, etag='"v2"'))
    result = fetch(url, etag=ETAG)
    assert (result.status, result.not_modified, result.content) == (200, False, RSS)
    assert result.etag == '"v2"'


# -- errors that are not retried ---------------------------------------------------------------

def test_404_is_not_retried_and_names_url_and_status(http_server: LoopbackServer,
                                                     no_sleep: RecordingSleep) -> None:
    url = http_server.route("/gone.xml", Response(404, b"no"))
    with pytest.raises(FetchError) as caught:
        fetch(url, sleep=no_sleep)
    assert isinstance(caught.value, SourceReadError)
    assert caught.value.status == 404
    assert url in str(caught.value) and "404" in str(caught.value)
    assert len(http_server.requests_to("/gone.xml")) == 1
    assert no_sleep.waits == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed.xml",
                                 "data:text/plain,hello", "javascript:alert(1)", "feed.xml"])
def test_refuses_non_http_schemes(url: str) -> None:
    with pytest.raises(FetchError, match="scheme") as caught:
        fetch(url)
    assert caught.value.origin == url


# -- retries -----------------------------------------------------------------------------------

def test_429_then_200_waits_as_retry_after_says(http_server: LoopbackServer,
                                                no_sleep: RecordingSleep) -> None:
    url = http_server.route("/feed.xml", [Response(429, headers=(("Retry-After", "7"),)),
                                          Response.feed(RSS)])
    result = fetch(url, sleep=no_sleep)
    assert result.content == RSS and result.attempts == 2
    assert no_sleep.waits == [7.0]
    assert len(http_server.requests_to("/feed.xml")) == 2


def test_503_with_http_date_retry_after(http_server: LoopbackServer,
                                        no_sleep: RecordingSleep) -> None:
    when = http_date(time.time() + 30)
    url = http_server.route("/feed.xml", [Response(503, headers=(("Retry-After", when),)),
                                          Response.feed(RSS)])
    assert fetch(url, sleep=no_sleep).content == RSS
    (wait,) = no_sleep.waits
    assert 25 <= wait <= 30


def test_retry_after_beyond_the_cap_is_next_run(http_server: LoopbackServer,
                                                 no_sleep: RecordingSleep) -> None:
    # It used to wait max_retry_after and try again: minutes of a run for one feed (issue 17).
    url = http_server.route("/feed.xml", [Response(503, headers=(("Retry-After", "86400"),)),
                                          Response.feed(RSS)])
    with pytest.raises(FetchError, match="retry after 86400 s.*next run") as caught:
        fetch(url, sleep=no_sleep, max_retry_after=5.0)
    assert caught.value.status == 503 and no_sleep.waits == []
    assert len(http_server.requests_to("/feed.xml")) == 1


def test_real_one_second_retry_after(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", [Response(503, headers=(("Retry-After", "1"),)),
                                          Response.feed(RSS)])
    result = fetch(url)
    assert result.content == RSS and result.attempts == 2


def test_500_forever_gives_up_after_retries(http_server: LoopbackServer,
                                            no_sleep: RecordingSleep) -> None:
    url = http_server.route("/feed.xml", Response(500, b"boom"))
    with pytest.raises(FetchError) as caught:
        fetch(url, retries=3, backoff=0.5, sleep=no_sleep)
    assert caught.value.status == 500
    assert url in str(caught.value) and "500" in str(caught.value)
    assert "4 attempts" in str(caught.value)
    assert len(http_server.requests_to("/feed.xml")) == 4       # the first try + 3 retries
    # exponential backoff with at most 10% jitter: 0.5, 1, 2
    assert len(no_sleep.waits) == 3
    for wait, base in zip(no_sleep.waits, (0.5, 1.0, 2.0)):
        assert base <= wait <= base * 1.1


def test_retries_zero_means_one_attempt(http_server: LoopbackServer,
                                        no_sleep: RecordingSleep) -> None:
    url = http_server.route("/feed.xml", Response(502))
    with pytest.raises(FetchError, match="after 1 attempt"):
        fetch(url, retries=0, sleep=no_sleep)
    assert len(http_server.requests_to("/feed.xml")) == 1 and no_sleep.waits == []


def test_connection_refused_is_retried_then_reported(no_sleep: RecordingSleep) -> None:
    with socket.socket() as probe:               # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"
    with pytest.raises(FetchError, match="connection failed") as caught:
        fetch(url, retries=2, sleep=no_sleep)
    assert caught.value.status is None and url in str(caught.value)
    assert len(no_sleep.waits) == 2


# -- redirects ---------------------------------------------------------------------------------

def _redirect(status: int, location: str) -> Response:
    return Response(status, b"", (("Location", location),))


def test_follows_redirect_chain(http_server: LoopbackServer) -> None:
    http_server.route("/final.xml", Response.feed(RSS))
    final = http_server.url("/final.xml", host="localhost")
    http_server.route("/r3", _redirect(307, "final.xml"))                 # relative
    http_server.route("/r2", _redirect(302, "/r3"))
    http_server.route("/r1", _redirect(308, http_server.url("/r2", host="localhost")))
    url = http_server.route("/r0", _redirect(301, http_server.url("/r1")))
    result = fetch(url, etag=ETAG)
    assert result.content == RSS
    assert (result.url, result.final_url) == (url, final)
    assert result.attempts == 5
    # validators travel with the redirected request
    assert http_server.requests_to("/final.xml")[0].header("If-None-Match") == ETAG


def test_redirect_loop_is_detected(http_server: LoopbackServer) -> None:
    http_server.route("/b", _redirect(302, "/a"))
    url = http_server.route("/a", _redirect(302, "/b"))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(url)
    assert len(http_server.requests) == 2


def test_too_many_redirects(http_server: LoopbackServer) -> None:
    for i in range(10):
        http_server.route(f"/hop{i}", _redirect(302, f"/hop{i + 1}"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(http_server.url("/hop0"))
    assert len(http_server.requests) == 6


def test_redirect_to_file_scheme_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.route("/sneaky", _redirect(302, "file:///etc/passwd"))
    with pytest.raises(FetchError, match="refused redirect") as caught:
        fetch(url)
    assert caught.value.origin == url


# -- content encoding and size caps ------------------------------------------------------------

def test_gzip_body_is_decoded(http_server: LoopbackServer) -> None:
    result = fetch(http_server.route("/feed.xml", gzipped(RSS)))
    assert result.content == RSS


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_body_is_decoded(http_server: LoopbackServer, wbits: int) -> None:
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(RSS) + packer.flush()
    url = http_server.route("/feed.xml", Response(200, body, (("Content-Encoding", "deflate"),)))
    assert fetch(url).content == RSS


def test_gzip_bomb_stops_at_max_bytes(http_server: LoopbackServer) -> None:
    bomb = gzip.compress(b"\0" * (16 * 1024 * 1024))          # 16 MB decoded, ~16 KB on the wire
    url = http_server.route("/bomb.xml", Response(200, bomb, (("Content-Encoding", "gzip"),)))
    with pytest.raises(FetchError, match="decoded body exceeds the limit") as caught:
        fetch(url, max_bytes=256 * 1024)
    assert len(bomb) < 256 * 1024 and url in str(caught.value)
    assert len(http_server.requests_to("/bomb.xml")) == 1              # not retried


def test_truncated_gzip_is_an_error(http_server: LoopbackServer, no_sleep: RecordingSleep) -> None:
    packed = gzip.compress(RSS * 50)
    url = http_server.route("/feed.xml", Response(200, packed[: len(packed) // 2],
                                                  (("Content-Encoding", "gzip"),)))
    with pytest.raises(FetchError, match="truncated gzip"):
        fetch(url, retries=1, sleep=no_sleep)


def test_unsupported_content_encoding(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", Response(200, b"xx", (("Content-Encoding", "br"),)))
    with pytest.raises(FetchError, match="unsupported Content-Encoding"):
        fetch(url)


def test_declared_size_over_cap_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.route("/big.xml", Response.feed(b"x" * 5000))
    with pytest.raises(FetchError, match="5000 bytes exceeds the limit of 1000"):
        fetch(url, max_bytes=1000)
    assert len(http_server.requests_to("/big.xml")) == 1


def test_undeclared_size_over_cap_is_cut_off(http_server: LoopbackServer) -> None:
    url = http_server.route("/big.xml", without_length(b"x" * 50_000))
    with pytest.raises(FetchError, match="body exceeds the limit of 1000"):
        fetch(url, max_bytes=1000)


def test_close_delimited_body_is_read_whole(http_server: LoopbackServer) -> None:
    assert fetch(http_server.route("/feed.xml", without_length(RSS))).content == RSS


def test_wrong_charset_header_is_reported_as_sent(http_server: LoopbackServer) -> None:
    # The body is UTF-8, the header says Latin-1: fetch reports, feedparser decides.
    url = http_server.route("/feed.xml", Response.feed(RSS, "text/xml; charset=ISO-8859-1"))
    result = fetch(url)
    assert (result.content_type, result.charset) == ("text/xml", "ISO-8859-1")
    assert result.content == RSS                 # bytes untouched


def test_no_content_type(http_server: LoopbackServer) -> None:
    result = fetch(http_server.route("/feed.xml", Response(200, RSS)))
    assert (result.content_type, result.charset) == (None, None)


# -- slow, silent and broken servers -----------------------------------------------------------

def test_slow_server_times_out(http_server: LoopbackServer, no_sleep: RecordingSleep) -> None:
    url = http_server.route("/slow.xml", slow(Response.feed(RSS), 3.0))
    with pytest.raises(FetchError, match="timed out") as caught:
        fetch(url, timeout=0.3, retries=1, sleep=no_sleep)
    assert "2 attempts" in str(caught.value) and caught.value.status is None
    assert len(http_server.requests_to("/slow.xml")) == 2


def test_server_that_reads_and_never_answers(http_server: LoopbackServer) -> None:
    url = http_server.route("/hang.xml", hang())
    with pytest.raises(FetchError, match="timed out"):
        fetch(url, timeout=0.3, retries=0)


def test_port_that_accepts_and_never_answers() -> None:
    with silent_server() as url:
        with pytest.raises(FetchError, match="timed out"):
            fetch(url, timeout=0.3, retries=0)


def test_trickling_server_hits_the_deadline(http_server: LoopbackServer) -> None:
    # One byte every 0.05 s never trips the 1 s read timeout; the 0.4 s deadline stops it.
    url = http_server.route("/trickle.xml", trickle(RSS, 0.05))
    with pytest.raises(FetchError, match="deadline of 0.4 s"):
        fetch(url, timeout=1.0, deadline=0.4, retries=0)


def test_connection_dropped_mid_body(http_server: LoopbackServer,
                                     no_sleep: RecordingSleep) -> None:
    url = http_server.route("/drop.xml", drop_mid_body(RSS[:40], claimed_length=len(RSS)))
    with pytest.raises(FetchError, match="mid-body"):
        fetch(url, retries=2, sleep=no_sleep)
    assert len(http_server.requests_to("/drop.xml")) == 3


def test_dropped_connection_then_whole_body(http_server: LoopbackServer,
                                            no_sleep: RecordingSleep) -> None:
    url = http_server.route("/drop.xml", [drop_mid_body(RSS[:40], len(RSS)), Response.feed(RSS)])
    result = fetch(url, sleep=no_sleep)
    assert result.content == RSS and result.attempts == 2


# -- many feeds at once ------------------------------------------------------------------------

def test_fetch_many_respects_per_host_and_survives_a_failure(http_server: LoopbackServer) -> None:
    jobs = []
    for host in ("127.0.0.1", "localhost"):
        for i in range(5):
            path = f"/{host}/{i}.xml"
            http_server.route(path, slow(Response.feed(RSS), 0.15))
            jobs.append(FetchJob(http_server.url(path, host=host), key=(host, i)))
    http_server.route("/broken.xml", Response(404, b"no"))
    jobs.insert(3, FetchJob(http_server.url("/broken.xml"), key="broken"))

    results = dict((job.key, outcome) for job, outcome in
                   fetch_many(jobs, max_workers=8, per_host=2, retries=0))

    assert set(results) == {job.key for job in jobs}
    assert isinstance(results["broken"], FetchError) and results["broken"].status == 404
    good = [outcome for key, outcome in results.items() if key != "broken"]
    assert all(isinstance(o, FetchResult) and o.content == RSS for o in good)
    assert http_server.max_in_flight["127.0.0.1"] == 2
    assert http_server.max_in_flight["localhost"] == 2


def test_fetch_many_respects_max_workers(http_server: LoopbackServer) -> None:
    http_server.route("/feed.xml", slow(Response.feed(RSS), 0.15))
    jobs = [FetchJob(http_server.url("/feed.xml", host=h)) for h in ("127.0.0.1", "localhost")
            for _ in range(3)]
    outcomes = [outcome for _, outcome in fetch_many(jobs, max_workers=1, per_host=3)]
    assert len(outcomes) == 6 and all(isinstance(o, FetchResult) for o in outcomes)
    assert http_server.max_in_flight_total == 1


def test_fetch_many_passes_validators_and_refuses_bad_urls(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.xml", conditional(RSS, etag=ETAG))
    jobs = [FetchJob(url, etag=ETAG, key="cached"), FetchJob("file:///etc/passwd", key="file")]
    results = {job.key: outcome for job, outcome in fetch_many(jobs)}
    assert isinstance(results["cached"], FetchResult) and results["cached"].not_modified
    assert isinstance(results["file"], FetchError)
