"""A run killed with SIGKILL at random moments never leaves a torn file or a lying manifest.

A writer process rewrites a digest of ~380 KB (64 files) in a loop and is killed after a random
delay, many times over. After each kill: every file is some version's full text, the manifest
parses, and each file it lists matches its sha256 (or the interrupted run's recorded plan). Between
kills a reviewer approves and edits drafts; no later run may touch those. The next run repairs
everything: no temp files, no plan left, nothing mistaken for a reviewer's edit.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import subprocess
import sys
import time
from pathlib import Path

from pipeline import outbox
from pipeline.lock import TEMP_SUFFIX
from pipeline.outbox import manifest as mf

REPO = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).resolve().parents[1] / "fixtures" / "outbox" / "crash_writer.py"
KILLS = 32
# One run of the writer takes ~0.26-0.75 s here (fsync per file), so kills within 0.3 s of its
# start land inside the first or second run, mostly between the plan and the manifest.
MAX_DELAY = 0.3

_spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(writer)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_consistent(folder: Path, by_hand: dict[str, str]) -> bool:
    """Asserts the state a kill may leave; returns whether a run was caught in the middle."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    journal_path = folder / outbox.JOURNAL
    journal = json.loads(journal_path.read_text()) if journal_path.exists() else None
    manifest = json.loads((folder / outbox.MANIFEST).read_text())
    for p in files:
        rel = str(p.relative_to(folder))
        if p.name.endswith(TEMP_SUFFIX) or p in (journal_path, folder / outbox.MANIFEST):
            continue
        text = p.read_text()
        assert text == by_hand.get(rel) or writer.version_of(rel, text) is not None, f"torn file {rel}"
    planned = {}
    if journal is not None:
        for e in journal["planned"]["drafts"]:
            planned.update(dict(mf._files(e)))
    for e in manifest["drafts"]:
        for rel, sha in mf._files(e):
            disk = _sha(folder / rel)
            assert disk == sha or disk == planned.get(rel), f"{rel} matches neither manifest nor plan"
    return journal is not None


def outbox_id(folder: Path, path: str) -> str:
    return next(e["id"] for e in json.loads((folder / outbox.MANIFEST).read_text())["drafts"]
                if e["path"] == path)


def test_killed_runs_leave_a_consistent_outbox_and_the_next_run_completes(tmp_path):
    rng = random.Random(20240502)
    box = tmp_path / "outbox"
    folder = writer.write(box, "base").folder
    by_hand: dict[str, str] = {}     # files a reviewer approved or edited: no run may change them
    caught = 0
    for kill in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(box), str(kill * 1000)],
                                cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, MAX_DELAY))
        proc.kill()
        proc.wait()
        proc.stdout.close()
        caught += check_consistent(folder, by_hand)
        for path, text in by_hand.items():
            assert (folder / path).read_text() == text, f"a run touched the reviewed {path}"
        if kill == 8:                # the reviewer approves two posts between runs
            for path in ("posts/story-3/x.txt", "posts/story-4/bluesky.txt"):
                [d] = outbox.set_status(box, [outbox_id(folder, path)], "approved", by="ann")
                for rel in [d.path, *(x for x, _ in d.extra)]:   # x.txt comes with its x.json
                    by_hand[rel] = (folder / rel).read_text()
        if kill == 16:               # ... and rewrites one by hand
            path = "posts/story-5/mastodon.txt"
            (folder / path).write_text("rewritten by hand\n")
            by_hand[path] = "rewritten by hand\n"
    assert caught > 0, "no kill landed inside a run: the test exercised nothing"

    result = writer.write(box, "final")
    assert not list(folder.rglob(f"*{TEMP_SUFFIX}")) and not (folder / outbox.JOURNAL).exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["settings"] == {"version": "final"}
    for e in manifest["drafts"]:
        for rel, sha in mf._files(e):
            assert _sha(folder / rel) == sha
            expected = by_hand.get(rel, writer.content(rel, "final"))
            assert (folder / rel).read_text() == expected
    status = {e["path"]: (e["status"], e["edited"]) for e in manifest["drafts"]}
    assert status.pop("posts/story-3/x.txt") == ("approved", False)
    assert status.pop("posts/story-4/bluesky.txt") == ("approved", False)
    assert status.pop("posts/story-5/mastodon.txt") == ("draft", True)
    assert set(status.values()) == {("draft", False)}   # no crash mistaken for an edit
    assert len(manifest["drafts"]) == 3 + writer.STORIES * len(writer.NETWORKS)
    assert writer.write(box, "final").written == () and result.folder == folder
