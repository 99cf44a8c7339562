"""A reviewer's corrections, `newsdesk stories split|merge`, as a user runs them on the seeds'
digest (made by `newsdesk digest`): the story keeps its id on the part that stays, article ids
may be prefixes, and the digest's drafts still in draft are rendered again at once."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from review_fixtures import ROOT, entry, manifest, seeds_digest


def newsdesk(base: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--state-dir", str(base / "state"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("seeds")
    seeds_digest(base / "outbox", base / "state")
    return base


@pytest.fixture
def base(seeds, tmp_path) -> Path:
    shutil.copytree(seeds / "state", tmp_path / "state")
    shutil.copytree(seeds / "outbox", tmp_path / "outbox")
    return tmp_path


def stories(base: Path) -> dict[str, list[str]]:
    done = newsdesk(base, "stories", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {s["id"]: sorted(m["article_id"] for m in s["members"]) for s in json.loads(done.stdout)}


def folder_of(base: Path) -> Path:
    [folder] = [p for p in (base / "outbox").iterdir() if (p / "manifest.json").is_file()]
    return folder


def sources(folder: Path) -> dict[str, list[str]]:
    return {s["id"]: sorted(r["article_id"] for r in s["sources"]) for s in manifest(folder)["stories"]}


def test_split_keeps_the_id_on_the_part_that_stays_and_renders_the_drafts_at_once(base):
    [(sid, members)] = [(k, v) for k, v in stories(base).items() if len(v) == 5]
    folder = folder_of(base)
    approved = entry(folder, "mastodon", sid)
    assert newsdesk(base, "outbox", "--outbox", str(base / "outbox"), "approve", approved["id"]).returncode == 0
    approved_text = (folder / approved["path"]).read_bytes()
    mail_before = (folder / "digest.html").read_bytes()
    moved, stay = members[2:], members[:2]               # the larger part moves out
    done = newsdesk(base, "stories", "split", sid[:6], *(a[:8] for a in moved), "--outbox", str(base / "outbox"))
    assert done.returncode == 0, done.stderr
    after = stories(base)
    assert after[sid] == stay                             # the id stays with the articles not named
    [new] = [k for k, v in after.items() if v == moved]
    assert new != sid and new in done.stdout and f"story {sid} keeps its id" in done.stdout
    # At once, not at the next run: the digest's stories and drafts are those of the split.
    assert sources(folder)[sid] == stay and sources(folder)[new] == moved
    assert (folder / "digest.html").read_bytes() != mail_before
    assert entry(folder, "x", new)["status"] == "draft"
    kept = next(e for e in manifest(folder)["drafts"] if e["id"] == approved["id"])
    assert kept["status"] == "approved" and (folder / kept["path"]).read_bytes() == approved_text
    # And a later run keeps both ids.
    again = newsdesk(base, "--quiet", "digest", "--outbox", str(base / "outbox"))
    assert again.returncode == 0, again.stderr
    assert stories(base) == after

    done = newsdesk(base, "stories", "merge", new[:6], sid[:6], "--outbox", str(base / "outbox"))
    assert done.returncode == 0, done.stderr
    assert stories(base) == {sid: members}
    assert sources(folder) == {sid: members}             # rendered again at once


@pytest.mark.parametrize("bad,says", [("zzzz", "not in story"), ("", "ambiguous")])
def test_an_unknown_or_ambiguous_article_prefix_is_refused_and_nothing_changes(base, bad, says):
    [sid] = [k for k, v in stories(base).items() if len(v) == 5]
    before = stories(base)
    done = newsdesk(base, "stories", "split", sid, bad, "--outbox", str(base / "outbox"))
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr
    assert stories(base) == before
