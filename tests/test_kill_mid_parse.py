"""A run SIGKILLed while its process pool parses local feeds leaves nothing that blocks the next
run: no worker outlives it (issue 17, item 2: they were reparented to PID 1, kept the run lock,
and every later `digest` exited 1 naming a dead pid)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEWSDESK = Path(sys.executable).with_name("newsdesk")
FILES = 40            # well above collect.PARALLEL_MIN_FILES: the pool runs
ITEMS = 300           # per file: a few tenths of a second of parsing each


def _feed(n: int) -> str:
    items = "".join(
        f"<item><title>Story {n}-{i} about harbour works and the council</title>"
        f"<link>https://example.org/{n}/{i}</link><guid>g-{n}-{i}</guid>"
        f"<pubDate>Sun, 22 Nov 2026 0{i % 6}:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Paragraph {i} of feed {n}: the council met about the harbour "
        f"and the bridge works, which run late.&lt;/p&gt;</description></item>"
        for i in range(ITEMS))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {n}</title>'
            f"<link>https://example.org/{n}</link>{items}</channel></rss>")


@pytest.fixture
def project(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for n in range(FILES):
        (feeds / f"outlet-{n:02d}.xml").write_text(_feed(n))
    (tmp_path / "newsdesk.toml").write_text(
        'title = "Kill test"\nstate_dir = "state"\noutbox = "out"\n\n'
        '[[sources]]\nname = "Local"\npath = "feeds"\n')
    return tmp_path


def _processes_with(token: bytes) -> list[int]:
    """Live (not zombie) processes whose environment carries the token."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if token not in Path(f"/proc/{entry}/environ").read_bytes():
                continue
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry))
    return found


def _digest(project: Path, token: bytes) -> subprocess.Popen:
    env = dict(os.environ, NEWSDESK_KILL_TEST_TOKEN=token.decode().split("=", 1)[1])
    return subprocess.Popen([str(NEWSDESK), "--config", str(project / "newsdesk.toml"), "digest"],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_sigkill_mid_parse_leaves_no_worker_and_no_lock(project):
    kills = 3
    for round_ in range(kills):
        token = f"NEWSDESK_KILL_TEST_TOKEN={uuid.uuid4().hex}".encode()
        run = _digest(project, token)
        deadline = time.monotonic() + 60
        while len([p for p in _processes_with(token) if p != run.pid]) < 1:
            assert run.poll() is None, "the run ended before its pool started: make it bigger"
            assert time.monotonic() < deadline, "no worker process ever started"
            time.sleep(0.02)
        time.sleep(0.05 * round_)          # a little later into the parse each round
        run.send_signal(signal.SIGKILL)
        run.wait()
        run.stdout.close()
        run.stderr.close()
        gone_by = time.monotonic() + 10
        while (left := _processes_with(token)) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert left == [], f"round {round_ + 1}: worker processes outlived the killed run: {left}"
        # The state folder holds the lock file of the killed run; the next run must take it.
    token = f"NEWSDESK_KILL_TEST_TOKEN={uuid.uuid4().hex}".encode()
    run = _digest(project, token)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err.decode(errors="replace")
    assert b"taking over the lock of a run that ended without releasing it" in err
    assert _processes_with(token) == []
