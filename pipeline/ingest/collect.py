"""Ingest: configured sources -> normalized Articles, with feed health and validators kept.

Local files are parsed on every core; feeds are fetched concurrently (pipeline.ingest.fetch) with
conditional GET, so an unchanged feed costs a 304 and a read of what the store already has.
"""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.config import SourceSpec
from pipeline.ingest.suffixes import strip_site_suffixes
from pipeline.model import Article, SourceError
from pipeline.progress import Progress, waiting_for
from pipeline.ingest.sources import is_url, local_files, parse_document, read_file, shown
from pipeline.store import Store
from pipeline.workers import worker_pool

log = logging.getLogger(__name__)

# Below this many files the process pool costs more than it saves (measured with
# bench/ingest.py: pool start-up is ~0.1 s, a feed file parses in ~5-30 ms).
PARALLEL_MIN_FILES = 16
# A feed that keeps failing is tried less often: wait 2^(failures-1) x this, capped.
RETRY_BASE = timedelta(minutes=30)
RETRY_CAP = timedelta(hours=24)
# Retries of one feed within a run: someone waiting at a terminal gets one (a hanging feed costs
# one timeout and one retry, not 4 x 20 s); the scheduled job may try harder, within the same
# per-feed time budget (pipeline.ingest.fetch.fetch's `budget`).
MANUAL_RETRIES = 1
SCHEDULED_RETRIES = 3


@dataclass(frozen=True)
class IngestResult:
    articles: tuple[Article, ...]
    errors: tuple[SourceError, ...]
    fetched: int = 0
    not_modified: int = 0
    skipped_unchanged: int = 0
    unchanged_ids: tuple[str, ...] = ()   # ids of unchanged sources' articles, when not loaded


# "ftp://...", "file:///...": a URL of a scheme we do not fetch, which must not become a path.
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


def spec_for(location: str) -> SourceSpec:
    """A command-line SOURCE (file, folder or URL) as a source spec; a URL of any other scheme
    stays a URL, which the fetch refuses by name."""
    if is_url(location) or _URL_LIKE.match(location):
        return SourceSpec(name=location, url=location)
    return SourceSpec(name=location, path=Path(location))


def own_files(settings) -> tuple[Path, ...]:
    """What a run writes or is configured by, never read as a source: the outbox (digests and
    their reports), the state folder and the configuration file."""
    return tuple(p for p in (settings.outbox, settings.state_dir, settings.config_path) if p)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _read_job(job: tuple[str, str, str | None, float, tuple[str, ...], int, bool, datetime]):
    path, origin, name, weight, tags, max_bytes, single, now = job
    return read_file(Path(path), origin, name=name, weight=weight, tags=tags,
                     max_bytes=max_bytes, single=single, now=now)


def _matches(article: Article, patterns: Sequence[str]) -> bool:
    hay = f"{article.title}\n{article.text}"
    return any(re.search(p, hay) for p in patterns)


def apply_rules(articles: Iterable[Article], include: Sequence[str], exclude: Sequence[str]) -> list[Article]:
    """Keep an article if it matches an include rule (when there are any) and no exclude rule."""
    return [a for a in articles
            if (not include or _matches(a, include)) and not (exclude and _matches(a, exclude))]


def ingest(specs: Sequence[SourceSpec], *, store: Store | None = None, max_bytes: int = 20 * 1024 * 1024,
           fetch_timeout: float = 20.0, workers: int = 8, per_host: int = 2,
           now: datetime | None = None, progress: bool | None = None,
           honour_backoff: bool = False, fetch_options: dict | None = None,
           load_unchanged: bool = True, exclude: Sequence[Path] = ()) -> IngestResult:
    """Read every source; never raises for a bad source (its error is in the result).

    `honour_backoff` skips feeds that keep failing until their next attempt time (the scheduled
    job uses it; a manual run tries everything). `fetch_options` go to pipeline.ingest.fetch.fetch.
    With `load_unchanged=False` an unchanged file or a 304 feed costs no article load: only its
    article ids come back (`unchanged_ids`) — the digest reads its window from the store anyway.
    Files under `exclude` (see `own_files`) are never read."""
    now = now or datetime.now(timezone.utc)
    articles: list[Article] = []
    errors: list[SourceError] = []
    counts = {"fetched": 0, "not_modified": 0, "skipped": 0}
    unchanged_ids: list[str] = []

    # Local files: (path, origin, spec)
    files: list[tuple[Path, str, SourceSpec, bool]] = []
    urls: list[SourceSpec] = []
    for spec in specs:
        if spec.url:
            urls.append(spec)
            continue
        assert spec.path is not None
        p = spec.path
        if _URL_LIKE.match(str(spec.path)):     # path = "ftp://..." in a configuration
            errors.append(SourceError(spec.name, f"refused: {shown(p)!r} is a URL, and only "
                                                 "http and https URLs are fetched"))
        elif p.is_dir():
            found = [(f, shown(f), spec, False) for f in local_files(p, exclude)]
            if not found:
                errors.append(SourceError(shown(p), "empty folder: no feeds or article files in it",
                                          warning=True))
            files += found
        elif os.path.lexists(p):
            files.append((p, shown(p), spec, True))
        else:
            errors.append(SourceError(shown(p), "no such file or folder"))

    per_spec: dict[SourceSpec, list[Article]] = {}
    with Progress("reading files", len(files), enabled=progress) as bar:
        todo = []
        for path, origin, spec, single in files:
            if store is not None:
                cached = _cached(store, path, origin, load=load_unchanged)
                if isinstance(cached, tuple):
                    unchanged_ids.extend(cached)
                    counts["skipped"] += 1
                    bar.advance()
                    continue
                if cached is not None:
                    per_spec.setdefault(spec, []).extend(cached)
                    counts["skipped"] += 1
                    bar.advance()
                    continue
            todo.append((path, origin, spec, single))
        # A command-line SOURCE is named by its own path: that is no outlet name.
        jobs = [(str(p), o, s.name if single and s.name != str(s.path) else None, s.weight, s.tags,
                 max_bytes, single, now)
                for p, o, s, single in todo]
        if len(jobs) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
            # Largest files first, one at a time: a big feed starts at once instead of being the
            # last to finish (bench/ingest.py on the bench feeds: 1,146 -> 1,230 entries/s).
            order = sorted(range(len(jobs)), key=lambda i: -_size(todo[i][0]))
            with worker_pool() as pool:
                done = list(_tick(pool.map(_read_job, [jobs[i] for i in order], chunksize=1), bar))
            outcomes = [None] * len(jobs)
            for i, outcome in zip(order, done):
                outcomes[i] = outcome
        else:
            outcomes = list(_tick(map(_read_job, jobs), bar))
        for (path, origin, spec, single), (arts, errs) in zip(todo, outcomes):
            per_spec.setdefault(spec, []).extend(arts)
            errors.extend(errs)
            if store is not None and not any(not e.warning for e in errs):
                _remember_file(store, path, origin, arts)

    if urls:
        _fetch_all(urls, store, per_spec, errors, counts, max_bytes=max_bytes, timeout=fetch_timeout,
                   workers=workers, per_host=per_host, now=now, progress=progress,
                   honour_backoff=honour_backoff,
                   fetch_options={"retries": SCHEDULED_RETRIES if honour_backoff else MANUAL_RETRIES,
                                  **(fetch_options or {})},
                   load_unchanged=load_unchanged, unchanged_ids=unchanged_ids)

    for spec in specs:
        arts = per_spec.get(spec, [])
        if spec.include or spec.exclude:
            arts = apply_rules(arts, spec.include, spec.exclude)
        articles.extend(arts)

    # One record per id (a file given twice, or an item repeated inside a feed).
    unique: dict[str, Article] = {}
    for a in articles:
        unique.setdefault(a.id, a)
    articles = strip_site_suffixes(list(unique.values()))
    if store is not None and articles:
        first = store.save_articles(articles, now=now)
        articles = [replace(a, published=first[a.id]) if a.published_guessed and a.id in first else a
                    for a in articles]
    return IngestResult(tuple(articles), tuple(errors), counts["fetched"], counts["not_modified"],
                        counts["skipped"], tuple(unchanged_ids))


def _tick(results, bar: Progress):
    for r in results:
        bar.advance()
        yield r


_FILE_CACHE = "file:"


def _file_key(path: Path) -> str:
    # realpath, not Path.resolve: a symlink loop must not raise here (it is reported when read).
    return _FILE_CACHE + shown(os.path.realpath(path))


def _cached(store: Store, path: Path, origin: str, load: bool = True) -> list[Article] | tuple[str, ...] | None:
    """The stored articles of a local file that has not changed since it was last read (only
    their ids when `load` is false); None when it must be read again."""
    state = store.feed(_file_key(path))
    try:
        fp = _fingerprint(path)
    except OSError:
        return None
    if state is None or state.fingerprint != fp or state.last_error or state.ids is None:
        return None
    ids = state.article_ids
    if not load:
        return tuple(ids)
    arts = store.articles(ids)
    if len(arts) != len(ids):
        return None
    # The same item may be stored from another file: this file's origin is what we report.
    return [a if a.origin == origin else replace(a, origin=origin) for a in arts]


def _remember_file(store: Store, path: Path, origin: str, arts: list[Article]) -> None:
    key = _file_key(path)
    try:
        fp = _fingerprint(path)
    except OSError:
        return
    with store.tx() as db:
        db.execute("INSERT INTO feeds(url, fingerprint, items_seen, last_success, last_status, ids) "
                   "VALUES (?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint, "
                   "items_seen = excluded.items_seen, last_success = excluded.last_success, "
                   "last_status = excluded.last_status, last_error = NULL, ids = excluded.ids",
                   (key, fp, len(arts), datetime.now(timezone.utc).isoformat(), "read",
                    json.dumps(sorted({a.id for a in arts}))))


def _fetch_all(urls: list[SourceSpec], store: Store | None, per_spec: dict, errors: list,
               counts: dict, *, max_bytes: int, timeout: float, workers: int, per_host: int,
               now: datetime, progress: bool | None, honour_backoff: bool, fetch_options: dict,
               load_unchanged: bool, unchanged_ids: list[str]) -> None:
    from pipeline.errors import FetchError
    from pipeline.ingest.fetch import FetchJob, fetch_many

    jobs = []
    for spec in urls:
        state = store.feed(spec.url) if store is not None else None
        if honour_backoff and state and state.next_attempt and datetime.fromisoformat(state.next_attempt) > now:
            errors.append(SourceError(spec.url, f"skipped: failing feed, next attempt after "
                                                f"{state.next_attempt}", warning=True))
            if store is not None:
                per_spec.setdefault(spec, []).extend(store.feed_articles(spec.url))
            continue
        jobs.append(FetchJob(url=spec.url, etag=state.etag if state else None,
                             last_modified=state.last_modified if state else None, key=spec))
    fetched: list = []
    with Progress("fetching feeds", len(jobs), enabled=progress) as bar:
        pending = {id(job): job.key.name for job in jobs}
        bar.note(waiting_for(list(pending.values())))
        for job, outcome in fetch_many(jobs, max_workers=workers, per_host=per_host,
                                       timeout=timeout, max_bytes=max_bytes, **fetch_options):
            spec: SourceSpec = job.key
            pending.pop(id(job), None)
            bar.advance(note=waiting_for(list(pending.values())))
            if isinstance(outcome, FetchError) or isinstance(outcome, Exception):
                errors.append(SourceError(spec.url, getattr(outcome, "reason", str(outcome))))
                if store is not None:
                    prev = store.feed(spec.url)
                    fails = (prev.consecutive_failures if prev else 0) + 1
                    wait = min(RETRY_BASE * 2 ** (fails - 1), RETRY_CAP)
                    store.record_fetch(spec.url, name=spec.name, ok=False,
                                       status=str(getattr(outcome, "status", None) or "error"),
                                       error=getattr(outcome, "reason", str(outcome)), next_attempt=now + wait)
                    per_spec.setdefault(spec, []).extend(store.feed_articles(spec.url))
                continue
            if outcome.not_modified:
                counts["not_modified"] += 1
                if store is not None:
                    state = store.record_fetch(spec.url, name=spec.name, ok=True, status="304",
                                               keep_validators=True)
                    if load_unchanged:
                        per_spec.setdefault(spec, []).extend(store.feed_articles(spec.url))
                    else:
                        unchanged_ids.extend(state.article_ids)
                continue
            counts["fetched"] += 1
            fetched.append((spec, outcome))
    # Parsing is CPU work: on every core, as local files are (fetching is done by then).
    jobs = [(o.content or b"", spec.url, o.header_map(), spec.name if spec.name != spec.url else None,
             spec.weight, spec.tags, now) for spec, o in fetched]
    if len(jobs) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
        with worker_pool() as pool:
            done = list(pool.map(_parse_job, [jobs[i] for i in order], chunksize=1))
        parsed: list = [None] * len(jobs)
        for i, result in zip(order, done):
            parsed[i] = result
    else:
        parsed = [_parse_job(j) for j in jobs]
    for (spec, outcome), (arts, errs) in zip(fetched, parsed):
        errors.extend(errs)
        failed = not arts and any(not e.warning for e in errs)
        if store is not None:
            if failed:
                store.record_fetch(spec.url, name=spec.name, ok=False, status=str(outcome.status),
                                   error=errs[0].message)
                arts = store.feed_articles(spec.url)
            else:
                store.record_fetch(spec.url, name=spec.name, ok=True, status=str(outcome.status),
                                   etag=outcome.etag, last_modified=outcome.last_modified,
                                   items=len(arts), ids=[a.id for a in arts])
        per_spec.setdefault(spec, []).extend(arts)


def _parse_job(job):
    content, url, headers, name, weight, tags, now = job
    return parse_document(content, url, headers=headers, name=name, weight=weight, tags=tags, now=now)
