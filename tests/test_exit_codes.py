"""One exit-code table for `digest` and `schedule --once` (README and docs/scheduling.md), and
the behaviour behind each row: 0 completed (a dead feed named on stderr, also under --quiet),
1 failed, 75 locked."""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from loopback import Response
from pipeline.cli import main
from pipeline.lock import run_lock

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["digest"], ["schedule", "--once"])


def _table(doc: Path) -> str:
    text = doc.read_text(encoding="utf-8")
    return re.search(r"^\| exit code \|.*?(?=\n\n|\Z)", text, re.S | re.M).group(0)


def test_readme_and_scheduling_doc_give_the_same_table():
    readme, doc = _table(ROOT / "README.md"), _table(ROOT / "docs" / "scheduling.md")
    assert readme == doc
    assert [row.split("|")[1].strip() for row in readme.splitlines()[2:]] == ["0", "1", "75"]


@pytest.fixture
def project(tmp_path, http_server, monkeypatch):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    pinned = (datetime.now(timezone.utc) - timedelta(hours=1)).timestamp()
    for f in (tmp_path / "seeds").iterdir():
        os.utime(f, (pinned, pinned))
    http_server.route("/dead.xml", Response(status=404, body=b"gone"))
    dead = http_server.url("/dead.xml")
    (tmp_path / "newsdesk.toml").write_text(
        f'[[sources]]\nname = "Seeds"\npath = "seeds"\n\n[[sources]]\nname = "Dead"\nurl = "{dead}"\n')
    monkeypatch.chdir(tmp_path)
    for var in ("NEWSDESK_CONFIG", "NEWSDESK_OUTBOX", "NEWSDESK_STATE_DIR"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path, dead


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_completed_run_with_a_dead_feed_exits_0_and_names_it_under_quiet(project, command, capsys):
    _, dead = project
    assert main([*command, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert dead in err and "404" in err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_held_lock_exits_75(project, command, capsys):
    folder, _ = project
    with run_lock(folder / ".newsdesk"):
        assert main(command) == 75
    assert "lock" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_failed_run_exits_1(project, command, capsys, monkeypatch):
    folder, _ = project
    (folder / "not-a-folder").write_text("")
    monkeypatch.setenv("NEWSDESK_OUTBOX", str(folder / "not-a-folder"))
    assert main(command) == 1
    assert "not-a-folder" in capsys.readouterr().err
