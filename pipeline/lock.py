"""Files shared between processes that may die at any moment: the run lock and atomic writes.

One run at a time: an flock on a lock file in the state folder, shared by manual and scheduled runs.

flock is released by the kernel when its holder dies, so a crashed run never leaves a stale lock;
the file's content (pid, host, command, start time) is only there to say who holds it.
The file is never unlinked: unlinking a flock'd file lets two processes lock two different inodes.

Atomic writes: temp file in the same folder, fsync, rename over the old file; a reader or a crash
sees the old file or the new one, never a torn one. Temp files a killed writer leaves end in
TEMP_SUFFIX and start with a dot, so they are found and removed, and never taken for content.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import LockedError, NewsdeskError, OutboxError, ReadOnlyError

log = logging.getLogger(__name__)

LOCK_NAME = "run.lock"
TEMP_SUFFIX = ".ndtmp"
# How often a waiting run retries; short enough that a waiter starts promptly after a release,
# long enough not to spin (runs last seconds to minutes).
POLL_SECONDS = 0.05
# What opening a lock file for writing fails with in a folder this user may not write, or on a
# read-only mount.
READ_ONLY_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last took) a lock, as recorded in the lock file."""

    pid: int | None
    host: str | None
    command: str | None
    started: str | None

    def describe(self) -> str:
        if self.pid is None:
            return "an unknown process (it has not written its details yet)"
        return (f"pid {self.pid} on {self.host or '?'} since {self.started or '?'}"
                f" (command: {self.command or '?'})")


LOCK_INFO_MAX = 4096   # bytes of a lock file read: its holder's details are one short line


def read_info(path: Path) -> LockInfo:
    """The holder details in a lock file; empty fields when the file is empty or unreadable."""
    try:
        with open(path, "rb") as f:             # bounded: a lock file is one short JSON line
            data = json.loads(f.read(LOCK_INFO_MAX).decode("utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    pid = data.get("pid")
    return LockInfo(pid=pid if isinstance(pid, int) else None, host=data.get("host"),
                    command=data.get("command"), started=data.get("started"))


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True, timeout: float | None = None) -> Iterator[int]:
    """Hold an exclusive flock on `path` (created if needed); yields the open descriptor.

    Raises LockedError when the lock is taken and `wait` is false, or still taken after `timeout`.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:        # a file where the folder should be, a read-only parent
        in_the_way = " (a file is in the way)" if isinstance(exc, (FileExistsError, NotADirectoryError)) else ""
        raise NewsdeskError(f"{path.parent}: cannot create the folder: {exc.strerror}{in_the_way}") from exc
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno in READ_ONLY_ERRNOS:
            raise ReadOnlyError(f"{path.parent}: the folder is read-only here (cannot open its lock "
                                f"file {path.name} for writing: {exc.strerror}); nothing was written there") from exc
        raise NewsdeskError(f"{path}: cannot open lock file: {exc.strerror}") from exc
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not _try_flock(fd):
            if not wait or (deadline is not None and time.monotonic() >= deadline):
                raise LockedError(f"{path}: another run holds the lock: {read_info(path).describe()}")
            time.sleep(POLL_SECONDS)
        yield fd
    finally:
        os.close(fd)   # closing the descriptor releases the flock


@contextlib.contextmanager
def shared_lock(path: Path) -> Iterator[bool]:
    """For a reader that may not write where the lock file is: a shared flock on the file opened
    read-only (flock asks for no write permission), so that a writer who may (another user, the
    scheduled run) is waited for, and waits; yields False, holding nothing, when there is no lock
    file to open (nothing has written there with a lock)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        log.debug("%s: no lock file to share (%s); reading without one", path, exc.strerror)
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def run_lock(state_dir: Path, *, wait: bool = False, timeout: float | None = None,
             command: str | None = None) -> Iterator[LockInfo]:
    """The run lock: raises LockedError naming the holder (pid, host, since, command) when taken.

    With wait=True, waits for the holder to finish (at most `timeout` seconds when given).
    """
    path = Path(state_dir) / LOCK_NAME
    with file_lock(path, wait=wait, timeout=timeout) as fd:
        # A holder clears the file on release: details left in it are those of a run that was
        # killed (the kernel released its flock). Say so, then take over.
        stale = read_info(path)
        if stale.pid is not None:
            log.warning("%s: taking over the lock of a run that ended without releasing it "
                        "(killed?): %s", path, stale.describe())
        info = LockInfo(pid=os.getpid(), host=socket.gethostname(),
                        command=command if command is not None else " ".join(sys.argv),
                        started=datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            line = json.dumps(asdict(info)).encode("utf-8") + b"\n"
            os.pwrite(fd, line, 0)
            os.ftruncate(fd, len(line))      # after the write: the details are never empty
            os.fsync(fd)
        except OSError as exc:       # a full disk, most often: say where, not "damaged"
            raise NewsdeskError(f"{path}: cannot write the run lock: {exc.strerror or exc}; "
                                f"is the disk of {Path(state_dir)} full?") from exc
        log.debug("run lock taken: %s", info.describe())
        try:
            yield info
        finally:
            # Cleared while still held, so a later holder's details are never erased.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader or a crash sees either the old file or the new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutboxError(f"{path}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutboxError(f"{path}: cannot write: {exc.strerror}") from exc
        raise


def temp_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(f".*{TEMP_SUFFIX}") if p.is_file())
