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
import threading
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
# How often a worker without PR_SET_PDEATHSIG checks that its parent is still there.
PARENT_POLL_SECONDS = 0.5


def worker_pool(max_workers: int | None = None) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose workers hold nothing of the parent's and die with it."""
    return ProcessPoolExecutor(max_workers=max_workers or os.cpu_count(),
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


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
