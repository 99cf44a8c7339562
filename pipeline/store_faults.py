"""Why the state store cannot be opened or written, said as what it is.

Only damage (SQLite's CORRUPT and NOTADB, or a failed quick check) advises `newsdesk state
rebuild`. A full disk, a read-only folder, a lock held by another process or an I/O error leave a
healthy file: moving it aside would throw away what was seen and sent, for nothing.

On a full disk SQLite cannot even read a WAL store: opening it makes the shared-memory file
beside it (state.db-shm) and writes a byte into each of its pages, and that write fails
(SQLITE_IOERR_SHMSIZE, or SHMOPEN under a file-size limit, both shown as "disk I/O error").
Yet whenever the write-ahead log is empty, state.db alone holds everything committed:
`last_committed` reads it so, for the commands that only show.
"""
from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from pipeline.errors import StoreError, StoreUnwritable

# The kernel's "no room": a full disk, a quota, a file-size limit.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
READ_ONLY = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# SQLite's codes for "could not make the shared-memory file": its pages are written to reserve
# them, which is what fails first on a full disk.
_SHM_NO_ROOM = ("SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_SHMOPEN")


def _name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def damaged(path: Path, detail: object) -> StoreError:
    return StoreError(f"{path}: the state store is damaged ({detail}). Move it aside and start "
                      f"afresh with `newsdesk state rebuild` (the old file is kept as a backup).")


def no_room(path: Path, detail: object, doing: str = "open") -> StoreUnwritable:
    return StoreUnwritable(
        f"{path}: cannot {doing} the state store: no room on the disk of {path.parent}: the disk "
        f"is full (or over a quota) ({detail}). The store is not damaged: free some space there "
        f"and run again.")


def read_only(path: Path, detail: object, doing: str = "open") -> StoreUnwritable:
    return StoreUnwritable(
        f"{path}: cannot {doing} the state store: the folder {path.parent} is read-only here "
        f"({detail}). The store is not damaged.")


def explain(path: Path, exc: sqlite3.Error, doing: str = "open") -> StoreError:
    """The error to raise for `exc`, met while `doing` ("open", "write") the store at `path`."""
    name, text = _name(exc), str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return StoreError(f"{path}: the state store is locked by another process ({exc})")
    if name == "SQLITE_FULL" or name in _SHM_NO_ROOM:
        return no_room(path, exc, doing)
    if name.startswith("SQLITE_READONLY"):
        return read_only(path, exc, doing)
    # Python raises the bare DatabaseError for the codes it does not map (NOTADB among them).
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or type(exc) is sqlite3.DatabaseError:
        return damaged(path, exc)
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return StoreError(f"{path}: cannot open the state store ({exc})")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"{path}: cannot {doing} the state store: {exc} ({name}); check the disk "
                          f"of {path.parent}. The store is not known to be damaged.")
    return StoreError(f"{path}: cannot {doing} the state store: {exc}")


def from_os_error(path: Path, exc: OSError) -> StoreError:
    """An OSError met making the state folder or a file beside the store."""
    if exc.errno in NO_ROOM:
        return no_room(path, exc.strerror)
    if exc.errno in READ_ONLY:
        return read_only(path, exc.strerror)
    return StoreError(f"{path.parent}: cannot create the state folder: {exc.strerror or exc}")


def last_committed(path: Path) -> sqlite3.Connection | None:
    """What the store last committed, read from `path` alone, where nothing can be written
    beside it (a full disk, a read-only folder); None when that is not all of it (the
    write-ahead log holds changes not yet in the file) or it cannot be read."""
    wal = path.with_name(path.name + "-wal")
    try:
        if not path.is_file() or (wal.exists() and wal.stat().st_size > 0):
            return None
        # immutable: no lock and no shared memory, so no write of any kind (SQLite's URI option).
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None)
    except (OSError, sqlite3.Error):
        return None
    try:
        db.execute("SELECT 1 FROM feeds LIMIT 1")
    except sqlite3.Error:
        db.close()
        return None
    return db
