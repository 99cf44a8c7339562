"""Feeds from URLs: fetched concurrently with conditional GET, then parsed on every core.

Reads the validators and health of each feed from the run's SourceMemory and leaves a
FeedUpdate for each attempt; the store is written after ingest (pipeline.ingest.memory).
"""
from __future__ import annotations

import os
from concurrent.futures import Future
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Sequence

from pipeline.config import SourceSpec
from pipeline.errors import FetchError
from pipeline.ingest.fetch import FetchJob, fetch_many
from pipeline.ingest.records import Gathered
from pipeline.ingest.sources import parse_document
from pipeline.model import SourceError
from pipeline.progress import Progress, waiting_for
from pipeline.store import FeedUpdate
from pipeline.workers import worker_pool

# Below this many fetched feeds the process pool costs more than it saves (as for files).
PARALLEL_MIN_FEEDS = 16
# A feed that keeps failing is tried less often: wait 2^(failures-1) x this, capped.
RETRY_BASE = timedelta(minutes=30)
RETRY_CAP = timedelta(hours=24)
# Retries of one feed within a run: someone waiting at a terminal gets one (a hanging feed costs
# one timeout and one retry, not 4 x 20 s); the scheduled job may try harder, within the same
# per-feed time budget (pipeline.ingest.fetch.fetch's `budget`).
MANUAL_RETRIES = 1
SCHEDULED_RETRIES = 3


def fetch_feeds(feeds: Sequence[SourceSpec], got: Gathered, *, max_bytes: int, timeout: float,
                workers: int, per_host: int, now: datetime, progress: bool | None,
                honour_backoff: bool, fetch_options: dict) -> None:
    """Fetch and parse `feeds` into `got`: a failing or unchanged feed keeps what was stored."""
    jobs = []
    for spec in feeds:
        assert spec.url is not None
        state = got.memory.state(spec.url)
        if honour_backoff and state and state.next_attempt and datetime.fromisoformat(state.next_attempt) > now:
            got.errors.append(SourceError(spec.url, f"skipped: failing feed, next attempt after "
                                                    f"{state.next_attempt}", warning=True))
            got.reuse(spec, spec.url)
            continue
        jobs.append(FetchJob(url=spec.url, etag=state.etag if state else None,
                             last_modified=state.last_modified if state else None, key=spec))
    # Parsing is CPU work: on every core once PARALLEL_MIN_FEEDS feeds have come in with
    # content, each later one handed to a worker as it arrives, so that parsing overlaps the
    # rest of the fetching (a run of 304s starts no worker).
    parallel = (os.cpu_count() or 1) > 1
    fetched: list = []
    pool = None
    with ExitStack() as stack, Progress("fetching feeds", len(jobs), enabled=progress) as bar:
        pending = {id(job): job.key.name for job in jobs}
        bar.note(waiting_for(list(pending.values())))
        for job, outcome in fetch_many(jobs, max_workers=workers, per_host=per_host,
                                       timeout=timeout, max_bytes=max_bytes, **fetch_options):
            spec: SourceSpec = job.key
            pending.pop(id(job), None)
            bar.advance(note=waiting_for(list(pending.values())))
            if isinstance(outcome, (FetchError, Exception)):
                reason = getattr(outcome, "reason", str(outcome))
                got.errors.append(SourceError(spec.url, reason))
                prev = got.memory.state(spec.url)
                fails = (prev.consecutive_failures if prev else 0) + 1
                got.updates.append(FeedUpdate(
                    spec.url, spec.name, ok=False, status=str(getattr(outcome, "status", None) or "error"),
                    error=reason, next_attempt=now + min(RETRY_BASE * 2 ** (fails - 1), RETRY_CAP)))
                got.reuse(spec, spec.url)
            elif outcome.not_modified:
                got.not_modified += 1
                got.updates.append(FeedUpdate(spec.url, spec.name, ok=True, status="304",
                                              keep_validators=True))
                got.reuse(spec, spec.url)
            else:
                got.fetched += 1
                task = (outcome.content or b"", spec.url, outcome.header_map(),
                        spec.name if spec.name != spec.url else None, spec.weight, spec.tags, now)
                if pool is None and parallel and len(fetched) + 1 >= PARALLEL_MIN_FEEDS:
                    pool = stack.enter_context(worker_pool())
                    fetched = [(s, o, pool.submit(_parse_job, t)) for s, o, t in fetched]
                fetched.append((spec, outcome, pool.submit(_parse_job, task) if pool else task))
        parsed = [t.result() if isinstance(t, Future) else _parse_job(t) for _, _, t in fetched]
    for (spec, outcome, _), (arts, errs) in zip(fetched, parsed):
        got.errors.extend(errs)
        if not arts and any(not e.warning for e in errs):
            got.updates.append(FeedUpdate(spec.url, spec.name, ok=False, status=str(outcome.status),
                                          error=errs[0].message))
            got.reuse(spec, spec.url)
        else:
            got.updates.append(FeedUpdate(spec.url, spec.name, ok=True, status=str(outcome.status),
                                          etag=outcome.etag, last_modified=outcome.last_modified,
                                          items=len(arts), ids=tuple(a.id for a in arts)))
            got.add(spec, arts)


def _parse_job(job):
    content, url, headers, name, weight, tags, now = job
    return parse_document(content, url, headers=headers, name=name, weight=weight, tags=tags, now=now)
