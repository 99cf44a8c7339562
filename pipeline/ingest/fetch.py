"""HTTP fetching of feeds: the only network code of Newsdesk.

Polite (honest User-Agent, conditional GET, a per-host limit, Retry-After honoured) and robust
(timeouts, an overall deadline per attempt and a time budget per feed, retries with backoff).
Standard library only: ``http.client`` gives us the socket, which the deadline watchdog needs,
and leaves redirects and decoding to us. Where a request may go (schemes, redirect targets,
proxies) is decided in pipeline.ingest.addresses; how a body is read and decoded, with its size
caps, in pipeline.ingest.body. Every string a server sends passes through the terminal-safe rule
before it reaches a message or a log.
"""
from __future__ import annotations

import http.client
import logging
import random
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

from pipeline import USER_AGENT
from pipeline.errors import FetchError
from pipeline.ingest.addresses import (IPAddress, check_url, open_connection, origin_addresses,
                                       proxy_for, redirect_addresses)
from pipeline.ingest.body import (Answer, Retryable, Watchdog, answer_of, header, read_body,
                                  retry_after)
from pipeline.terminal import safe

log = logging.getLogger(__name__)

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, */*;q=0.8")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5              # what browsers and feed readers tolerate before calling it broken
DEADLINE_FACTOR = 3.0          # default per-attempt deadline = 3 x the per-read timeout
# Default time budget of one feed, retries and waits included: one full attempt (the deadline)
# plus one timeout. A feed that hangs costs one timeout and one retry; one that trickles, its
# deadline and what is left; a Retry-After beyond the budget is "try next run" (issue 17).
BUDGET_EXTRA_TIMEOUTS = 1
JITTER = 0.1                   # up to +10% on each backoff wait, so clients do not retry in step
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


# -- public API --------------------------------------------------------------------------------

def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024, retries: int = 3,
          backoff: float = 1.0, max_retry_after: float = 120.0,
          sleep: Callable[[float], None] = time.sleep, opener: Opener | None = None,
          deadline: float | None = None, budget: float | None = None,
          proxies: dict[str, str] | None = None) -> FetchResult:
    """GET a feed. Raises FetchError (naming the URL, the status when there was one, and why).

    `timeout` bounds the connect and each read; `deadline` (default 3 x timeout) bounds one
    attempt from connection to last byte, so a server trickling bytes cannot hold the run;
    `budget` (default deadline + timeout) bounds the whole feed, retries and waits included.
    `retries` is the number of extra attempts after the first on 429, 5xx, connection errors
    and timeouts. Redirects go only where pipeline.ingest.addresses allows, checked before any
    connection; proxies come from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (`proxies`: those read
    once by the caller, as urllib.request.getproxies() gives them).
    """
    started = time.monotonic()
    configured = check_url(url, url)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT,
               "Accept-Encoding": "gzip, deflate", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = deadline if deadline is not None else timeout * DEADLINE_FACTOR
    budget = budget if budget is not None else deadline + BUDGET_EXTRA_TIMEOUTS * timeout
    if proxies is None and opener is None:
        proxies = urllib.request.getproxies()
    limits = _Limits(timeout, deadline, max_bytes, opener, started + budget, budget,
                     proxies or {})
    chain = [url]
    pinned: list[IPAddress] = []
    origin: list[IPAddress] | None = None
    attempts = 0
    while True:
        answer, n = _with_retries(url, chain[-1], pinned, headers, limits, retries, backoff,
                                  max_retry_after, sleep)
        attempts += n
        if answer.status not in REDIRECT_STATUSES:
            break
        location = header(answer.headers, "location")
        if not location:
            raise FetchError(url, f"HTTP {answer.status} redirect without a Location header",
                             answer.status)
        try:
            target = urlunsplit(urlsplit(urljoin(chain[-1], location.strip()))._replace(fragment=""))
        except ValueError as exc:
            raise FetchError(url, f"invalid redirect {safe(location)!r}: {exc}",
                             answer.status) from exc
        check_url(url, target)
        if target in chain:
            raise FetchError(url, "redirect loop: " + safe(" -> ".join(chain + [target])),
                             answer.status)
        chain.append(target)
        if len(chain) > MAX_REDIRECTS + 1:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects: "
                             + safe(" -> ".join(chain)), answer.status)
        if origin is None:
            origin = origin_addresses(configured)
        proxied = opener is None and proxy_for(urlsplit(target), limits.proxies) is not None
        pinned = redirect_addresses(url, target, origin, proxied)     # raises when refused
        log.debug("%s: HTTP %d -> %s", safe(url), answer.status, safe(target))

    not_modified = answer.status == 304
    if not_modified and not (etag or last_modified):
        # Nothing was asked to be compared: a 304 then is a broken server (or cache), and taking
        # it for "unchanged" would show the feed as fine, with no items, for ever.
        raise FetchError(url, "HTTP 304 Not Modified to a request that sent no validator "
                         "(a server fault)" + _at(url, chain), 304)
    if not (200 <= answer.status < 300 or not_modified):
        # 4xx other than 429 (and any odd 1xx/3xx) land here: not worth a retry.
        raise FetchError(url, f"HTTP {answer.status} {answer.reason}".rstrip() + _at(url, chain),
                         answer.status)
    return FetchResult(
        url=url, final_url=chain[-1], status=answer.status,
        content=None if not_modified else (answer.body or b""),
        headers=answer.headers, content_type=answer.content_type, charset=answer.charset,
        etag=header(answer.headers, "etag") or (etag if not_modified else None),
        last_modified=(header(answer.headers, "last-modified")
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
    if fetch_kwargs.get("opener") is None:
        fetch_kwargs.setdefault("proxies", urllib.request.getproxies())   # read once, not per URL
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
    opener: Opener | None
    ends: float                  # time.monotonic() when the feed's budget is spent
    budget: float
    proxies: dict[str, str]      # urllib.request.getproxies(), read once

    def left(self) -> float:
        return self.ends - time.monotonic()


def _with_retries(url: str, current: str, pinned: list[IPAddress], headers: dict[str, str],
                  limits: _Limits, retries: int, backoff: float, max_retry_after: float,
                  sleep: Callable[[float], None]) -> tuple[Answer, int]:
    attempt = 0
    while True:
        attempt += 1
        try:
            answer = _attempt(url, current, pinned, headers, limits)
            if answer.status != 429 and not 500 <= answer.status <= 599:
                return answer, attempt
            failure = Retryable(f"HTTP {answer.status} {answer.reason}".rstrip(), answer.status,
                                retry_after(header(answer.headers, "retry-after")))
        except Retryable as exc:
            failure = exc
        tries = "1 attempt" if attempt == 1 else f"{attempt} attempts"
        where = _at(url, [current])
        if attempt > retries:
            raise FetchError(url, f"{failure.reason} after {tries}{where}", failure.status)
        left = limits.left()
        if failure.retry_after is not None:
            if failure.retry_after > min(max_retry_after, left):
                raise FetchError(url, f"{failure.reason}: the server asks for a retry after "
                                 f"{failure.retry_after:.0f} s, beyond this feed's "
                                 f"{limits.budget:g} s in a run: next run{where}", failure.status)
            pause = failure.retry_after
        else:
            pause = min(backoff * 2 ** (attempt - 1), max_retry_after)
            pause += random.uniform(0, JITTER * pause)
            # Our own backoff shrinks to leave the retry one whole timeout of the budget.
            pause = max(0.0, min(pause, left - limits.timeout))
        if pause >= left:
            raise FetchError(url, f"{failure.reason} after {tries}; no time left for a retry "
                             f"within this feed's {limits.budget:g} s{where}", failure.status)
        log.info("%s: %s; retry %d of %d in %.1f s", safe(current), failure.reason, attempt,
                 retries, pause)
        sleep(pause)


def _attempt(url: str, current: str, pinned: list[IPAddress], headers: dict[str, str],
             limits: _Limits) -> Answer:
    parts = urlsplit(current)
    left = limits.left()
    timeout, deadline = min(limits.timeout, left), min(limits.deadline, left)
    # Escape what http.client would refuse (spaces, non-ASCII), keep what is already escaped.
    target = quote(parts.path or "/", safe=_SAFE_PATH) + (
        "?" + quote(parts.query, safe=_SAFE_QUERY) if parts.query else "")
    proxy = proxy_for(parts, limits.proxies) if limits.opener is None else None
    if proxy is not None and parts.scheme.lower() == "http":
        target = urlunsplit((parts.scheme, parts.netloc, target, "", ""))   # absolute, for it
        if proxy.authorization:
            headers = {**headers, "Proxy-Authorization": proxy.authorization}
    conn: http.client.HTTPConnection | None = None
    watchdog: Watchdog | None = None
    try:
        if timeout <= 0:
            raise Retryable(f"no time left within this feed's {limits.budget:g} s")
        conn = (limits.opener(parts, timeout) if limits.opener is not None
                else open_connection(parts, timeout, proxy, pinned))
        conn.connect()
        watchdog = Watchdog(conn.sock, deadline)
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        answer_headers = tuple(response.getheaders())
        if not 200 <= response.status < 300:
            return answer_of(response, answer_headers, None)
        body = read_body(url, response, limits.max_bytes)
        if watchdog.fired:       # the watchdog's shutdown can look like a clean end of body
            raise TimeoutError
        return answer_of(response, answer_headers, body)
    except (FetchError, Retryable):
        raise
    except TimeoutError as exc:
        if watchdog is not None and watchdog.fired:
            raise Retryable(f"no complete answer within the deadline of {deadline:.3g} s")
        raise Retryable(f"timed out (no data for {timeout:.3g} s)") from exc
    except (ValueError, http.client.InvalidURL) as exc:
        # A stored validator with a line break, a URL http.client refuses: no retry will help.
        raise FetchError(url, f"invalid request: {safe(exc)}") from exc
    except (OSError, http.client.HTTPException) as exc:
        if watchdog is not None and watchdog.fired:
            raise Retryable(f"no complete answer within the deadline of {deadline:.3g} s")
        if isinstance(exc, http.client.IncompleteRead):
            raise Retryable("connection closed mid-body") from exc
        if isinstance(exc, socket.gaierror) and exc.errno != socket.EAI_AGAIN:
            raise FetchError(url, f"cannot resolve host {safe(parts.hostname)!r}: {exc}") from exc
        if isinstance(exc, ssl.SSLCertVerificationError):
            raise FetchError(url, f"TLS certificate rejected: {exc.verify_message}") from exc
        via = f" (through {proxy.describe()})" if proxy is not None else ""
        raise Retryable(f"connection failed{via}: {safe(_describe(exc))}") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if conn is not None:
            conn.close()


# -- small helpers ---------------------------------------------------------------------------

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
