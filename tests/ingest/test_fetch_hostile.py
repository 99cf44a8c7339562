"""What a feed's server sends cannot send us elsewhere, hold the run or reach the terminal raw
(issue 17, items 3, 5 and 7, and the smaller ones): redirects to non-public addresses refused
before any connection, proxies honoured, a time budget per feed, a 304 to nothing, escape
sequences in reason phrases."""
from __future__ import annotations

import http.client
import ipaddress
import http.server
import logging
import select
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from loopback import LoopbackServer, Response, hang, silent_server, trickle

from pipeline.config import SourceSpec
from pipeline.errors import FetchError
from pipeline.ingest.collect import ingest, spec_for
from pipeline.ingest.addresses import is_public
from pipeline.ingest.fetch import fetch
from pipeline.store import open_store

RSS = (Path(__file__).parents[1] / "fixtures" / "feeds" / "rss20.xml").read_bytes()
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
NEWSDESK = Path(sys.executable).with_name("newsdesk")
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b"


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    """Refuses, and records, every connection this process tries beyond loopback."""
    refused: list[object] = []
    connect = socket.socket.connect

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = ipaddress.ip_address(address[0].split("%", 1)[0])
            if not host.is_loopback:
                refused.append(address)
                raise ConnectionRefusedError(f"network guard: {address} is not loopback")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield refused
    assert refused == [], f"connections beyond loopback were attempted: {refused}"


def _redirect(location: str, status: int = 302) -> Response:
    return Response(status, b"", (("Location", location),))


class RecordingOpener:
    """Records every host a connection is asked for; connects only to 127.0.0.1, so a policy
    failure in a test can never reach a real network."""

    def __init__(self):
        self.hosts: list[str] = []

    def __call__(self, parts, timeout):
        self.hosts.append(parts.hostname)
        if parts.hostname != "127.0.0.1":
            raise ConnectionRefusedError(f"test guard: no connection to {parts.hostname}")
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


FORBIDDEN = {
    "private-10": "http://10.255.255.1/feed.xml",
    "metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "other-loopback": "http://127.0.0.2:8080/feed.xml",
    "ipv6-loopback": "http://[::1]:8080/feed.xml",
    "mapped-private": "http://[::ffff:10.0.0.1]/feed.xml",
    "unspecified": "http://0.0.0.0:8080/feed.xml",
    "shared-cgnat": "http://100.64.0.1/feed.xml",
    # IPv6 that a gateway turns into a private IPv4 address: NAT64 (RFC 6052, RFC 8215) and 6to4.
    "nat64-private": "http://[64:ff9b::a00:1]/feed.xml",
    "nat64-metadata": "http://[64:ff9b::169.254.169.254]/latest/meta-data/",
    "nat64-local-use-loopback": "http://[64:ff9b:1::7f00:1]/feed.xml",
    "6to4-private": "http://[2002:c0a8:101::1]/feed.xml",
    "6to4-loopback": "http://[2002:7f00:1::1]:8080/feed.xml",
}


@pytest.mark.parametrize("address,public", [
    ("64:ff9b::808:808", True), ("2002:808:808::1", True), ("2606:4700::1111", True),
    ("64:ff9b::a00:1", False), ("64:ff9b::a9fe:a9fe", False), ("2002:a00:1::1", False),
    ("2002:7f00:1::", False), ("::ffff:192.168.1.1", False)])
def test_an_ipv6_address_standing_for_an_ipv4_one_is_judged_by_it(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_redirect_to_a_non_public_address_is_refused_before_connecting(name, http_server):
    url = http_server.route("/feed.xml", _redirect(FORBIDDEN[name]))
    opener = RecordingOpener()
    with pytest.raises(FetchError, match="refused redirect") as caught:
        fetch(url, opener=opener, timeout=2.0, sleep=lambda s: None)
    assert caught.value.origin == url
    assert opener.hosts == ["127.0.0.1"]                 # the feed itself, nothing after it
    assert len(http_server.requests_to("/feed.xml")) == 1  # refused: no retry either


def test_redirect_within_the_configured_host_is_followed(http_server):
    with LoopbackServer({"/moved.xml": Response.feed(RSS)}) as other_port:
        moved = other_port.url("/moved.xml")
        url = http_server.route("/feed.xml", _redirect(moved))
        result = fetch(url, timeout=2.0)
    assert result.content == RSS and result.final_url == moved


@contextmanager
def listener(host: str, family=socket.AF_INET):
    """A bare listening socket: connections completed by the kernel wait in its backlog."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
    except OSError as exc:
        sock.close()
        pytest.skip(f"cannot listen on {host}: {exc}")
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def _connections(sock) -> int:
    n = 0
    while select.select([sock], [], [], 0.2)[0]:
        conn, _ = sock.accept()
        conn.close()
        n += 1
    return n


@pytest.mark.parametrize("host,family", [("127.0.0.2", socket.AF_INET), ("::1", socket.AF_INET6)])
def test_a_real_listener_at_the_redirect_target_sees_no_connection(host, family, http_server, tmp_path):
    with listener(host, family) as trap:
        port = trap.getsockname()[1]
        target = f"http://{'[::1]' if family == socket.AF_INET6 else host}:{port}/feed.xml"
        url = http_server.route("/feed.xml", _redirect(target, 301))
        with open_store(tmp_path / "state") as store:
            result = ingest([SourceSpec(name="Mover", url=url)], store=store, now=NOW,
                            progress=False, fetch_timeout=2.0)
            health = store.feed(url)
        assert _connections(trap) == 0
    assert result.articles == () and [e.origin for e in result.errors] == [url]
    assert "refused redirect" in health.last_error and host in health.last_error
    assert health.consecutive_failures == 1


# -------------------------------------------------------------- proxies

class _Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextmanager
def loopback_proxy():
    """A forwarding HTTP proxy on 127.0.0.1 that records request lines (CONNECT answered 502)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_CONNECT(self):  # noqa: N802
            seen.append(f"CONNECT {self.path} auth={self.headers.get('Proxy-Authorization')}")
            self.send_response(502, "no tunnels here")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):  # noqa: N802
            seen.append(f"GET {self.path} auth={self.headers.get('Proxy-Authorization')}")
            parts = http.client.urlsplit(self.path)
            upstream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            upstream.request("GET", parts.path or "/", headers={"Via": "1.1 test-proxy"})
            answer = upstream.getresponse()
            body = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type") or "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Proxy(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://user:p%40ss@127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_http_proxy_is_used(http_server, monkeypatch):
    url = http_server.route("/feed.xml", Response.feed(RSS))
    with loopback_proxy() as (proxy, seen):
        for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        result = fetch(url, timeout=2.0)
    assert result.content == RSS
    assert seen == [f"GET {url} auth=Basic dXNlcjpwQHNz"]         # user:p@ss
    assert http_server.requests_to("/feed.xml")[0].header("via") == "1.1 test-proxy"


def test_no_proxy_bypasses_it(http_server, monkeypatch):
    url = http_server.route("/feed.xml", Response.feed(RSS))
    with loopback_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("http_proxy", raising=False)
        assert fetch(url, timeout=2.0).content == RSS
    assert seen == [] and http_server.requests_to("/feed.xml")[0].header("via") is None


def test_https_goes_through_the_proxy_tunnel_without_a_lookup(monkeypatch):
    with loopback_proxy() as (proxy, seen):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        for name in ("https_proxy", "no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        with pytest.raises(FetchError, match="through proxy 127.0.0.1") as caught:
            fetch("https://feeds.invalid/feed.xml", timeout=2.0, retries=0)
    assert caught.value.origin == "https://feeds.invalid/feed.xml"
    assert seen == ["CONNECT feeds.invalid:443 auth=Basic dXNlcjpwQHNz"]


# -------------------------------------------------------------- time per feed

def _timed_ingest(url, **kwargs):
    started = time.monotonic()
    result = ingest([SourceSpec(name="Slow", url=url)], now=NOW, progress=False, **kwargs)
    return result, time.monotonic() - started


def test_a_hanging_feed_costs_one_timeout_and_one_retry_in_a_manual_run(http_server):
    url = http_server.route("/feed.xml", hang())
    result, took = _timed_ingest(url, fetch_timeout=0.5)
    assert len(http_server.requests_to("/feed.xml")) == 2
    assert 1.0 <= took < 2.5, took          # two timeouts and a short backoff, not 4 x timeout
    assert "2 attempts" in result.errors[0].message


def test_a_scheduled_run_retries_more_but_within_the_feed_budget(http_server):
    url = http_server.route("/feed.xml", hang())
    result, took = _timed_ingest(url, fetch_timeout=0.5, honour_backoff=True)
    assert took < 0.5 * 4 + 1.0, took        # budget: deadline (3 x timeout) + one timeout
    assert "no time left" in result.errors[0].message or "attempts" in result.errors[0].message


def test_a_trickling_feed_is_bounded_by_the_budget(http_server):
    url = http_server.route("/feed.xml", trickle(RSS, 0.05))
    result, took = _timed_ingest(url, fetch_timeout=0.5, honour_backoff=True)
    assert took < 0.5 * 4 + 1.0, took
    assert [e.origin for e in result.errors] == [url] and "deadline" in result.errors[0].message


def test_retry_after_an_hour_is_next_run_not_a_wait(http_server, tmp_path):
    url = http_server.route("/feed.xml", Response(503, b"busy", (("Retry-After", "3600"),)))
    with open_store(tmp_path / "state") as store:
        result, took = _timed_ingest(url, fetch_timeout=2.0, store=store)
        health = store.feed(url)
    assert took < 1.5 and len(http_server.requests_to("/feed.xml")) == 1
    assert "retry after 3600 s" in result.errors[0].message and "next run" in health.last_error


def test_304_without_a_validator_sent_is_a_server_fault(http_server, tmp_path):
    url = http_server.route("/feed.xml", Response(304, b""))
    with open_store(tmp_path / "state") as store:
        for _ in range(3):
            result = ingest([SourceSpec(name="Lazy", url=url)], store=store, now=NOW,
                            progress=False, fetch_timeout=2.0)
        health = store.feed(url)
    assert result.not_modified == 0 and [e.origin for e in result.errors] == [url]
    assert "304" in result.errors[0].message and "no validator" in result.errors[0].message
    assert health.consecutive_failures == 3 and "no validator" in health.last_error
    assert all(r.header("if-none-match") is None for r in http_server.requests_to("/feed.xml"))


def test_ftp_is_refused_as_a_url_naming_it():
    spec = spec_for("ftp://example.org/feed.xml")
    result = ingest([spec], now=NOW, progress=False)
    assert [e.origin for e in result.errors] == ["ftp://example.org/feed.xml"]
    assert "scheme 'ftp' is not http or https" in result.errors[0].message


def test_ftp_given_as_a_path_in_the_configuration_is_refused(tmp_path):
    result = ingest([SourceSpec(name="Old", path=Path("ftp://example.org/feed.xml"))], now=NOW,
                    progress=False)
    assert [e.origin for e in result.errors] == ["Old"] and "is a URL" in result.errors[0].message


# -------------------------------------------------------------- terminal safety

def _hostile_reason(request, h):
    h.wfile.write(f"HTTP/1.1 503 Busy{ESCAPES}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                  .encode("utf-8"))
    h.wfile.flush()


def test_a_hostile_reason_phrase_never_reaches_a_message_or_a_log(http_server, tmp_path, caplog):
    from pipeline.config import load_settings
    from pipeline.run import run_digest

    url = http_server.route("/feed.xml", _hostile_reason)
    (tmp_path / "newsdesk.toml").write_text(
        f'state_dir = "state"\nfetch_timeout = 2.0\nfailure_warning = 2\n\n'
        f'[[sources]]\nname = "Evil{ESCAPES}"\nurl = "{url}"\n'.replace("\x1b", "\\u001b")
        .replace("\x07", "\\u0007").replace("\u202e", "\\u202e").replace("\x9b", "\\u009b"))
    settings = load_settings(tmp_path / "newsdesk.toml", env={})
    assert ESCAPES in settings.sources[0].name
    with caplog.at_level(logging.INFO):
        for day in range(2):
            report = run_digest(settings, now=NOW.replace(day=20 + day), progress=False)
    assert "has failed 2 times" in caplog.text and "retry 1 of 1" in caplog.text
    for text in [caplog.text, *(e.message for e in report.errors)]:
        assert not any(c in text for c in "\x1b\x07\u202e\x9b"), repr(text)
    assert "Busy]0;pwned[2J" in report.errors[0].message
    # And what the command prints, verbose (the retry lines) and with the repeated-failure warning.
    proc = subprocess.run([str(NEWSDESK), "--config", str(tmp_path / "newsdesk.toml"), "--verbose",
                           "digest"], capture_output=True, timeout=120, cwd=tmp_path)
    out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    assert "has failed 3 times" in out and "retry 1 of 1" in out, out
    assert not any(c in out for c in "\x1b\x07\u202e\x9b"), repr(out)
