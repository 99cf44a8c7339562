"""Never twice (issue 25): what went out is recorded in the state store, where a damaged manifest
cannot erase it. A digest whose manifest no longer parses is set aside; drafted again, its drafts
that went out are marked sent from the record, and `deliver` never sends a Message-ID or a post
key the record holds as sent, even after everything was approved again."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import ENV, email_id, settings, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.cli import main
from pipeline.deliver import deliver
from pipeline.run import run_digest

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
PINNED = datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc).timestamp()
MASTODON, BLUESKY = "posts/lupus/mastodon.txt", "posts/lupus/bluesky.txt"


def _digest_folder(box: Path) -> Path:
    (folder,) = [p for p in box.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return folder


def _damage(folder: Path) -> None:
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:150])          # truncated: no longer parses


def test_a_damaged_manifest_and_the_same_drafts_approved_again_send_nothing_twice(
        tmp_path, smtp, mastodon, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)
    assert deliver(settings(cfg), env=ENV).ok
    first = {p: status_of(box, ids[p]).remote_id for p in ("digest.html", MASTODON, BLUESKY)}
    assert (len(smtp.received), len(mastodon.statuses), len(bluesky.records)) == (1, 1, 1)

    _damage(_digest_folder(box))
    assert main(["outbox", "--outbox", str(box), "list"]) == 0    # sets the digest aside
    assert (box / ".damaged").is_dir()
    mastodon.keys.clear()            # an hour later: the instance has forgotten the Idempotency-Key
    assert write_outbox(box) == ids  # drafted again, the same drafts, approved again

    report = deliver(settings(cfg), env=ENV)
    results = {o.channel: o.result for o in report.outcomes}
    assert results == {"email": "skipped", "mastodon": "skipped", "bluesky": "skipped", "x": "by hand"}
    assert all("went out already" in o.detail for o in report.outcomes if o.result == "skipped")
    assert (len(smtp.received), len(mastodon.posts), len(bluesky.creates)) == (1, 1, 1)
    for path, remote_id in first.items():
        entry = status_of(box, ids[path])
        assert entry.status == outbox.SENT and entry.remote_id == remote_id
    assert deliver(settings(cfg), env=ENV).outcomes[0].result == "by hand"   # only x is left


def test_an_attempt_the_lost_manifest_knew_of_waits_for_a_person(tmp_path, smtp):
    box = tmp_path / "outbox"
    eml = email_id(write_outbox(box))
    smtp.hang_after = 3.0                                       # takes the message, answers late
    cfg = write_config(tmp_path, smtp=smtp, timeout=0.5)
    assert deliver(settings(cfg), env=ENV).outcomes[0].result == "stuck"
    smtp.hang_after = 0
    _damage(_digest_folder(box))
    assert main(["outbox", "--outbox", str(box), "list"]) == 0
    write_outbox(box)
    (o,) = [o for o in deliver(settings(cfg), env=ENV).outcomes if o.channel == "email"]
    assert o.result == "stuck" and f"newsdesk outbox retry {eml}" in o.detail
    assert status_of(box, eml).status == outbox.SENDING
    assert "the state store records an attempt" in status_of(box, eml).history[-1].reason
    assert len(smtp.received) == 1
    assert main(["outbox", "--outbox", str(box), "retry", eml]) == 0    # a person: it did not arrive
    (o,) = [o for o in deliver(settings(cfg), env=ENV).outcomes if o.channel == "email"]
    assert o.result == "sent" and len(smtp.received) == 2


def test_damaged_manifest_then_digest_approve_all_deliver_sends_one_message(
        tmp_path, smtp, mastodon, bluesky, monkeypatch, capsys):
    """The issue's case through the CLI on the seeds' digest."""
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    for f in (tmp_path / "seeds").iterdir():
        os.utime(f, (PINNED, PINNED))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky,
                       extra='title = "Morning digest"\nmax_age_hours = 1000000\nstory_window_days = 100000\n')
    cfg.write_text(cfg.read_text() + '[[sources]]\nname = "Seeds"\npath = "seeds"\n')
    run = lambda *args: main(["--config", str(cfg), *args])  # noqa: E731
    box = tmp_path / "outbox"
    digest = lambda minutes: run_digest(settings(cfg), now=NOW + timedelta(minutes=minutes),  # noqa: E731
                                        progress=False)

    assert digest(0).digest and run("outbox", "approve", "--all") == 0 and run("deliver") == 0
    assert (len(smtp.received), len(mastodon.statuses)) == (1, 1)
    sent_before = {(d.channel, d.path): d.remote_id for d in outbox.load_digest(_digest_folder(box)).drafts
                   if d.status == outbox.SENT}

    _damage(_digest_folder(box))
    mastodon.keys.clear()
    assert digest(30).digest                                     # the same day's digest again
    capsys.readouterr()
    again = outbox.load_digest(_digest_folder(box))
    restored = {(d.channel, d.path): d.remote_id for d in again.drafts if d.status == outbox.SENT}
    assert restored and set(restored) <= set(sent_before)
    assert all(restored[k] == sent_before[k] for k in restored)
    assert ("mastodon" in {c for c, _ in restored}) and ("email" in {c for c, _ in restored})
    assert run("outbox", "approve", "--all") == 0
    assert run("deliver") == 0
    assert len(smtp.received) == 1                               # one message received, ever
    assert len(mastodon.statuses) == 1 and len(mastodon.posts) == 1
    assert len(bluesky.creates) == 1
