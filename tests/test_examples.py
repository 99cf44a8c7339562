"""Every example printed by `--help` and every `newsdesk` line in README's shell blocks runs as
written: in a project holding the seeds, with an example's placeholders (draft and story ids, a
digest's name, example.org URLs) swapped for real ones, network examples against a loopback
server. An example passes when it exits 0 (or is stopped cleanly by SIGTERM, for the
long-running ones) and prints no traceback."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from loopback import LoopbackServer, Response
from pipeline.cli import _subparsers, build_parser
from sample_seeds import copy_seeds

ROOT = Path(__file__).resolve().parents[1]
FEED = (ROOT / "tests" / "fixtures" / "feeds" / "rss20.xml").read_bytes()
BIN = Path(sys.executable).parent
LONG_RUNNING = 4.0   # seconds a long-running example (a job, a server) runs before SIGTERM stops it
TIMEOUT = 300.0      # any other example must have finished by then


def _help_examples() -> list[str]:
    out = []
    parser = build_parser()
    for p in [parser, *_subparsers(parser)]:
        epilog = p.epilog or ""
        if "example:" not in epilog:
            continue
        lines = epilog.split("example:", 1)[1].strip("\n").split("\n\n")[0].splitlines()
        out += [ln.split("  #")[0].strip() for ln in lines if "newsdesk" in ln]
    return out


def _readme_examples() -> list[str]:
    out = []
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                line = line.split("  #")[0].split(" #")[0].strip()
                if re.match(r"^([A-Z_]+=\S+ )*newsdesk ", line):
                    out.append(line)
    return out


EXAMPLES = sorted(set(_help_examples() + _readme_examples()))


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as s:
        s.route("/feed.xml", Response.feed(FEED))
        yield s


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, server):
    """A project after one digest: the seeds, a feed folder, an OPML file, an outbox, a state."""
    base = tmp_path_factory.mktemp("project")
    copy_seeds(base / "seeds")
    (base / "feeds").mkdir()
    (base / "feeds" / "rss20.xml").write_bytes(FEED)
    (base / "subscriptions.opml").write_text(
        f'<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
        f'<outline text="Loopback" xmlUrl="{server.url("/feed.xml")}"/></outline></body></opml>')
    (base / "newsdesk.toml").write_text('title = "Morning digest"\n\n[[sources]]\nname = "Seeds"\npath = "seeds"\n'
                                        '\n[[sources]]\nname = "Feeds"\npath = "feeds"\n')
    (base / "bin").mkdir()
    for tool in ("nano", "vi"):     # an $EDITOR that leaves the draft as it is
        (base / "bin" / tool).write_text("#!/bin/sh\nexit 0\n")
        (base / "bin" / tool).chmod(0o755)
    made = _run("newsdesk digest --json", base)
    assert made.returncode == 0, made.stderr
    # The digest this run made, as its report names it: the outbox also holds the run's lock
    # file, and a folder's listing comes in whatever order its file system keeps.
    digest = Path(json.loads(made.stdout)["digest"])
    manifest = json.loads((base / "outbox" / digest.name / "manifest.json").read_text())
    drafts = [d["id"] for d in manifest["drafts"]]
    assert _run(f"newsdesk outbox approve {drafts[-1]}", base).returncode == 0   # for `outbox sent`
    from pipeline import outbox as ob                 # a draft left in `sending`, for `outbox retry`
    ob.set_status(base / "outbox", [drafts[-2]], ob.APPROVED, by="ed")
    ob.set_status(base / "outbox", [drafts[-2]], ob.SENDING, by="newsdesk deliver")
    story = manifest["stories"][0]
    listed = _run("newsdesk stories list --json", base)
    story_ids = [s["id"] for s in json.loads(listed.stdout)] if listed.returncode == 0 else []
    members = _run(f"newsdesk stories show {story['id']} --json", base)
    article_ids = [m["article_id"] for m in json.loads(members.stdout)["members"]]
    assert len(story_ids) >= 2 and len(article_ids) >= 2
    return base, {
        "drafts": drafts, "digest": digest.name,
        "story": story["id"], "stories": story_ids, "articles": article_ids,
    }


def _env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(PATH=f"{base / 'bin'}:{BIN}:{env.get('PATH', '')}", BROWSER="true", EDITOR="true",
               NO_COLOR="1", TERM="dumb")
    return env


def _long_running(command: str) -> bool:
    """The job and the review server run until stopped; every other command ends by itself."""
    words = command.split()
    return ("schedule" in words and "--once" not in words) or ("serve" in words)


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=_env(cwd), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=LONG_RUNNING if _long_running(command) else TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)       # the long-running ones: asked to stop
        out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _concrete(example: str, server: LoopbackServer, ids: dict) -> str:
    """The example with its placeholders made real."""
    cmd = re.sub(r"https://example\.org/\S*", server.url("/feed.xml"), example)
    cmd = re.sub(r"\b\d{4}-\d{2}-\d{2}-[a-z0-9-]+\b", ids["digest"], cmd)
    words = cmd.split()
    if "outbox" in words:
        drafts = iter(ids["drafts"][-1:] if "sent" in words else ids["drafts"][-2:-1] if "retry" in words
                      else ids["drafts"])
        cmd = re.sub(r"(?<![\w./-])(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{6}\b", lambda m: next(drafts), cmd)
    if "stories" in words:
        others = iter([s for s in ids["stories"] if s != ids["story"]] + ids["articles"])
        first = [True]

        def story_or_article(m):
            if len(m.group(0)) > 8 and ids["articles"]:
                return ids["articles"][0]
            if first[0]:
                first[0] = False
                return ids["story"]
            return next(others, ids["story"])
        cmd = re.sub(r"(?<![\w./-])(?=[0-9a-f]*\d)[0-9a-f]{4,16}\b", story_or_article, cmd)
    return cmd


def test_examples_were_found():
    assert len(EXAMPLES) >= 20 and any(e.startswith("newsdesk digest") for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs(example, prepared, server, tmp_path):
    base, ids = prepared
    project = tmp_path / "p"
    if example.startswith("newsdesk init"):
        project.mkdir()                       # init is shown for a new, empty folder
    else:
        shutil.copytree(base, project, symlinks=True)
    command = _concrete(example, server, ids)
    done = _run(command, project)
    assert "Traceback" not in done.stderr, f"{command}\n{done.stderr}"
    assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout[-800:]}\n{done.stderr[-800:]}"
