"""Running code where file permissions apply, also when the tests run as root (in CI, often), whose
writes ignore chmod: in a forked child, which drops to uid/gid 65534 first when we are root. The
code runs in the child already imported (the checkout may not be readable by that user), and its
result comes back over a pipe.
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

NOBODY = 65534


def _as_nobody(target, folder: str, conn) -> None:
    try:
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        conn.send(("ok", target(Path(folder))))
    except BaseException as exc:  # noqa: BLE001 - sent back to the test to assert on
        conn.send(("raised", f"{type(exc).__name__}: {exc}"))


def run_unprivileged(target, folder: Path):
    """("ok", target(folder)) or ("raised", "Type: message"), from a forked child (whatever it
    changes in its process stays there) that first drops to uid/gid 65534 if we are root."""
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_as_nobody, args=(target, str(folder), theirs))
    child.start()
    child.join(120)
    assert mine.poll(1), f"the unprivileged child died ({child.exitcode})"
    return mine.recv()


@contextlib.contextmanager
def shared_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder the unprivileged child can use (tmp_path's parents are root's only)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-ro-"))
    os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def give_away(folder: Path) -> None:
    """Make everything under `folder` the unprivileged user's, when we are root (so that its
    chmod is what stops it, as it stops a user)."""
    if os.geteuid() != 0:
        return
    for p in [folder, *folder.rglob("*")]:
        os.chown(p, NOBODY, NOBODY, follow_symlinks=False)


def preload(*modules: str) -> None:
    """Import now, while the checkout can be read, what a child will run: the CLI with its
    command groups, and `modules` (those the commands import when they run)."""
    import importlib

    from pipeline.cli import build_parser

    build_parser()
    for name in modules:
        importlib.import_module(name)


def cli(argv: list[str]) -> tuple[int, str, str]:
    """`newsdesk ARGV` in this process: (exit code, stdout, stderr)."""
    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()
