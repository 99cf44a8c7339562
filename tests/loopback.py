"""Real HTTP servers on 127.0.0.1 for tests: serve canned or scripted responses, record requests.

``LoopbackServer`` is a ``ThreadingHTTPServer`` on an ephemeral port running in a daemon thread.
Routes map a path to one of:

* a ``Response`` (served every time),
* a list of those two (served in order, the last one repeated: "503, 503, then 200"),
* a callable ``(request, handler) -> Response | None``; returning None means the callable wrote
  to ``handler.wfile`` itself (trickling, dropping the connection, never answering).

Every request is recorded (path, headers) and the server tracks how many requests are in flight
per ``Host`` name, so a test can check a client's per-host concurrency limit.
"""
from __future__ import annotations

import email.utils
import gzip
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Union

# How long a hanging handler waits at most; the server's stop() wakes it earlier.
HANG_LIMIT = 30.0


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def feed(cls, body: bytes | str, content_type: str = "application/rss+xml; charset=utf-8",
             **kwargs) -> "Response":
        data = body.encode("utf-8") if isinstance(body, str) else body
        extra = tuple(kwargs.pop("headers", ()))
        return cls(200, data, (("Content-Type", content_type),) + extra, **kwargs)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]      # names lower-cased
    host: str                    # the Host header without the port
    body: bytes = b""            # what a POST carried (Content-Length bytes)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Handler = Callable[[RecordedRequest, BaseHTTPRequestHandler], Union[Response, None]]
Route = Union[Response, Handler, list[Union[Response, Handler]]]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.owner._handle(self)

    do_POST = do_GET             # the body is read into RecordedRequest.body

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False       # a hanging handler must not block stop()
    owner: "LoopbackServer"


class LoopbackServer:
    """A real HTTP/1.1 server on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(self, routes: dict[str, Route] | None = None, *, tls: "ssl.SSLContext | None" = None):
        """`tls`: a server-side context (a trustme certificate) to serve https instead."""
        self.routes: dict[str, Route] = dict(routes or {})
        self.tls = tls
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._served: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()   # host -> most requests at once
        self.max_in_flight_total = 0                     # most requests at once, all hosts
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "LoopbackServer":
        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """The URL of `path`; host="localhost" reaches the same server under another host name."""
        return f"{'https' if self.tls is not None else 'http'}://{host}:{self.port}{path}"

    # -- routes and records ----------------------------------------------------------------
    def route(self, path: str, route: Route) -> str:
        """Add or replace a route; returns its URL on 127.0.0.1."""
        self.routes[path] = route
        return self.url(path)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        host = (h.headers.get("Host") or "").rsplit(":", 1)[0]
        length = int(h.headers.get("Content-Length") or 0)
        request = RecordedRequest(h.command, h.path,
                                  {k.lower(): v for k, v in h.headers.items()}, host,
                                  h.rfile.read(length) if length else b"")
        with self._lock:
            self.requests.append(request)
            nth = self._served[h.path]
            self._served[h.path] += 1
            self._in_flight[host] += 1
            self.max_in_flight[host] = max(self.max_in_flight[host], self._in_flight[host])
            self.max_in_flight_total = max(self.max_in_flight_total,
                                           sum(self._in_flight.values()))
        in_flight = True
        try:
            route = self.routes.get(h.path.split("?", 1)[0], Response(404, b"not found"))
            if isinstance(route, list):
                route = route[min(nth, len(route) - 1)]
            response = route if isinstance(route, Response) else route(request, h)
            if response is not None:
                # Count the request as finished before the client can see the last byte, or
                # its next request could overlap this one in the count.
                in_flight = self._done(host)
                write_response(h, response)
        except (BrokenPipeError, ConnectionResetError):
            pass                  # the client gave up first: that is what some tests are about
        finally:
            h.close_connection = True
            if in_flight:
                self._done(host)

    def _done(self, host: str) -> bool:
        with self._lock:
            self._in_flight[host] -= 1
        return False


def write_response(h: BaseHTTPRequestHandler, response: Response) -> None:
    """Write a whole response with Content-Length and Connection: close."""
    h.send_response(response.status)
    names = {name.lower() for name, _ in response.headers}
    for name, value in response.headers:
        h.send_header(name, value)
    if "content-length" not in names:
        h.send_header("Content-Length", str(len(response.body)))
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(response.body)
    h.wfile.flush()


# -- scripted behaviours, as route callables ---------------------------------------------------

def conditional(body: bytes, etag: str | None = None, last_modified: str | None = None,
                content_type: str = "application/rss+xml") -> Handler:
    """200 with validators, or 304 when the request's If-None-Match / If-Modified-Since match."""
    validators = tuple((n, v) for n, v in (("ETag", etag), ("Last-Modified", last_modified)) if v)

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> Response:
        inm = request.header("If-None-Match")
        ims = request.header("If-Modified-Since")
        if (etag and inm == etag) or (inm is None and last_modified and ims == last_modified):
            return Response(304, b"", validators)
        return Response(200, body, (("Content-Type", content_type),) + validators)

    return handle


def gzipped(body: bytes, content_type: str = "application/rss+xml") -> Response:
    return Response(200, gzip.compress(body),
                    (("Content-Type", content_type), ("Content-Encoding", "gzip")))


def trickle(body: bytes, interval: float) -> Handler:
    """Send the headers at once, then the body one byte per `interval` seconds."""

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        for i in range(len(body)):
            if h.server.owner.stopping.wait(interval):  # type: ignore[attr-defined]
                return
            h.wfile.write(body[i:i + 1])
            h.wfile.flush()

    return handle


def hang() -> Handler:
    """Read the request, then never answer (until the server stops)."""

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> None:
        h.server.owner.stopping.wait(HANG_LIMIT)  # type: ignore[attr-defined]

    return handle


def drop_mid_body(body: bytes, claimed_length: int) -> Handler:
    """Promise `claimed_length` bytes, send `body` (shorter), then close the connection."""

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(claimed_length))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)

    return handle


def slow(response: Response, seconds: float) -> Handler:
    """Answer with `response` after `seconds` (holds the request in flight meanwhile)."""

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> Response:
        h.server.owner.stopping.wait(seconds)  # type: ignore[attr-defined]
        return response

    return handle


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP port that completes the handshake (the kernel does) but never reads or answers.

    Yields its http:// URL. The listening socket never calls accept(): connections wait in the
    backlog, which is exactly a server that accepts and then says nothing.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
    finally:
        sock.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` until true or `timeout`; for server-side effects that land a bit later."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def without_length(body: bytes, content_type: str = "application/rss+xml") -> Handler:
    """A body delimited only by closing the connection (no Content-Length, not chunked)."""

    def handle(request: RecordedRequest, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    return handle
