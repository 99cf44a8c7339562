"""`newsdesk outbox serve` as a user starts it: a real process on 127.0.0.1, the first line, the
browser it opens, and a clean stop on SIGTERM and Ctrl-C (SIGINT)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from review_fixtures import ROOT, fixture_digest

FIRST_LINE = re.compile(r"Review page: http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{20,})#key=[A-Za-z0-9_-]{40,}\n")


def start(box: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "outbox", "--outbox", str(box), "serve", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    line = proc.stdout.readline()
    found = FIRST_LINE.fullmatch(line)
    if not found:
        proc.kill()
        pytest.fail(f"first line {line!r}; stderr: {proc.stderr.read()[-2000:]}")
    return proc, line.split("Review page: ")[1].strip(), int(found.group(1))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_prints_the_address_first_answers_on_loopback_and_stops_cleanly(tmp_path, stop):
    fixture_digest(tmp_path)
    proc, url, port = start(tmp_path, "--port", "0", "--no-browser")
    try:
        assert port != 0
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(url, timeout=10) as r:                 # the token's redirect, then the page
            assert r.status == 200 and "Approve all" in r.read().decode()
        with pytest.raises(urllib.error.HTTPError) as exc:      # no cookie: the address alone is not enough
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        assert exc.value.code == 403
    finally:
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.rstrip().endswith("Review page stopped.") and "Traceback" not in err


def test_serve_binds_loopback_only(tmp_path):
    fixture_digest(tmp_path)
    proc, _, port = start(tmp_path, "--no-browser")
    try:
        listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
        ours = [l.split()[1] for l in listening if l.split()[1].endswith(f":{port:04X}")]
        assert ours == [f"0100007F:{port:04X}"]                  # 127.0.0.1, not 0.0.0.0
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_the_browser_gets_the_token_through_a_private_file_not_its_command_line(tmp_path):
    fixture_digest(tmp_path / "box")
    seen = tmp_path / "browser-args.txt"
    browser = tmp_path / "browser.py"
    browser.write_text("import pathlib, sys, urllib.parse\n"
                       "page = pathlib.Path(urllib.parse.urlparse(sys.argv[1]).path)\n"
                       f"pathlib.Path({str(seen)!r}).write_text(sys.argv[1] + '\\n' + oct(page.stat().st_mode & 0o777)"
                       " + '\\n' + page.read_text())\n")
    proc, url, _ = start(tmp_path / "box", env={"BROWSER": f"{sys.executable} {browser} %s"})
    try:
        for _ in range(300):        # up to 30 s on a loaded machine
            if seen.is_file() and seen.read_text().count("\n") >= 2:
                break
            subprocess.run(["sleep", "0.1"])
        arg, mode, page = seen.read_text().split("\n", 2)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    token = url.split("token=")[1].split("#")[0]
    assert arg.startswith("file://") and token not in arg
    assert mode == "0o600" and url in page
    assert not Path(arg[len("file://"):]).exists()           # removed when the server stops


def test_serve_says_so_when_the_outbox_holds_no_digest(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline", "outbox", "--outbox", str(tmp_path), "serve",
                           "--no-browser"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "holds no digest" in done.stderr and done.stdout == ""


def test_a_port_in_use_is_one_clear_line(tmp_path):
    import socket

    fixture_digest(tmp_path)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline", "outbox", "--outbox", str(tmp_path), "serve",
                               "--no-browser", "--port", str(taken.getsockname()[1])],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        taken.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot serve on 127.0.0.1:" in done.stderr and "try --port 0" in done.stderr
