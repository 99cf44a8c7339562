"""Issue 16's "Done when", end to end through the CLI on the seeds' digest: approve --all, reject
one, deliver (one message whose parts are the approved digest.html and digest.txt, one Mastodon status equal to
mastodon.txt, both marked sent with the remote id), deliver again (nothing), dry run (nothing)."""
from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from conftest import ENV, SECRETS, status_of, write_config
from pipeline import outbox
from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]
# The seeds are undated: their files' times date them. Pinned, so nothing depends on the checkout
# or on today; the windows are wide so that a digest is made whatever the date of the run.
PINNED = datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc).timestamp()
WIDE = 'title = "Morning digest"\nmax_age_hours = 1000000\nstory_window_days = 100000\n' \
       '[[sources]]\nname = "Seeds"\npath = "seeds"\n'


def test_done_when(tmp_path, smtp, mastodon, bluesky, monkeypatch, capsys):
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    for f in (tmp_path / "seeds").iterdir():
        os.utime(f, (PINNED, PINNED))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)
    text = cfg.read_text()
    cfg.write_text(WIDE.split("[[sources]]")[0] + text + "[[sources]]" + WIDE.split("[[sources]]")[1])
    run = lambda *args: main(["--config", str(cfg), *args])  # noqa: E731
    box = tmp_path / "outbox"

    assert run("digest") == 0
    (folder,) = [p for p in box.iterdir() if p.is_dir()]
    assert run("outbox", "approve", "--all") == 0
    ids = {d.path: d.id for d in outbox.load_digest(folder).drafts}
    by_channel = {d.channel: d for d in outbox.load_digest(folder).drafts if d.path.endswith(".txt")}
    rejected = by_channel["bluesky"].id
    assert run("outbox", "reject", rejected, "--reason", "not for Bluesky today") == 0
    capsys.readouterr()

    assert run("deliver", "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(l.split()[3] for l in lines if l.startswith("would send")) == ["email", "mastodon"]
    assert (smtp.received, mastodon.statuses, bluesky.http.requests) == ([], [], [])

    assert run("deliver") == 0
    out = capsys.readouterr().out
    (message,) = smtp.received
    parts = [p.get_content().replace("\r\n", "\n")
             for p in email.message_from_bytes(message.data, policy=email.policy.default).iter_parts()]
    assert parts == [(folder / "digest.txt").read_text(encoding="utf-8"),
                     (folder / "digest.html").read_text(encoding="utf-8").rstrip("\n") + "\n"]
    (status,) = mastodon.statuses
    mastodon_txt = (folder / by_channel["mastodon"].path).read_text(encoding="utf-8")
    assert status["text"] == mastodon_txt.rstrip("\n")
    (post,) = mastodon.posts
    assert post.header("Idempotency-Key")
    eml, toot = status_of(box, ids["digest.html"]), status_of(box, by_channel["mastodon"].id)
    assert eml.status == toot.status == outbox.SENT
    assert eml.remote_id == "250 2.0.0 Ok: queued as Q0001" and toot.remote_url == status["url"]
    assert eml.history[-1].at and toot.history[-1].status == "sent"
    assert status["url"] in out and "by hand" in out            # x, threads, linkedin: composer links
    assert bluesky.http.requests == []                           # its only draft was rejected
    assert status_of(box, rejected).status == outbox.REJECTED

    assert run("deliver") == 0                                   # again: nothing more goes out
    assert run("deliver", "--dry-run") == 0
    assert not [l for l in capsys.readouterr().out.splitlines() if l.startswith(("would send", "sent"))]
    assert (len(smtp.received), len(mastodon.statuses), len(mastodon.posts)) == (1, 1, 1)
    assert bluesky.http.requests == [] and status_of(box, rejected).status == outbox.REJECTED

    assert run("outbox", "show", toot.id) == 0
    assert f"sent: {status['url']}" in capsys.readouterr().out
    assert run("digest") == 0                                    # a later run keeps what was sent
    assert status_of(box, toot.id).remote_url == status["url"]
    assert status_of(box, ids["digest.html"]).status == outbox.SENT

    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(manifest)["settings"]["delivery_mastodon"]["token_env"] == "NEWSDESK_MASTODON_TOKEN"
    for secret in SECRETS:
        assert all(secret.encode() not in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
