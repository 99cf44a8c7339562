"""Reading a response: size caps on the wire and after gzip/deflate decoding, never half a body,
and a watchdog that ends an attempt at its deadline. A decompression bomb stops at the cap, not
at the end of memory; a server trickling bytes stops at the deadline."""
from __future__ import annotations

import email.utils
import heapq
import http.client
import socket
import threading
import time
import zlib

from dataclasses import dataclass
from datetime import datetime, timezone

from pipeline.errors import FetchError
from pipeline.terminal import safe

CHUNK = 64 * 1024


class Retryable(Exception):
    """A failure another attempt may not meet (a timeout, a cut connection, a 5xx)."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


@dataclass(frozen=True)
class Answer:
    """One HTTP response, body read (2xx) or not (anything else)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    content_type: str | None
    charset: str | None
    body: bytes | None


def answer_of(response: http.client.HTTPResponse, headers: tuple[tuple[str, str], ...],
            body: bytes | None) -> Answer:
    message = response.msg
    has_type = message.get("Content-Type") is not None
    # The reason phrase is the server's own text: it reaches messages, health and logs.
    return Answer(response.status, safe(response.reason or "")[:100], headers,
                   message.get_content_type() if has_type else None,
                   message.get_param("charset") if has_type else None,  # type: ignore[arg-type]
                   body)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def read_body(url: str, response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    length = response.length
    if length is not None and length > max_bytes:
        raise FetchError(url, f"body of {length} bytes exceeds the limit of {max_bytes} bytes",
                         response.status)
    decoder = BoundedDecoder(url, response.getheader("Content-Encoding"), max_bytes,
                             response.status)
    wire = 0
    while chunk := response.read1(CHUNK):
        wire += len(chunk)
        if wire > max_bytes:
            raise FetchError(url, f"body exceeds the limit of {max_bytes} bytes",
                             response.status)
        decoder.feed(chunk)
    if response.length:  # read1 reports a closed connection as b"", not as IncompleteRead
        raise http.client.IncompleteRead(b"", response.length)
    return decoder.finish()


class BoundedDecoder:
    """Streams gzip/deflate decoding, stopping as soon as the output passes `limit`."""

    def __init__(self, url: str, encoding: str | None, limit: int, status: int):
        self.url, self.limit, self.status = url, limit, status
        codings = [c.strip().lower() for c in (encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(url, f"unsupported Content-Encoding {safe(encoding)!r}", status)
        self.coding = codings[0] if codings else None
        self.parts: list[bytes] = []
        self.size = 0              # decoded bytes kept
        self.fed = 0               # encoded bytes seen
        self.raw_deflate = False
        self.d = self._new() if self.coding else None

    def _new(self):
        # gzip: header-checked; deflate is meant to be zlib-wrapped but some servers send raw.
        wbits = 16 + zlib.MAX_WBITS if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        return zlib.decompressobj(-zlib.MAX_WBITS if self.raw_deflate else wbits)

    def feed(self, data: bytes) -> None:
        first, self.fed = self.fed == 0, self.fed + len(data)
        if self.d is None:
            self._keep(data)
            return
        try:
            while data:
                if self.d.eof:     # a second gzip member, or trailing junk we ignore
                    if self.coding == "deflate" or not data.startswith(b"\x1f\x8b"):
                        return
                    self.d = self._new()
                out = self.d.decompress(data, self.limit - self.size + 1)
                self._keep(out)
                data = self.d.unconsumed_tail or self.d.unused_data
        except zlib.error as exc:
            if self.coding == "deflate" and not self.raw_deflate and first and not self.size:
                self.raw_deflate, self.fed = True, 0
                self.d = self._new()
                self.feed(data)
                return
            raise FetchError(self.url, f"corrupt {self.coding} body: {exc}", self.status) from exc

    def _keep(self, out: bytes) -> None:
        self.size += len(out)
        if self.size > self.limit:
            raise FetchError(self.url, f"decoded body exceeds the limit of {self.limit} bytes "
                             f"({self.coding or 'identity'})", self.status)
        self.parts.append(out)

    def finish(self) -> bytes:
        # An empty body labelled gzip is common and harmless; a stream cut short is not.
        if self.d is not None and self.fed and not self.d.eof:
            raise Retryable(f"truncated {self.coding} body")
        return b"".join(self.parts)


class _Clock:
    """One thread for every watchdog of the process: it sleeps until the earliest deadline.
    (A timer thread per attempt cost a thread start and stop per request: a fifth of a 304.)"""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, "Watchdog"]] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._n = 0

    def add(self, dog: "Watchdog", seconds: float) -> None:
        with self._wake:
            self._n += 1
            heapq.heappush(self._due, (time.monotonic() + seconds, self._n, dog))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="watchdog")
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)     # cancelled: forgotten when it comes first
                if not self._due:
                    self._wake.wait()
                    continue
                when, _, dog = self._due[0]
                left = when - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._due)
            dog.fire()


_CLOCK = _Clock()


class Watchdog:
    """Shuts the socket down when one attempt outlives its deadline; a blocked read then ends."""

    def __init__(self, sock: socket.socket | None, seconds: float):
        self.fired = False
        self.done = False
        self._sock = sock
        self._lock = threading.Lock()
        _CLOCK.add(self, seconds)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.done = self.fired = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass             # already closed: nothing left to stop

    def cancel(self) -> None:
        with self._lock:
            self.done = True
