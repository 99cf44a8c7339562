"""The outbox on real files: layout, ids, idempotent re-runs, refresh rules, dry run, repair, run lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline import outbox
from pipeline.outbox import manifest as mf
from pipeline.errors import LockedError, OutboxError
from pipeline.lock import run_lock
from pipeline.model import Draft, SourceRef, Story

REPO = Path(__file__).resolve().parents[2]
DAY = date(2024, 5, 2)
T0 = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 2, 7, 30, tzinfo=UTC)
NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin")


def story(n: int) -> Story:
    src = SourceRef(outlet=f"Outlet {n}", url=f"https://example.org/{n}", title=f"Title {n}",
                    published=datetime(2024, 5, 1, 12, n, tzinfo=UTC), article_id=f"a{n}")
    return Story(id=f"s{n}", headline=f"Headline {n}", summary=((f"Sentence {n}.", f"a{n}"),),
                 sources=(src,), members=())


def drafts(version: str = "v1", stories: int = 2) -> list[Draft]:
    out = [Draft("", "email", "digest.html", f"<h1>Digest {version}</h1>"),
           Draft("", "email", "digest.txt", f"Digest {version}\n"),
           Draft("", "email", "digest.eml", f"Subject: Digest {version}\r\n\r\nbody\r\n")]
    for n in range(stories):
        for net in NETWORKS:
            extra = ((f"posts/story-{n}/{net}.json", json.dumps({"v": version})),) if net == "x" else ()
            out.append(Draft("", net, f"posts/story-{n}/{net}.txt", f"{net} post {n} {version}",
                             story_id=f"s{n}", extra=extra))
    return out


def write(box: Path, version: str = "v1", now: datetime = T0, **kw) -> outbox.WriteResult:
    n = kw.pop("stories", 2)
    return outbox.write_digest(box, DAY, "morning", [story(i) for i in range(n)], drafts(version, n),
                               {"top_n": n}, now=now, **kw)


def snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every file and folder under root: content and mtime in nanoseconds."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.stat()
        out[str(p.relative_to(root))] = (p.read_bytes() if p.is_file() else None, st.st_mtime_ns)
    out["."] = (None, root.stat().st_mtime_ns)
    return out


def manifest(box: Path) -> dict:
    return json.loads((box / "2024-05-02-morning" / "manifest.json").read_text())


def entry(box: Path, path: str) -> dict:
    return next(e for e in manifest(box)["drafts"] if e["path"] == path)


def test_first_run_writes_layout_and_manifest(tmp_path):
    r = write(tmp_path)
    folder = tmp_path / "2024-05-02-morning"
    assert r.folder == folder
    assert (folder / "posts/story-1/linkedin.txt").read_text() == "linkedin post 1 v1"
    assert json.loads((folder / "posts/story-0/x.json").read_text()) == {"v": "v1"}
    m = manifest(tmp_path)
    assert m["created"] == "2024-05-02T06:00:00+00:00" and m["settings"] == {"top_n": 2}
    assert m["stories"][1] == {"id": "s1", "headline": "Headline 1", "summary": "Sentence 1.",
                               "sources": [{"url": "https://example.org/1", "outlet": "Outlet 1",
                                            "title": "Title 1", "published": "2024-05-01T12:01:00+00:00",
                                            "article_id": "a1"}]}
    assert len(m["drafts"]) == 3 + 2 * 5
    for e in m["drafts"]:
        data = (folder / e["path"]).read_bytes()
        assert e["sha256"] == mf._sha(data)
        assert e["status"] == "draft" and e["history"][0]["status"] == "draft"
        assert len(e["id"]) == outbox.ID_LENGTH and e["id"].isalnum() and e["id"] == e["id"].lower()
    x = entry(tmp_path, "posts/story-0/x.txt")
    assert (x["channel"], x["story"]) == ("x", "s0")
    assert x["extra"][0]["path"] == "posts/story-0/x.json"
    assert entry(tmp_path, "digest.eml")["channel"] == "email" and entry(tmp_path, "digest.eml")["story"] is None
    assert len({e["id"] for e in m["drafts"]}) == len(m["drafts"])
    assert not list(folder.rglob("*.ndtmp")) and not (folder / outbox.JOURNAL).exists()


def test_ids_are_stable_for_the_same_folder_and_path(tmp_path):
    write(tmp_path / "a")
    write(tmp_path / "b", version="other content")
    ids_a = {e["path"]: e["id"] for e in manifest(tmp_path / "a")["drafts"]}
    ids_b = {e["path"]: e["id"] for e in manifest(tmp_path / "b")["drafts"]}
    assert ids_a == ids_b


def test_id_is_lengthened_on_collision():
    first = outbox.draft_id("2024-05-02-morning", "digest.html", set())
    second = outbox.draft_id("2024-05-02-morning", "digest.html", {first})
    assert len(second) == len(first) + 1 and second.startswith(first)


def test_second_identical_run_changes_nothing(tmp_path):
    write(tmp_path)
    before = snapshot(tmp_path)
    r = write(tmp_path, now=T1)
    assert snapshot(tmp_path) == before
    assert r.written == () and not r.manifest_changed
    folder = tmp_path / "2024-05-02-morning"
    files = {p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert len(files) == 3 + 2 * 5 + 2 and set(r.unchanged) == files


def test_rerun_refreshes_drafts_but_not_reviewed_or_edited_ones(tmp_path):
    write(tmp_path)
    folder = tmp_path / "2024-05-02-morning"
    ids = {e["path"]: e["id"] for e in manifest(tmp_path)["drafts"]}
    outbox.set_status(tmp_path, [ids["posts/story-0/x.txt"]], "approved", by="ann", now=T0)
    outbox.set_status(tmp_path, [ids["posts/story-0/bluesky.txt"]], "rejected", by="ann", now=T0)
    (folder / "posts/story-0/mastodon.txt").write_text("mastodon post, improved by hand")

    r = write(tmp_path, version="v2", now=T1)

    assert (folder / "posts/story-0/threads.txt").read_text() == "threads post 0 v2"
    assert (folder / "digest.html").read_text() == "<h1>Digest v2</h1>"
    assert (folder / "posts/story-0/x.txt").read_text() == "x post 0 v1"
    assert json.loads((folder / "posts/story-0/x.json").read_text()) == {"v": "v1"}
    assert (folder / "posts/story-0/bluesky.txt").read_text() == "bluesky post 0 v1"
    assert (folder / "posts/story-0/mastodon.txt").read_text() == "mastodon post, improved by hand"
    assert {folder / "posts/story-0/x.txt", folder / "posts/story-0/bluesky.txt",
            folder / "posts/story-0/mastodon.txt"} <= set(r.kept)
    assert folder / "posts/story-0/threads.txt" in r.written
    assert entry(tmp_path, "posts/story-0/x.txt")["status"] == "approved"
    assert entry(tmp_path, "posts/story-0/bluesky.txt")["status"] == "rejected"
    edited = entry(tmp_path, "posts/story-0/mastodon.txt")
    assert edited["edited"] and edited["status"] == "draft"
    assert edited["sha256"] == mf._sha(b"mastodon post, improved by hand")
    threads = entry(tmp_path, "posts/story-0/threads.txt")
    assert threads["id"] == ids["posts/story-0/threads.txt"]
    assert threads["history"][-1]["reason"] == "refreshed by a new run"
    assert manifest(tmp_path)["updated"] == "2024-05-02T07:30:00+00:00"
    assert manifest(tmp_path)["created"] == "2024-05-02T06:00:00+00:00"
    for e in manifest(tmp_path)["drafts"]:
        assert e["sha256"] == mf._sha((folder / e["path"]).read_bytes())


def test_drafts_no_longer_produced_go_unless_reviewed(tmp_path):
    write(tmp_path, stories=2)
    folder = tmp_path / "2024-05-02-morning"
    approved = entry(tmp_path, "posts/story-1/x.txt")["id"]
    outbox.set_status(tmp_path, [approved], "approved", by="ann")
    r = write(tmp_path, stories=1)
    assert not (folder / "posts/story-1/bluesky.txt").exists()
    assert folder / "posts/story-1/bluesky.txt" in r.removed
    assert (folder / "posts/story-1/x.txt").read_text() == "x post 1 v1"
    paths = {e["path"] for e in manifest(tmp_path)["drafts"]}
    assert "posts/story-1/x.txt" in paths and "posts/story-1/bluesky.txt" not in paths
    assert "s1" in {s["id"] for s in manifest(tmp_path)["stories"]}   # the kept post's sources


def test_dry_run_changes_nothing(tmp_path):
    r = write(tmp_path, dry_run=True)
    assert list(tmp_path.iterdir()) == []
    assert r.dry_run and {a.kind for a in r.actions} == {"write", "manifest"}
    write(tmp_path)
    (tmp_path / "2024-05-02-morning" / ".digest.txt.abc.ndtmp").write_text("half")
    before = snapshot(tmp_path)
    r = write(tmp_path, version="v2", now=T1, dry_run=True)
    assert snapshot(tmp_path) == before
    planned = {(a.kind, a.path) for a in r.actions}
    assert ("write", "digest.txt") in planned and ("clean", ".digest.txt.abc.ndtmp") in planned


def test_next_run_cleans_temp_files_and_writes_missing_ones(tmp_path):
    write(tmp_path)
    folder = tmp_path / "2024-05-02-morning"
    (folder / "posts/story-0/.x.txt.k2j3.ndtmp").write_text("half a post")
    (folder / "posts/story-1/threads.txt").unlink()
    r = write(tmp_path)
    assert not list(folder.rglob("*.ndtmp"))
    assert (folder / "posts/story-1/threads.txt").read_text() == "threads post 1 v1"
    assert r.written == (folder / "posts/story-1/threads.txt", folder / "manifest.json")
    assert entry(tmp_path, "posts/story-1/threads.txt")["history"][-1]["reason"] == "missing file written again"


def test_interrupted_run_is_repaired_not_taken_for_edits(tmp_path, monkeypatch):
    write(tmp_path)
    folder = tmp_path / "2024-05-02-morning"
    real, calls = outbox.drafts.atomic_write, []

    def dies_after_five(path, data):
        if len(calls) == 6:          # the plan, then five drafts' files: then the run "dies"
            raise KeyboardInterrupt
        calls.append(path)
        real(path, data)

    monkeypatch.setattr(outbox.drafts, "atomic_write", dies_after_five)
    with pytest.raises(KeyboardInterrupt):
        write(tmp_path, version="v2", now=T1)
    monkeypatch.setattr(outbox.drafts, "atomic_write", real)
    assert (folder / outbox.JOURNAL).exists()
    assert (folder / "digest.html").read_text() == "<h1>Digest v2</h1>"
    assert (folder / "posts/story-1/x.txt").read_text() == "x post 1 v1"

    infos = outbox.list_digests(tmp_path, by="ann")      # repairs under the lock
    assert not any(d.edited for d in infos[0].drafts)
    assert not (folder / outbox.JOURNAL).exists()
    for e in manifest(tmp_path)["drafts"]:
        assert e["sha256"] == mf._sha((folder / e["path"]).read_bytes())
    write(tmp_path, version="v2", now=T1)
    assert (folder / "posts/story-1/x.txt").read_text() == "x post 1 v2"
    assert not any(e["edited"] for e in manifest(tmp_path)["drafts"])


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "manifest.json", "posts/.hidden",
                                  "posts//x.txt", "posts/a b.txt"])
def test_unsafe_draft_paths_are_refused(tmp_path, path):
    with pytest.raises(OutboxError, match="path"):
        outbox.write_digest(tmp_path, DAY, "morning", [], [Draft("d1", "x", path, "text")], {})
    assert list(tmp_path.iterdir()) == []


def test_duplicate_paths_bad_slug_and_settings_are_refused(tmp_path):
    twice = [Draft("a", "x", "posts/s/x.txt", "1"), Draft("b", "x", "posts/s/x.txt", "2")]
    with pytest.raises(OutboxError, match="used twice"):
        outbox.write_digest(tmp_path, DAY, "morning", [], twice, {})
    with pytest.raises(OutboxError, match="slug"):
        outbox.write_digest(tmp_path, DAY, "../up", [], drafts(), {})
    with pytest.raises(OutboxError, match="JSON"):
        outbox.write_digest(tmp_path, DAY, "morning", [], drafts(), {"when": object()})
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- run lock

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.lock import run_lock
with run_lock(Path(sys.argv[1]), command="newsdesk digest (test holder)"):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def _holder(state: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(state)], cwd=REPO, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout.readline() == "locked\n"
    return proc


def test_second_run_is_told_who_holds_the_lock(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(LockedError) as exc:
            with run_lock(tmp_path):
                pass
        assert f"pid {proc.pid}" in str(exc.value) and "newsdesk digest (test holder)" in str(exc.value)
        with pytest.raises(LockedError):
            with run_lock(tmp_path, wait=True, timeout=0.2):
                pass
    finally:
        proc.communicate("\n")


def test_waiting_run_starts_when_the_holder_releases(tmp_path):
    proc = _holder(tmp_path)
    release = threading.Timer(0.3, lambda: (proc.stdin.write("\n"), proc.stdin.flush()))
    release.start()
    with run_lock(tmp_path, wait=True, timeout=30, command="second") as info:
        assert info.pid == os.getpid()
        assert json.loads((tmp_path / "run.lock").read_text())["command"] == "second"
        assert proc.stdout.readline() == "released\n"   # it let go before we got in
    proc.wait()
    release.join()


def test_lock_of_a_killed_run_is_free(tmp_path):
    proc = _holder(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with run_lock(tmp_path) as info:
        assert info.pid == os.getpid()
    assert (tmp_path / "run.lock").read_text() == ""     # cleared on release
