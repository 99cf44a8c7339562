"""Whole runs on real files: the seeds give one story with five sources in a complete outbox;
runs are idempotent; a dry run changes nothing; a story that went out is not drafted again the
next day, and comes back as an update when new outlets cover it."""
from dataclasses import replace
import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from pipeline import outbox as ob
from pipeline.config import load_settings
from pipeline.run import run_digest
from pipeline.history import load_stories
from pipeline.store import open_store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin")


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    pinned = (NOW - timedelta(hours=2)).timestamp()   # undated seeds: dated by their files' times
    for f in (tmp_path / "seeds").iterdir():
        os.utime(f, (pinned, pinned))
    (tmp_path / "newsdesk.toml").write_text('title = "Morning digest"\n\n[[sources]]\nname = "Seeds"\npath = "seeds"\n')
    return tmp_path


def settings_of(project):
    return load_settings(project / "newsdesk.toml", env={})


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in ("report.json", "report.txt")}


def test_seeds_give_one_story_with_five_sources(project):
    report = run_digest(settings_of(project), now=NOW, progress=False)
    assert report.selected == 1 and report.articles == 5 and not [e for e in report.errors if not e.warning]
    folder = Path(report.digest)
    assert folder.name == "2026-11-22-morning-digest"
    manifest = json.loads((folder / "manifest.json").read_text())
    (story,) = manifest["stories"]
    assert len(story["sources"]) == 5
    summary = story["summary"].lower()
    assert "lupus" in summary and "immune" in summary
    for name in ("digest.html", "digest.txt", "manifest.json", "report.json"):
        assert (folder / name).is_file(), name
    posts = sorted(p.name for p in (folder / "posts").rglob("*.txt"))
    assert posts == sorted(f"{n}.txt" for n in NETWORKS)
    drafts = manifest["drafts"]
    assert {d["channel"] for d in drafts} == {"email", *NETWORKS}
    for d in drafts:
        assert d["status"] == "draft"
        assert hashlib.sha256((folder / d["path"]).read_bytes()).hexdigest() == d["sha256"]
    (mail,) = [d for d in drafts if d["channel"] == "email"]    # one e-mail draft: both parts, web edition
    assert (mail["path"], [x["path"] for x in mail["extra"]]) == ("digest.html", ["digest.txt", "web.html"])
    assert not (folder / "digest.eml").exists()                 # the message is built when sent


def test_second_identical_run_changes_nothing(project):
    s = settings_of(project)
    first = run_digest(s, now=NOW, progress=False)
    before = tree(Path(first.digest))
    second = run_digest(s, now=NOW + timedelta(minutes=5), progress=False)
    assert second.digest == first.digest and second.drafts_written == 0
    assert tree(Path(second.digest)) == before


def test_an_unchanged_run_renders_nothing_until_the_folder_or_the_templates_change(project):
    s = settings_of(project)
    first = run_digest(s, now=NOW, progress=False)
    folder = Path(first.digest)
    inodes = {p: p.stat().st_ino for p in folder.rglob("*") if p.is_file() and "report" not in p.name}
    second = run_digest(s, now=NOW + timedelta(minutes=5), progress=False)
    assert second.actions == (f"unchanged {folder.name} (the same stories, settings and templates "
                              "as the last run)",)
    assert {p: p.stat().st_ino for p in inodes} == inodes            # not even rewritten in place
    # A file gone from the folder: the next run renders and writes it again.
    text = (folder / "digest.txt").read_bytes()
    (folder / "digest.txt").unlink()
    third = run_digest(s, now=NOW + timedelta(minutes=10), progress=False)
    assert (folder / "digest.txt").read_bytes() == text
    assert [a for a in third.actions if a.startswith("write ")] == ["write digest.txt (refreshed (file was missing))"]
    # A reviewer's approval changes the manifest: the run goes through the outbox's own rules.
    manifest = json.loads((folder / "manifest.json").read_text())
    x = next(d for d in manifest["drafts"] if d["channel"] == "x")
    ob.set_status(s.outbox, [x["id"]], "approved", by="editor")
    fourth = run_digest(s, now=NOW + timedelta(minutes=15), progress=False)
    assert not any("last run" in a for a in fourth.actions) and "unchanged digest.txt (refreshed)" in fourth.actions
    assert not [a for a in fourth.actions if a.startswith("write ")]
    # Only a template's content changes: the next run renders with it.
    (project / "mine").mkdir()
    shutil.copy(ROOT / "templates" / "digest.txt", project / "mine" / "digest.txt")
    s2 = replace(s, template_dir=project / "mine")
    run_digest(s2, now=NOW + timedelta(minutes=20), progress=False)
    assert (folder / "digest.txt").read_bytes() == text
    (project / "mine" / "digest.txt").write_text("My own digest\n", encoding="utf-8")
    sixth = run_digest(s2, now=NOW + timedelta(minutes=25), progress=False)
    assert (folder / "digest.txt").read_text(encoding="utf-8") == "My own digest\n"
    assert "write digest.txt (refreshed)" in sixth.actions


def test_dry_run_changes_nothing_on_disk_or_in_the_store(project):
    s = settings_of(project)
    report = run_digest(s, now=NOW, dry_run=True, progress=False)
    assert report.selected == 1 and report.dry_run and report.actions
    assert not s.outbox.exists() and not (s.state_dir / "state.db").exists()
    run_digest(s, now=NOW, progress=False)
    before_db = (s.state_dir / "state.db").read_bytes()
    before = tree(s.outbox)
    run_digest(s, now=NOW + timedelta(hours=1), dry_run=True, progress=False)
    assert tree(s.outbox) == before and (s.state_dir / "state.db").read_bytes() == before_db


def test_story_keeps_its_id_across_runs(project):
    s = settings_of(project)
    run_digest(s, now=NOW, progress=False)
    with open_store(s.state_dir) as store:
        (first,) = load_stories(store)
    (project / "seeds" / "000_06d439df4afca0a3.txt").touch()  # read again
    run_digest(s, now=NOW + timedelta(hours=2), progress=False)
    with open_store(s.state_dir) as store:
        (again,) = load_stories(store)
    assert again.id == first.id and len(again.sources) == 5


def _add_update_feed(project, when: datetime):
    text = (ROOT / "tests" / "fixtures" / "run" / "update-feed.xml").read_text()
    (project / "seeds" / "update.xml").write_text(text.replace("{DATE}", format_datetime(when)))


def test_sent_story_not_drafted_next_day_but_returns_as_update(project):
    s = settings_of(project)
    first = run_digest(s, now=NOW, progress=False)
    ob.approve_all(s.outbox, by="editor")
    # The next day nothing new: the story already went out.
    next_day = run_digest(s, now=NOW + timedelta(days=1), progress=False)
    assert next_day.selected == 0 and next_day.digest is None
    assert next_day.left_out == (("already sent", 1),)
    assert "1 went out already" in next_day.summary()
    # Two new outlets cover it: it comes back, marked as an update saying what is new.
    later = NOW + timedelta(days=1, hours=2)
    _add_update_feed(project, later - timedelta(hours=1))
    update = run_digest(s, now=later, progress=False)
    assert update.selected == 1 and update.updates == 1
    folder = Path(update.digest)
    assert folder != Path(first.digest)
    text = (folder / "digest.txt").read_text()
    assert "Update" in text and "Medical Daily" in text
    (story,) = json.loads((folder / "manifest.json").read_text())["stories"]
    assert len(story["sources"]) == 7


def test_reviewed_drafts_survive_a_rerun(project):
    s = settings_of(project)
    first = run_digest(s, now=NOW, progress=False)
    folder = Path(first.digest)
    manifest = json.loads((folder / "manifest.json").read_text())
    x = next(d for d in manifest["drafts"] if d["channel"] == "x")
    ob.set_status(s.outbox, [x["id"]], "approved", by="editor")
    post = folder / x["path"]
    approved_text = post.read_bytes()
    _add_update_feed(project, NOW - timedelta(hours=1))  # new coverage changes the drafts
    second = run_digest(s, now=NOW + timedelta(minutes=30), progress=False)
    assert second.digest == first.digest and post.read_bytes() == approved_text
    statuses = {d["id"]: d["status"] for d in json.loads((folder / "manifest.json").read_text())["drafts"]}
    assert statuses[x["id"]] == "approved"


def test_old_items_stay_out_of_the_digest(project):
    s = settings_of(project)
    shutil.rmtree(project / "seeds")
    (project / "seeds").mkdir()
    _add_update_feed(project, NOW - timedelta(days=3))
    report = run_digest(s, now=NOW, progress=False)
    assert report.articles == 2 and report.selected == 0
    assert report.left_out == (("age", 1),)
    assert "older than `max_age_hours`" in report.summary()
    assert report.to_json()["why_empty"] == report.why_empty()


def test_an_empty_digest_says_which_rule_left_the_stories_out(project):
    (project / "newsdesk.toml").write_text('include = ["(?i)volcano"]\n\n[[sources]]\nname = "Seeds"\n'
                                           'path = "seeds"\n\n[[sources]]\nname = "Spare"\npath = "spare"\n')
    (project / "spare").mkdir()
    report = run_digest(settings_of(project), now=NOW, progress=False)
    assert report.selected == 0 and report.left_out == (("include/exclude", 1),)
    assert "left out by the `include` / `exclude` rules" in report.summary()
    (warning,) = [e for e in report.errors if e.warning]
    assert warning.origin == str(project / "spare") and "empty folder" in warning.message


def test_a_window_without_articles_names_story_window_days(project):
    shutil.rmtree(project / "seeds")
    (project / "seeds").mkdir()
    _add_update_feed(project, NOW - timedelta(days=10))      # dated, older than the 7-day window
    report = run_digest(settings_of(project), now=NOW, progress=False)
    assert report.articles == 2 and report.stories == 0 and report.selected == 0
    assert "story_window_days" in report.summary()


def test_story_index_is_kept_and_a_damaged_one_is_rebuilt(project):
    from pipeline.run import INDEX_BLOB

    s = settings_of(project)
    run_digest(s, now=NOW, progress=False)
    with open_store(s.state_dir) as store:
        assert len(store.get_blob(INDEX_BLOB)) > 1000
        store.put_blob(INDEX_BLOB, b"not an index")
    _add_update_feed(project, NOW + timedelta(minutes=30))
    report = run_digest(s, now=NOW + timedelta(hours=1), progress=False)
    assert report.selected == 1 and report.stories == 1  # the new articles joined the seeds' story
    with open_store(s.state_dir) as store:
        (story,) = load_stories(store)
        assert len(story.sources) == 7 and store.get_blob(INDEX_BLOB) != b"not an index"
