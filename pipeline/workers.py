"""Process pools whose workers never outlive the run that started them.

A forked worker inherits every descriptor of its parent, the run lock's flock and the SQLite
file among them. When the run was SIGKILLed mid-parse, the fork-started workers were reparented
to PID 1 and kept the lock, and every later run was refused (issue 17, item 2). So workers are
started with "spawn" (a fresh interpreter that inherits only the pool's own pipes: no lock, no
database), and each one asks the kernel for SIGKILL when its parent dies (Linux
PR_SET_PDEATHSIG), with a watcher thread polling the parent pid where that is not available.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import importlib
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from typing import Iterator

PR_SET_PDEATHSIG = 1
# How often a worker without PR_SET_PDEATHSIG checks that its parent is still there.
PARENT_POLL_SECONDS = 0.5


# The modules the run's workers use (reading files and feeds, building stories): imported by a
# pool started early (`run_pool(start=True)`) while the run is still fetching.
RUN_MODULES = ("pipeline.ingest.sources", "pipeline.stories.merge")
# ... and those of reading sources alone (`newsdesk ingest`): no story code to wait for.
INGEST_MODULES = ("pipeline.ingest.sources",)


class _RunPool:
    def __init__(self, preload: tuple[str, ...]) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.preload = preload

    def get(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = _new_pool(None, self.preload)
        return self.pool


_run: _RunPool | None = None


def worker_pool(max_workers: int | None = None):
    """A ProcessPoolExecutor, as a context manager, whose workers hold nothing of the parent's
    and die with it; inside `run_pool()` the run's shared pool (left running on exit)."""
    if _run is not None and max_workers is None:
        return nullcontext(_run.get())
    return _new_pool(max_workers, ())


@contextmanager
def run_pool(*, start: bool = False, preload: tuple[str, ...] = RUN_MODULES) -> Iterator[None]:
    """One pool for a whole run, started now with `start` (the run has work for it) or else at
    its first use, and shut down when the run ends; its workers first import `preload`."""
    global _run
    if _run is not None:          # a run inside a run (never in practice): share the outer one
        yield
        return
    _run = _RunPool(preload)
    try:
        if start and (os.cpu_count() or 1) > 1:
            _run.get()
        yield
    finally:
        pool, _run = _run.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(max_workers: int | None, preload: tuple[str, ...]) -> ProcessPoolExecutor:
    n = max_workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(), preload))
    if preload:                   # spawn the workers now (one per task), so they import meanwhile
        for _ in range(n):
            pool.submit(int)
    return pool


def _start_worker(parent: int, preload: tuple[str, ...]) -> None:
    _die_with_parent(parent)
    for name in preload:
        importlib.import_module(name)


def _die_with_parent(parent: int) -> None:
    if not _kernel_kills_us_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="watch-parent").start()
    if os.getppid() != parent:    # the parent died before the request took effect
        os._exit(1)


def _kernel_kills_us_with_parent() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while not threading.Event().wait(PARENT_POLL_SECONDS):
        if os.getppid() != parent:
            os._exit(1)
