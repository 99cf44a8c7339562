"""HTTP fetching of feeds: the only network code of Newsdesk.

Polite (honest User-Agent, conditional GET, a per-host limit, Retry-After honoured) and robust
(timeouts, an overall deadline per attempt, size caps on the wire and after decompression,
retries with backoff, never a half body). Standard library only: ``http.client`` gives us the
socket, which the deadline watchdog needs, and leaves redirects and decoding to us.
"""
from __future__ import annotations

import email.utils
import http.client
import logging
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from pipeline import USER_AGENT
from pipeline.errors import FetchError

log = logging.getLogger(__name__)

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, */*;q=0.8")
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5              # what browsers and feed readers tolerate before calling it broken
DEADLINE_FACTOR = 3.0          # default per-attempt deadline = 3 x the per-read timeout
JITTER = 0.1                   # up to +10% on each backoff wait, so clients do not retry in step
CHUNK = 64 * 1024
_SAFE_PATH = "/%:@!$&'()*+,;=~"
_SAFE_QUERY = _SAFE_PATH + "?"

# A connection factory: (split URL, timeout) -> an unconnected HTTP(S)Connection. Lets a caller
# bring its own TLS context or proxy tunnel (HTTPConnection.set_tunnel).
Opener = Callable[[SplitResult, float], http.client.HTTPConnection]


@dataclass(frozen=True)
class FetchResult:
    url: str                                  # as requested
    final_url: str                            # after redirects
    status: int
    content: bytes | None                     # decoded body; None on 304
    headers: tuple[tuple[str, str], ...]      # the final response's headers, in order
    content_type: str | None                  # media type only, lower-cased: "application/rss+xml"
    charset: str | None                       # the Content-Type charset parameter, as the server said
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed: float                            # seconds, retries and waits included
    attempts: int                             # HTTP requests made, redirects and retries included

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_map(self) -> dict[str, str]:
        """Headers as feedparser's ``response_headers`` wants them: lower-case names.

        Adds ``content-location: final_url`` when the server sent none, so relative links in
        the feed resolve against where it was really found.
        """
        out: dict[str, str] = {}
        for k, v in self.headers:
            k = k.lower()
            out[k] = f"{out[k]}, {v}" if k in out else v
        out.setdefault("content-location", self.final_url)
        return out


@dataclass(frozen=True)
class FetchJob:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    key: object = None                        # any tag of the caller's (a source id, say)


@dataclass(frozen=True)
class _Answer:
    """One HTTP response, body read (2xx) or not (anything else)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    content_type: str | None
    charset: str | None
    body: bytes | None


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


# -- public API --------------------------------------------------------------------------------

def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024, retries: int = 3,
          backoff: float = 1.0, max_retry_after: float = 120.0,
          sleep: Callable[[float], None] = time.sleep, opener: Opener | None = None,
          deadline: float | None = None) -> FetchResult:
    """GET a feed. Raises FetchError (naming the URL, the status when there was one, and why).

    `timeout` bounds the connect and each read; `deadline` (default 3 x timeout) bounds one
    attempt from connection to last byte, so a server trickling bytes cannot hold the run. `retries` is the number of
    extra attempts after the first on 429, 5xx, connection errors and timeouts.
    """
    started = time.monotonic()
    _check_scheme(url, url)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT,
               "Accept-Encoding": "gzip, deflate", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limits = _Limits(timeout, deadline if deadline is not None else timeout * DEADLINE_FACTOR,
                     max_bytes, opener or _default_opener)
    chain = [url]
    attempts = 0
    while True:
        answer, n = _with_retries(url, chain[-1], headers, limits, retries, backoff,
                                  max_retry_after, sleep)
        attempts += n
        if answer.status not in REDIRECT_STATUSES:
            break
        location = _header(answer.headers, "location")
        if not location:
            raise FetchError(url, f"HTTP {answer.status} redirect without a Location header",
                             answer.status)
        target = urlunsplit(urlsplit(urljoin(chain[-1], location.strip()))._replace(fragment=""))
        _check_scheme(url, target)
        if target in chain:
            raise FetchError(url, "redirect loop: " + " -> ".join(chain + [target]), answer.status)
        chain.append(target)
        if len(chain) > MAX_REDIRECTS + 1:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects: " + " -> ".join(chain),
                             answer.status)
        log.debug("%s: HTTP %d -> %s", url, answer.status, target)

    not_modified = answer.status == 304
    if not (200 <= answer.status < 300 or not_modified):
        # 4xx other than 429 (and any odd 1xx/3xx) land here: not worth a retry.
        raise FetchError(url, f"HTTP {answer.status} {answer.reason}".rstrip() + _at(url, chain),
                         answer.status)
    return FetchResult(
        url=url, final_url=chain[-1], status=answer.status,
        content=None if not_modified else (answer.body or b""),
        headers=answer.headers, content_type=answer.content_type, charset=answer.charset,
        etag=_header(answer.headers, "etag") or (etag if not_modified else None),
        last_modified=(_header(answer.headers, "last-modified")
                       or (last_modified if not_modified else None)),
        not_modified=not_modified, elapsed=time.monotonic() - started, attempts=attempts)


def fetch_many(jobs: Iterable[FetchJob], *, max_workers: int = 8, per_host: int = 2,
               **fetch_kwargs) -> Iterator[tuple[FetchJob, FetchResult | FetchError]]:
    """Fetch concurrently, yielding (job, result or error) as each completes.

    At most `max_workers` requests at once and at most `per_host` to one host name; a job waits
    in its host's queue rather than holding a worker thread. One failure never stops the rest.
    """
    if max_workers < 1 or per_host < 1:
        raise ValueError("max_workers and per_host must be at least 1")
    queues: dict[str, list[FetchJob]] = {}
    for job in jobs:
        queues.setdefault(_host_of(job.url), []).append(job)
    busy: dict[str, int] = {host: 0 for host in queues}
    running: dict[Future, tuple[str, FetchJob]] = {}

    def run(job: FetchJob) -> FetchResult | FetchError:
        try:
            return fetch(job.url, etag=job.etag, last_modified=job.last_modified, **fetch_kwargs)
        except FetchError as exc:
            return exc
        except Exception as exc:  # a bug of ours must not stop the other feeds either
            log.exception("%s: unexpected error while fetching", job.url)
            return FetchError(job.url, f"unexpected error: {exc!r}")

    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="fetch") as pool:
        try:
            while True:
                for host, queue in queues.items():
                    while queue and busy[host] < per_host and len(running) < max_workers:
                        job = queue.pop(0)
                        busy[host] += 1
                        running[pool.submit(run, job)] = (host, job)
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    host, job = running.pop(future)
                    busy[host] -= 1
                    yield job, future.result()
        finally:
            for future in running:
                future.cancel()


# -- one URL, with retries -------------------------------------------------------------------

@dataclass(frozen=True)
class _Limits:
    timeout: float
    deadline: float
    max_bytes: int
    opener: Opener


def _with_retries(url: str, current: str, headers: dict[str, str], limits: _Limits, retries: int,
                  backoff: float, max_retry_after: float,
                  sleep: Callable[[float], None]) -> tuple[_Answer, int]:
    attempt = 0
    while True:
        attempt += 1
        try:
            answer = _attempt(url, current, headers, limits)
            if answer.status != 429 and not 500 <= answer.status <= 599:
                return answer, attempt
            failure = _Retryable(f"HTTP {answer.status} {answer.reason}".rstrip(), answer.status,
                                 _retry_after(_header(answer.headers, "retry-after")))
        except _Retryable as exc:
            failure = exc
        if attempt > retries:
            tries = "1 attempt" if attempt == 1 else f"{attempt} attempts"
            raise FetchError(url, f"{failure.reason} after {tries}{_at(url, [current])}",
                             failure.status)
        if failure.retry_after is not None:
            pause = min(failure.retry_after, max_retry_after)
        else:
            pause = min(backoff * 2 ** (attempt - 1), max_retry_after)
            pause += random.uniform(0, JITTER * pause)
        log.info("%s: %s; retry %d of %d in %.1f s", current, failure.reason, attempt, retries,
                 pause)
        sleep(pause)


def _attempt(url: str, current: str, headers: dict[str, str], limits: _Limits) -> _Answer:
    parts = urlsplit(current)
    # Escape what http.client would refuse (spaces, non-ASCII), keep what is already escaped.
    target = quote(parts.path or "/", safe=_SAFE_PATH) + (
        "?" + quote(parts.query, safe=_SAFE_QUERY) if parts.query else "")
    conn: http.client.HTTPConnection | None = None
    watchdog: _Watchdog | None = None
    try:
        conn = limits.opener(parts, limits.timeout)
        conn.connect()
        watchdog = _Watchdog(conn.sock, limits.deadline)
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        answer_headers = tuple(response.getheaders())
        if not 200 <= response.status < 300:
            return _answer(response, answer_headers, None)
        body = _read_body(url, response, limits.max_bytes)
        if watchdog.fired:       # the watchdog's shutdown can look like a clean end of body
            raise TimeoutError
        return _answer(response, answer_headers, body)
    except FetchError:
        raise
    except TimeoutError as exc:
        if watchdog is not None and watchdog.fired:
            raise _Retryable(f"no complete answer within the deadline of {limits.deadline:g} s")
        raise _Retryable(f"timed out (no data for {limits.timeout:g} s)") from exc
    except (ValueError, http.client.InvalidURL) as exc:
        # A stored validator with a line break, a URL http.client refuses: no retry will help.
        raise FetchError(url, f"invalid request: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        if watchdog is not None and watchdog.fired:
            raise _Retryable(f"no complete answer within the deadline of {limits.deadline:g} s")
        if isinstance(exc, http.client.IncompleteRead):
            raise _Retryable("connection closed mid-body") from exc
        if isinstance(exc, socket.gaierror) and exc.errno != socket.EAI_AGAIN:
            raise FetchError(url, f"cannot resolve host {parts.hostname!r}: {exc}") from exc
        if isinstance(exc, ssl.SSLCertVerificationError):
            raise FetchError(url, f"TLS certificate rejected: {exc.verify_message}") from exc
        raise _Retryable(f"connection failed: {_describe(exc)}") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if conn is not None:
            conn.close()


def _read_body(url: str, response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    length = response.length
    if length is not None and length > max_bytes:
        raise FetchError(url, f"body of {length} bytes exceeds the limit of {max_bytes} bytes",
                         response.status)
    decoder = _BoundedDecoder(url, response.getheader("Content-Encoding"), max_bytes,
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


class _BoundedDecoder:
    """Streams gzip/deflate decoding, stopping as soon as the output passes `limit`."""

    def __init__(self, url: str, encoding: str | None, limit: int, status: int):
        self.url, self.limit, self.status = url, limit, status
        codings = [c.strip().lower() for c in (encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}", status)
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
            raise _Retryable(f"truncated {self.coding} body")
        return b"".join(self.parts)


class _Watchdog:
    """Shuts the socket down when one attempt outlives its deadline; a blocked read then ends."""

    def __init__(self, sock: socket.socket | None, seconds: float):
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass             # already closed: nothing left to stop

    def cancel(self) -> None:
        self._timer.cancel()


# -- small helpers ---------------------------------------------------------------------------

def _default_opener(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def _check_scheme(url: str, target: str) -> None:
    try:
        parts = urlsplit(target)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise FetchError(url, f"invalid URL {target!r}: {exc}") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        what = "URL" if url == target else f"redirect to {target!r}"
        raise FetchError(url, f"refused {what}: scheme {parts.scheme or '(none)'!r} is not "
                         "http or https")
    if not parts.hostname:
        raise FetchError(url, f"invalid URL {target!r}: no host")


def _answer(response: http.client.HTTPResponse, headers: tuple[tuple[str, str], ...],
            body: bytes | None) -> _Answer:
    message = response.msg
    has_type = message.get("Content-Type") is not None
    return _Answer(response.status, response.reason or "", headers,
                   message.get_content_type() if has_type else None,
                   message.get_param("charset") if has_type else None,  # type: ignore[arg-type]
                   body)


def _retry_after(value: str | None) -> float | None:
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


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _at(url: str, chain: list[str]) -> str:
    return f" (at {chain[-1]})" if chain[-1] != url else ""


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
