"""A healthy state store that cannot be written (a full disk, a read-only folder) is never called
damaged: the commands say what is wrong and where, advise no `state rebuild`, move nothing aside,
and those that only show (`sources status`, `stories list`) still show what the store holds.

On a full disk SQLite fails to make the shared-memory file beside a WAL store, before it reads a
page ("disk I/O error"): that is what `sources status` once took for damage. Two real ways to
get there that work on any machine, as root too: the kernel refusing every write that grows a
file (a file-size limit of 0: the same refusal a full disk gives), and a folder the user may not
write. (A small tmpfs filled to its last page gives the same; it needs a user namespace, which
some kernels and containers refuse, and a test that may be skipped is no check.)
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from pipeline.history import save_stories
from pipeline.model import Member, SourceRef, Story
from pipeline.store import FeedUpdate, open_store
from unprivileged import cli, give_away, preload, run_unprivileged, shared_folder

NOW = datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc)
FEED = "https://wire.example/rss"
CONFIG = f'state_dir = "state"\noutbox = "outbox"\n\n[[sources]]\nname = "Wire"\nurl = "{FEED}"\n'
LOCAL_FEED = Path(__file__).resolve().parent / "fixtures" / "feeds" / "rss20.xml"


def healthy_project(base: Path) -> Path:
    """A project whose store knows one feed's health and one story, closed as every run leaves
    it: state.db alone, no -wal or -shm beside it. Returns the state folder."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "newsdesk.toml").write_text(CONFIG)
    with open_store(base / "state") as s:
        s.record_fetches([FeedUpdate(url=FEED, name="Wire", ok=True, status="200", items=7)], now=NOW)
        save_stories(s, [Story(id="s1", headline="Port strike ends", summary=(),
                               sources=(SourceRef("Wire", FEED, "Port strike ends", NOW, "a1"),),
                               members=(Member("a1", "seed"),), first_seen=NOW, last_updated=NOW)])
    assert sorted(os.listdir(base / "state")) == ["state.db"]
    return base / "state"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_not_called_damaged(stderr: str) -> None:
    assert "rebuild" not in stderr and "is damaged" not in stderr and "Traceback" not in stderr


def _assert_status_shown(code: int, stdout: str) -> None:
    assert code == 0
    [row] = json.loads(stdout)
    assert (row["name"], row["health"], row["items"]) == ("Wire", "ok", 7)


def _no_room() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a refused write is an error, not a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def newsdesk(base: Path, *args: str, no_room: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--config", str(base / "newsdesk.toml"), *args],
                          cwd=base, capture_output=True, text=True, timeout=120,
                          preexec_fn=_no_room if no_room else None)


def test_with_no_room_to_write_the_store_is_shown_and_not_called_damaged(tmp_path):
    state = healthy_project(tmp_path)
    before = _sha(state / "state.db")

    status = newsdesk(tmp_path, "sources", "status", "--json", no_room=True)
    _assert_status_shown(status.returncode, status.stdout)
    assert f"no room on the disk of {state}: the disk is full" in status.stderr
    _assert_not_called_damaged(status.stderr)

    stories = newsdesk(tmp_path, "stories", "list", "--json", no_room=True)
    assert stories.returncode == 0, stories.stderr
    assert [s["id"] for s in json.loads(stories.stdout)] == ["s1"]

    ingest = newsdesk(tmp_path, "ingest", str(LOCAL_FEED), no_room=True)   # a command that writes
    assert ingest.returncode == 1
    assert f"no room on the disk of {state}" in ingest.stderr
    _assert_not_called_damaged(ingest.stderr)

    # Nothing moved aside or changed; with room again, everything as before and no warning.
    assert _sha(state / "state.db") == before
    assert not [p for p in os.listdir(state) if "damaged" in p or p.endswith(".bak")]
    again = newsdesk(tmp_path, "sources", "status", "--json")
    _assert_status_shown(again.returncode, again.stdout)
    assert again.stderr == ""


preload("pipeline.commands.stories", "pipeline.store", "pipeline.history", "pipeline.config")


def _status_in_a_read_only_state_folder(base: Path) -> dict:
    state = base / "state"
    (state / "state.db").chmod(0o444)
    state.chmod(0o555)
    try:
        return dict(zip(("code", "out", "err"), cli(["--config", str(base / "newsdesk.toml"), "sources",
                                                    "status", "--json"])),
                    files=sorted(os.listdir(state)))
    finally:
        state.chmod(0o755)
        (state / "state.db").chmod(0o644)


def test_a_read_only_state_folder_is_shown_and_not_called_damaged(tmp_path):
    with shared_folder(tmp_path) as base:
        state = healthy_project(base / "project")
        give_away(base / "project")
        kind, result = run_unprivileged(_status_in_a_read_only_state_folder, base / "project")
    assert kind == "ok", result
    _assert_status_shown(result["code"], result["out"])
    assert f"the folder {state} is read-only here" in result["err"]
    _assert_not_called_damaged(result["err"])
    assert result["files"] == ["state.db"]

