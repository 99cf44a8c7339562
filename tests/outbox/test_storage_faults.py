"""Storage faults: the state store locked by another process, damaged, migrated, full; the
outbox on a full disk and in a read-only folder. Each gives a clear error naming the file, and
nothing already written or reviewed is lost.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

import pipeline.lock
from pipeline.errors import NewsdeskError, OutboxError, StoreError, StoreUnwritable
from pipeline.lock import TEMP_SUFFIX
from pipeline.model import Article, Draft
from pipeline.outbox import APPROVED, DRAFT, JOURNAL, MANIFEST, REJECTED, load_digest, set_status, write_digest
from pipeline import store as st
from pipeline.store import Store, open_store, rebuild
from unprivileged import run_unprivileged, shared_folder

NOW = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
DAY = date(2024, 5, 1)
SHORT = 0.3            # seconds of busy timeout: the error comes promptly


def article(i: int, text: str = "Text.") -> Article:
    return Article(id=f"a{i}", title=f"Title {i}", text=text, origin="https://feed.example/f",
                   url=f"https://feed.example/{i}", published=NOW)


# --- the state store -----------------------------------------------------------------------------

class Holder:
    """A second process holding an exclusive SQLite transaction on `path` until released."""

    def __init__(self, path: Path):
        code = ("import sqlite3, sys\n"
                f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                "c.execute('BEGIN EXCLUSIVE')\n"
                "print('locked', flush=True)\n"
                "sys.stdin.read()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def test_a_store_locked_by_another_process_is_a_clear_error_on_write(tmp_path):
    path = tmp_path / "state.db"
    with Store(path) as s:                       # a WAL store, as Newsdesk leaves it
        s.save_articles([article(1)], now=NOW)
    holder = Holder(path)
    try:
        with Store(path, timeout=SHORT) as s:    # reading still works beside a writer (WAL)
            assert [a.id for a in s.articles()] == ["a1"]
            with pytest.raises(StoreError) as caught:
                s.save_articles([article(2)], now=NOW)
    finally:
        holder.release()
    assert str(caught.value).startswith(f"{path}: ") and "locked" in str(caught.value)
    assert "rebuild" not in str(caught.value)
    with Store(path) as s:                       # once released, the store works and lost nothing
        s.save_articles([article(2)], now=NOW)
        assert sorted(a.id for a in s.articles()) == ["a1", "a2"]


def test_a_store_locked_while_opening_is_not_called_damaged(tmp_path):
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)                   # a rollback-journal file: a lock blocks readers too
    db.execute("CREATE TABLE t(x)")
    db.commit()
    db.close()
    holder = Holder(path)
    try:
        with pytest.raises(StoreError) as caught:
            Store(path, timeout=SHORT)
    finally:
        holder.release()
    message = str(caught.value)
    assert message == f"{path}: the state store is locked by another process (database is locked)"
    Store(path).close()                          # and it opens (and migrates) once released


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-pages"])
def test_a_damaged_store_names_the_file_and_the_rebuild(tmp_path, damage):
    state = tmp_path / "state"
    with open_store(state) as s:
        s.save_articles([article(i, "x" * 3000) for i in range(50)], now=NOW)
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = state / "state.db"
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3 + 17])
    else:                                        # header intact, b-tree pages zeroed
        path.write_bytes(data[:4096] + b"\0" * (len(data) - 8192) + data[-4096:])
    with pytest.raises(StoreError) as caught:
        with open_store(state) as s:
            s.articles()
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "`newsdesk state rebuild`" in message


def test_rebuild_keeps_the_damaged_file_as_a_backup(tmp_path):
    state = tmp_path / "state"
    with open_store(state) as s:
        s.save_articles([article(1)], now=NOW)
    path = state / "state.db"
    garbage = b"not a database " * 100
    path.write_bytes(garbage)
    (state / "state.db-wal").write_bytes(b"wal bytes")
    backup = rebuild(state)
    assert backup is not None and backup.parent == state and backup.read_bytes() == garbage
    assert Path(f"{backup}-wal").read_bytes() == b"wal bytes"
    assert not path.exists() and not (state / "state.db-wal").exists()
    with open_store(state) as s:                 # the next run starts afresh
        assert s.articles() == []
    assert rebuild(tmp_path / "nowhere") is None


def test_a_migration_backs_up_the_older_file_first(tmp_path, monkeypatch):
    path = tmp_path / "state.db"
    with Store(path) as s:                       # written by this version (schema 1)
        s.save_articles([article(1)], now=NOW)
    before = sqlite3.connect(path).execute("SELECT id FROM articles").fetchall()
    # The next release: schema 2. Opening the version-1 file migrates it, after a backup.
    monkeypatch.setattr(st, "SCHEMA_VERSION", st.SCHEMA_VERSION + 1)
    with Store(path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == st.SCHEMA_VERSION
        assert [a.id for a in s.articles()] == ["a1"]
    backup = tmp_path / "state.db.v1.bak"
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT id FROM articles").fetchall() == before


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {st.SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="written by a newer Newsdesk"):
        Store(path)


def test_a_full_store_is_a_clear_error_and_keeps_what_it_had(tmp_path):
    with Store(tmp_path / "state.db") as s:
        s.save_articles([article(i, "x" * 2000) for i in range(10)], now=NOW)
        pages = s.db.execute("PRAGMA page_count").fetchone()[0]
        s.db.execute(f"PRAGMA max_page_count = {pages + 2}")   # SQLite's own "disk full"
        with pytest.raises(StoreUnwritable, match="database or disk is full") as caught:
            s.save_articles([article(100 + i, "y" * 2000) for i in range(100)], now=NOW)
        message = str(caught.value)
        assert message.startswith(f"{tmp_path / 'state.db'}: cannot write the state store")
        assert f"no room on the disk of {tmp_path}" in message and "rebuild" not in message
        assert sorted(a.id for a in s.articles()) == sorted(f"a{i}" for i in range(10))


def test_a_folder_in_place_of_the_store_is_not_called_damaged(tmp_path):
    (tmp_path / "state" / "state.db").mkdir(parents=True)
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path / "state")
    assert "cannot open the state store" in str(caught.value) and "rebuild" not in str(caught.value)


# --- the outbox on a full disk --------------------------------------------------------------------

def drafts(version: str) -> list[Draft]:
    return [
        Draft(id="", channel="email", path="digest.html", content=f"<p>digest {version}</p>\n"),
        Draft(id="", channel="email", path="digest.txt", content=f"digest {version}\n"),
        Draft(id="", channel="x", path="posts/s1/x.txt", content=f"post s1 {version}\n", story_id="s1"),
        Draft(id="", channel="bluesky", path="posts/s1/bluesky.txt", content=f"bsky s1 {version}\n",
              story_id="s1", extra=(("posts/s1/bluesky.json", f'{{"text": "bsky s1 {version}"}}\n'),)),
        Draft(id="", channel="x", path="posts/s2/x.txt", content=f"post s2 {version}\n", story_id="s2"),
    ]


REVIEWED = {"digest.html": APPROVED, "posts/s2/x.txt": REJECTED}
ALL_FILES = ["digest.html", "digest.txt", "posts/s1/x.txt", "posts/s1/bluesky.txt", "posts/s1/bluesky.json",
             "posts/s2/x.txt"]


def contents(version: str) -> dict[str, str]:
    out = {}
    for d in drafts(version):
        out[d.path] = d.content
        out.update(dict(d.extra))
    return out


class FullDisk:
    """Stands in for os.fdopen in pipeline.lock: the `fail_at`-th file written gets half its
    bytes, then ENOSPC (as a real full disk does: a short write, then the error)."""

    def __init__(self, fail_at: int | None):
        self.fail_at, self.count, self.real = fail_at, 0, os.fdopen

    def __call__(self, fd, *args, **kwargs):
        f = self.real(fd, *args, **kwargs)
        self.count += 1
        if self.count != self.fail_at:
            return f
        real_write = f.write

        def write(data: bytes) -> int:
            real_write(data[: len(data) // 2])
            f.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        f.write = write
        return f


def reviewed_digest(outbox: Path) -> Path:
    """Run 1, then a reviewer approves the digest and rejects a post."""
    result = write_digest(outbox, DAY, "digest", [], drafts("v1"), {}, now=NOW)
    info = load_digest(result.folder)
    for d in info.drafts:
        if d.path in REVIEWED:
            set_status(outbox, [d.id], REVIEWED[d.path], by="editor", now=NOW)
    return result.folder


def second_run(outbox: Path, monkeypatch, fail_at: int | None) -> tuple[FullDisk, Exception | None]:
    disk = FullDisk(fail_at)
    monkeypatch.setattr(pipeline.lock.os, "fdopen", disk)
    try:
        write_digest(outbox, DAY, "digest", [], drafts("v2"), {}, now=NOW)
        error = None
    except OutboxError as exc:
        error = exc
    finally:
        monkeypatch.setattr(pipeline.lock.os, "fdopen", disk.real)
    return disk, error


def test_the_second_run_writes_six_files(tmp_path, monkeypatch):
    """The plan the disk-full cases below fail at every step of: the journal, four draft files
    (the reviewed two are left alone), the manifest."""
    reviewed_digest(tmp_path / "outbox")
    disk, error = second_run(tmp_path / "outbox", monkeypatch, None)
    assert error is None and disk.count == 6


@pytest.mark.parametrize("fail_at", range(1, 7))
def test_disk_full_while_writing_the_outbox_loses_nothing(tmp_path, monkeypatch, fail_at):
    outbox = tmp_path / "outbox"
    folder = reviewed_digest(outbox)
    disk, error = second_run(outbox, monkeypatch, fail_at)
    assert isinstance(error, OutboxError) and "No space left on device" in str(error)
    assert str(folder) in str(error)                           # it names the file
    v1, v2 = contents("v1"), contents("v2")
    assert not list(folder.rglob(f"*{TEMP_SUFFIX}"))           # no half-written temp file left
    for rel in ALL_FILES:                                      # every file whole: old or new
        assert (folder / rel).read_text() in (v1[rel], v2[rel]), rel
    for rel in REVIEWED:                                       # reviewed drafts never touched
        assert (folder / rel).read_text() == v1[rel]
    info = load_digest(folder)                                 # the manifest still knows them
    status = {d.path: (d.status, d.edited) for d in info.drafts}
    assert status["digest.html"] == (APPROVED, False) and status["posts/s2/x.txt"] == (REJECTED, False)
    assert all(not edited for _, edited in status.values())    # our own writes are not "edits"
    # The disk has room again: the next run completes the refresh.
    result = write_digest(outbox, DAY, "digest", [], drafts("v2"), {}, now=NOW)
    for rel in ALL_FILES:
        assert (folder / rel).read_text() == (v1[rel] if rel in REVIEWED else v2[rel]), rel
    assert not (folder / JOURNAL).exists() and (folder / MANIFEST).is_file()
    final = {d.path: d.status for d in load_digest(result.folder).drafts}
    assert final == {"digest.html": APPROVED, "digest.txt": DRAFT, "posts/s1/x.txt": DRAFT,
                     "posts/s1/bluesky.txt": DRAFT, "posts/s2/x.txt": REJECTED}


# --- a read-only outbox ----------------------------------------------------------------------------

@pytest.fixture
def shared_dir(tmp_path):
    with shared_folder(tmp_path) as folder:
        yield folder


def _write_then_lock_and_rewrite(base: Path) -> dict:
    outbox = base / "outbox"
    folder = reviewed_digest(outbox)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    for p in [folder, *[d for d in folder.rglob("*") if d.is_dir()]]:
        p.chmod(0o500)
    try:
        write_digest(outbox, DAY, "digest", [], drafts("v2"), {}, now=NOW)
        outcome = "written"
    except NewsdeskError as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    finally:
        for p in [folder, *[d for d in folder.rglob("*") if d.is_dir()]]:
            p.chmod(0o700)
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return {"outcome": outcome, "unchanged": before == after, "folder": str(folder)}


def test_a_read_only_digest_folder_is_a_clear_error_and_changes_nothing(shared_dir):
    kind, result = run_unprivileged(_write_then_lock_and_rewrite, shared_dir)
    assert kind == "ok", result
    assert result["outcome"].startswith("OutboxError: ") and "Permission denied" in result["outcome"]
    assert result["folder"] in result["outcome"]
    assert result["unchanged"]


def _write_into_read_only_outbox(base: Path) -> str:
    outbox = base / "outbox"
    outbox.mkdir()
    outbox.chmod(0o500)
    try:
        write_digest(outbox, DAY, "digest", [], drafts("v1"), {}, now=NOW)
        return "written"
    except NewsdeskError as exc:
        return f"{exc}"
    finally:
        outbox.chmod(0o700)


def test_a_read_only_outbox_folder_is_a_clear_error(shared_dir):
    kind, message = run_unprivileged(_write_into_read_only_outbox, shared_dir)
    assert kind == "ok", message
    assert "Permission denied" in message and str(shared_dir / "outbox") in message


@pytest.mark.parametrize("blocked", ["outbox", "digest-folder"])
def test_a_file_in_place_of_the_folder_is_a_clear_error(tmp_path, blocked):
    """What stops even root: a file where the outbox or the digest folder should be."""
    outbox = tmp_path / "outbox"
    if blocked == "outbox":
        outbox.write_text("not a folder")
        in_the_way = outbox
    else:
        outbox.mkdir()
        in_the_way = outbox / f"{DAY.isoformat()}-digest"
        in_the_way.write_text("not a folder")
    with pytest.raises(NewsdeskError) as caught:
        write_digest(outbox, DAY, "digest", [], drafts("v1"), {}, now=NOW)
    assert str(in_the_way) in str(caught.value)
    assert in_the_way.read_text() == "not a folder"


def test_a_full_disk_at_run_start_is_one_clear_line_and_the_store_is_not_called_damaged(tmp_path):
    """No room to write at run start (the kernel refuses every write: a file-size limit of 0 in
    the child, as a disk quota does): one clear line naming the run lock, never a traceback, and
    `sources status` afterwards does not call the store damaged."""
    import resource
    import signal
    import subprocess
    import sys

    state = tmp_path / "state"

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a refused write is an error, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    def newsdesk(*args, limit=False):
        return subprocess.run([sys.executable, "-m", "pipeline", "--state-dir", str(state), *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              preexec_fn=no_room if limit else None)

    full = newsdesk("digest", limit=True)
    assert full.returncode == 1, full.stderr
    assert "cannot write the run lock" in full.stderr and str(state) in full.stderr
    assert "Traceback" not in full.stderr and "damaged" not in full.stderr
    status = newsdesk("sources", "status")
    assert status.returncode == 0 and "damaged" not in status.stderr



def test_the_lock_holders_details_are_read_bounded_even_from_a_device(tmp_path):
    """A lock that is a link to a device such as /dev/zero must not be read for ever; in a child
    process capped at 1 GB so that a regression fails here instead of exhausting the memory."""
    import subprocess
    import sys

    (tmp_path / "run.lock").symlink_to("/dev/zero")
    code = ("import resource, sys; from pathlib import Path; from pipeline.lock import read_info\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "info = read_info(Path(sys.argv[1])); print(info.pid, info.command)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "run.lock")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "None None"
