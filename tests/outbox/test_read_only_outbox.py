"""An outbox this user may not write (a read-only folder, its lock file too, or none yet): the
commands that only read (`outbox list`, `show`, `preview`, `deliver --dry-run`, `sources status`)
work, taking a shared lock or none instead of the write lock; those that write (`approve`,
`reject`, `edit`, `deliver`) stop with one line naming the outbox and saying it is read-only,
before anything is changed, sent or typed.

Real folders and the real CLI; as uid 65534 in a forked child when the tests run as root, whose
writes ignore chmod (tests/unprivileged.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path

import pytest

from pipeline.lock import file_lock, shared_lock
from sample_seeds import copy_seeds
from unprivileged import cli, give_away, preload, run_unprivileged, shared_folder

CONFIG = ('title = "Morning digest"\noutbox = "outbox"\nstate_dir = "state"\n\n'
          '[[sources]]\nname = "Sample articles"\npath = "seeds"\n')
READING = (["outbox", "list", "--json"], ["outbox", "show", "{post}"], ["outbox", "preview"],
           ["deliver", "--dry-run"], ["sources", "status"])
WRITING = (["outbox", "approve", "{post}"], ["outbox", "reject", "{post}"], ["outbox", "edit", "{post}"],
           ["deliver"])


def reviewed_project(base: Path) -> tuple[Path, dict[str, str]]:
    """`newsdesk digest` on the sample articles, then the e-mail approved; returns the project
    and the ids of the e-mail draft and of a post still in draft."""
    project = base / "project"
    project.mkdir()
    (project / "newsdesk.toml").write_text(CONFIG)
    copy_seeds(project / "seeds")
    done = subprocess.run([sys.executable, "-m", "pipeline", "--config", str(project / "newsdesk.toml"),
                           "--quiet", "digest"], cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    code, out, err = cli(["--config", str(project / "newsdesk.toml"), "outbox", "list", "--json"])
    assert code == 0, err
    [digest] = json.loads(out)
    ids = {"email": next(d["id"] for d in digest["drafts"] if d["channel"] == "email"),
           "post": next(d["id"] for d in digest["drafts"] if d["channel"] == "mastodon")}
    assert cli(["--config", str(project / "newsdesk.toml"), "outbox", "approve", ids["email"]])[0] == 0
    # The owner reads it all once: this also imports, while the checkout and the standard library
    # can be read, what the commands import as they run (the child as uid 65534 may not read them).
    for command in READING:
        if command != ["outbox", "preview"]:
            argv = [a.format(**ids) for a in command]
            assert cli(["--config", str(project / "newsdesk.toml"), *argv])[0] == 0, argv
    return project, ids


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _chmod_tree(folder: Path, dirs: int, files: int) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(dirs if p.is_dir() else files)


def _commands_in_a_read_only_outbox(project: Path) -> dict:
    ids = json.loads((project / "ids.json").read_text())
    os.environ.update(EDITOR="true", USER="reviewer")
    webbrowser.register("true", None, webbrowser.GenericBrowser("true"), preferred=True)
    _chmod_tree(project / "outbox", 0o555, 0o444)
    results = {}
    for command in READING + WRITING:
        argv = [a.format(**ids) for a in command]
        results[" ".join(command)] = cli(["--config", str(project / "newsdesk.toml"), *argv])
    return results


preload("pipeline.commands.outbox", "pipeline.commands.deliver", "pipeline.deliver", "pipeline.deliver.walk",
        "pipeline.deliver.composer", "pipeline.outbox.edit", "pipeline.store", "pipeline.config")


@pytest.mark.parametrize("lock_file", ["kept", "never made"])
def test_a_read_only_outbox_is_read_and_never_written(tmp_path, lock_file):
    with shared_folder(tmp_path) as base:
        project, ids = reviewed_project(base)
        outbox = project / "outbox"
        if lock_file == "never made":            # an outbox copied from elsewhere, or synced
            for name in (".outbox.lock", ".deliver.lock"):
                (outbox / name).unlink(missing_ok=True)
        (project / "ids.json").write_text(json.dumps(ids))
        give_away(project)
        before = _files(outbox)
        try:
            kind, results = run_unprivileged(_commands_in_a_read_only_outbox, project)
        finally:
            _chmod_tree(outbox, 0o755, 0o644)
        after = _files(outbox)
        again = cli(["--config", str(project / "newsdesk.toml"), "outbox", "list", "--json"])
    assert kind == "ok", results

    for command in READING:
        code, out, err = results[" ".join(command)]
        assert code == 0 and "lock" not in err and "read-only" not in err, (command, err)
    [digest] = json.loads(results["outbox list --json"][1])
    statuses = {d["id"]: d["status"] for d in digest["drafts"]}
    assert statuses[ids["email"]] == "approved" and statuses[ids["post"]] == "draft"
    assert f"draft {ids['post']}" in results["outbox show {post}"][1]
    assert results["outbox preview"][1].startswith("opened file://")
    assert ids["email"] in results["deliver --dry-run"][1]

    for command in WRITING:
        code, out, err = results[" ".join(command)]
        assert code == 1, (command, out, err)
        assert err.startswith(f"newsdesk: {outbox}: the folder is read-only here"), (command, err)
        assert err.rstrip().endswith("nothing was written there")
    assert after == before                     # nothing written, no copy of an edit left behind
    [digest] = json.loads(again[1])
    assert {d["id"]: d["status"] for d in digest["drafts"]} == statuses


def test_a_reader_that_may_not_write_waits_for_a_writer(tmp_path):
    """The shared lock a read-only reader takes (on the lock file opened read-only) still waits
    for a writer who may write there (another user, the scheduled run) to finish."""
    lock = tmp_path / ".outbox.lock"
    entered = threading.Event()

    def read() -> None:
        with shared_lock(lock) as held:
            assert held
            entered.set()

    with file_lock(lock):                        # a writer rewriting a manifest
        reader = threading.Thread(target=read)
        reader.start()
        assert not entered.wait(0.5)
    assert entered.wait(10)
    reader.join(10)
    with shared_lock(tmp_path / "never-made.lock") as held:   # no lock file: nothing to wait for
        assert held is False
