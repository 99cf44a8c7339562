"""Reading local source files without trusting what the folder holds.

Only regular files are read, after following links, and never more than the size cap: a FIFO
would hang the run, /dev/zero or /dev/urandom (directly or through a link) would fill memory, a
symlink loop raised out of the walk (issue 17, item 4). Each is an error naming the entry, and
the rest of the folder is read. A name that is not UTF-8 is read as it is and shown escaped.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a folder"))
_SKIPPED_SUFFIXES = ("~", ".tmp", ".swp")


class NotReadable(Exception):
    """Why a source entry is not read; the message is meant to follow the entry's name."""


def shown(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 escaped (\\xe9)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _what(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file (links followed), at most `max_bytes`; raises NotReadable.

    Opened non-blocking and checked on the open descriptor, so a FIFO swapped in after a check
    can neither block the open nor the read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise NotReadable(_why(path, exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(f"not read: {_what(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise NotReadable(f"file too large ({st.st_size:,} bytes; the limit is {max_bytes:,})")
        parts, size = [], 0
        while size <= max_bytes and (chunk := os.read(fd, min(1 << 20, max_bytes + 1 - size))):
            parts.append(chunk)
            size += len(chunk)
        if size > max_bytes:      # it grew while we read it
            raise NotReadable(f"file too large (more than {max_bytes:,} bytes)")
        return b"".join(parts)
    except OSError as exc:
        raise NotReadable(_why(path, exc)) from None
    finally:
        os.close(fd)


def _why(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read: symlink loop"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return "cannot read: broken link (its target does not exist)"
    return f"cannot read: {exc.strerror or exc}"


def local_files(folder: Path, exclude: Iterable[Path] = ()) -> Iterator[Path]:
    """Every non-hidden file entry under a folder, in a stable order, links not followed into
    folders; entries under an excluded path (the outbox, the state folder, the configuration)
    are left out. FIFOs, devices and broken links are yielded: reading them reports them."""
    skip = {os.path.realpath(p) for p in exclude if p is not None}

    def excluded(p: str) -> bool:
        return os.path.realpath(p) in skip

    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not excluded(os.path.join(root, d)))
        for name in sorted(files):
            if name.startswith(".") or name.endswith(_SKIPPED_SUFFIXES):
                continue
            if skip and excluded(os.path.join(root, name)):
                continue
            yield Path(root) / name
