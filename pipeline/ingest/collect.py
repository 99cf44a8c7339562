"""Ingest: a SourcePlan and what the store remembers -> normalized Articles, plus what to record.

    plan = plan_sources(specs)          # which files and feeds (pipeline.ingest.plan)
    memory = recall(store, plan)        # read before (pipeline.ingest.memory)
    result = read_sources(plan, memory) # files parsed on every core, feeds fetched concurrently
    result = remember(store, result)    # written after: health, validators, articles

`read_sources` never touches the store: an unchanged file (same size and mtime) or a 304 feed
costs no parse, and its stored articles come from the memory (or only their ids, when the
caller reads its window from the store anyway). `ingest` is the four steps in one call.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.config import SourceSpec
from pipeline.ingest.memory import recall, remember
from pipeline.ingest.plan import LocalFile, SourcePlan, fingerprint, own_files, plan_sources, spec_for
from pipeline.ingest.records import Gathered, IngestResult, SourceMemory
from pipeline.ingest.suffixes import strip_site_suffixes
from pipeline.ingest.sources import read_file
from pipeline.model import Article
from pipeline.progress import Progress
from pipeline.store import FeedUpdate
from pipeline.workers import INGEST_MODULES, run_pool, worker_pool

__all__ = ["IngestResult", "apply_rules", "fetch_settings", "ingest", "own_files", "read_sources",
           "spec_for"]

# Below this many files the process pool costs more than it saves (measured with
# bench/ingest.py: pool start-up is ~0.1 s, a feed file parses in ~5-30 ms).
PARALLEL_MIN_FILES = 16


def _matches(article: Article, patterns: Sequence[str]) -> bool:
    hay = f"{article.title}\n{article.text}"
    return any(re.search(p, hay) for p in patterns)


def apply_rules(articles: Iterable[Article], include: Sequence[str], exclude: Sequence[str]) -> list[Article]:
    """Keep an article if it matches an include rule (when there are any) and no exclude rule."""
    return [a for a in articles
            if (not include or _matches(a, include)) and not (exclude and _matches(a, exclude))]


def fetch_settings(settings) -> dict:
    """The configured limits of reading sources, as `read_sources` keywords."""
    return {"max_bytes": settings.max_bytes, "fetch_timeout": settings.fetch_timeout,
            "workers": settings.fetch_workers, "per_host": settings.fetch_per_host}


def ingest(specs: Sequence[SourceSpec], *, store=None, load_unchanged: bool = True,
           exclude: Sequence[Path] = (), now: datetime | None = None, **options) -> IngestResult:
    """Plan, recall, read and remember in one call; never raises for a bad source (its error is
    in the result). `options` are those of `read_sources`. With `load_unchanged=False` an
    unchanged file or a 304 feed costs no article load: only its ids come back."""
    now = now or datetime.now(timezone.utc)
    plan = plan_sources(specs, exclude)
    memory = recall(store, plan, load=load_unchanged)
    # Files and feeds share one pool, started only if either needs it.
    with run_pool(preload=INGEST_MODULES):
        result = read_sources(plan, memory, now=now, **options)
    return remember(store, result, now=now)


def read_sources(plan: SourcePlan, memory: SourceMemory = SourceMemory(loaded=True), *,
                 max_bytes: int = 20 * 1024 * 1024, fetch_timeout: float = 20.0, workers: int = 8,
                 per_host: int = 2, now: datetime | None = None, progress: bool | None = None,
                 honour_backoff: bool = False, fetch_options: dict | None = None) -> IngestResult:
    """Read every file and feed of the plan, skipping what `memory` shows unchanged.

    `honour_backoff` skips feeds that keep failing until their next attempt time (the scheduled
    job uses it; a manual run tries everything). `fetch_options` go to pipeline.ingest.fetch.fetch."""
    from pipeline.ingest.feeds import MANUAL_RETRIES, SCHEDULED_RETRIES, fetch_feeds

    now = now or datetime.now(timezone.utc)
    got = Gathered(memory, errors=list(plan.errors))
    _read_files(plan.files, got, max_bytes=max_bytes, now=now, progress=progress)
    if plan.feeds:
        fetch_feeds(plan.feeds, got, max_bytes=max_bytes, timeout=fetch_timeout, workers=workers,
                    per_host=per_host, now=now, progress=progress, honour_backoff=honour_backoff,
                    fetch_options={"retries": SCHEDULED_RETRIES if honour_backoff else MANUAL_RETRIES,
                                   **(fetch_options or {})})
    articles: list[Article] = []
    for spec in plan.specs:
        arts = got.per_spec.get(spec, [])
        if spec.include or spec.exclude:
            arts = apply_rules(arts, spec.include, spec.exclude)
        articles.extend(arts)
    # One record per id (a file given twice, or an item repeated inside a feed).
    unique: dict[str, Article] = {}
    for a in articles:
        unique.setdefault(a.id, a)
    return IngestResult(tuple(strip_site_suffixes(list(unique.values()))), tuple(got.errors),
                        got.fetched, got.not_modified, got.skipped, tuple(got.unchanged_ids),
                        tuple(got.updates))


def _unchanged(memory: SourceMemory, file: LocalFile) -> bool:
    """The file is as it was at its last good read, and what that read gave is at hand."""
    state = memory.state(file.key)
    if state is None or state.last_error or state.ids is None:
        return False
    try:
        if state.fingerprint != fingerprint(file.path):
            return False
    except OSError:
        return False
    return not memory.loaded or len(memory.stored.get(file.key, ())) == len(state.article_ids)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_job(job: tuple[str, str, str | None, float, tuple[str, ...], int, bool, datetime]):
    path, origin, name, weight, tags, max_bytes, single, now = job
    return read_file(Path(path), origin, name=name, weight=weight, tags=tags,
                     max_bytes=max_bytes, single=single, now=now)


def _read_files(files: Sequence[LocalFile], got: Gathered, *, max_bytes: int, now: datetime,
                progress: bool | None) -> None:
    with Progress("reading files", len(files), enabled=progress) as bar:
        todo = []
        for f in files:
            if _unchanged(got.memory, f):
                got.reuse(f.spec, f.key, f.origin)
                got.skipped += 1
                bar.advance()
            else:
                todo.append(f)
        # A command-line SOURCE is named by its own path: that is no outlet name.
        jobs = [(str(f.path), f.origin, f.spec.name if f.single and f.spec.name != str(f.spec.path) else None,
                 f.spec.weight, f.spec.tags, max_bytes, f.single, now) for f in todo]
        if len(jobs) >= PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1:
            # Largest files first, one at a time: a big feed starts at once instead of being the
            # last to finish (bench/ingest.py on the bench feeds: 1,146 -> 1,230 entries/s).
            order = sorted(range(len(jobs)), key=lambda i: -_size(todo[i].path))
            with worker_pool() as pool:
                done = list(_tick(pool.map(_read_job, [jobs[i] for i in order], chunksize=1), bar))
            outcomes: list = [None] * len(jobs)
            for i, outcome in zip(order, done):
                outcomes[i] = outcome
        else:
            outcomes = list(_tick(map(_read_job, jobs), bar))
    for f, (arts, errs) in zip(todo, outcomes):
        got.add(f.spec, arts)
        got.errors.extend(errs)
        if any(not e.warning for e in errs):
            continue                     # read again next time
        try:
            fp = fingerprint(f.path)
        except OSError:
            continue
        got.updates.append(FeedUpdate(f.key, None, ok=True, status="read", fingerprint=fp,
                                      items=len(arts), ids=tuple(a.id for a in arts)))


def _tick(results, bar: Progress):
    for r in results:
        bar.advance()
        yield r
