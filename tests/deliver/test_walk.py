"""The walk over the outbox: a crash between send and record (a real kill, or an exception) never
leads to a second send; secrets appear in no file and no output; one failing channel does not stop
the others; dry runs send nothing; drafts that are not approved are never touched."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import DIGEST, ENV, SECRETS, settings, status_of, write_config, write_outbox
from delivery_servers import free_port
from pipeline import outbox
from pipeline.cli import main
from pipeline.deliver import deliver
from pipeline.deliver import walk

REPO = Path(__file__).resolve().parents[2]
EML, MASTODON, BLUESKY, X = ("digest.html", "posts/lupus/mastodon.txt", "posts/lupus/bluesky.txt",
                             "posts/lupus/x.txt")


def _kill_during(tmp_path, cfg, channel, server) -> subprocess.CompletedProcess:
    """Run `newsdesk deliver` in a child process that the server kills right after it accepted."""
    holder: dict[str, int] = {}
    server.after_accept = lambda: os.kill(holder["pid"], signal.SIGKILL)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(cfg), "deliver",
                             "--channel", channel], cwd=tmp_path, env={**os.environ, **ENV},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    holder["pid"] = proc.pid
    out, err = proc.communicate(timeout=60)
    server.after_accept = None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("channel", ["email", "mastodon", "bluesky"])
def test_a_kill_between_send_and_record_never_sends_twice(tmp_path, channel, request):
    server = request.getfixturevalue({"email": "smtp", "mastodon": "mastodon", "bluesky": "bluesky"}[channel])
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    cfg = write_config(tmp_path, **{{"email": "smtp"}.get(channel, channel): server})
    path = {"email": EML, "mastodon": MASTODON, "bluesky": BLUESKY}[channel]
    done = _kill_during(tmp_path, cfg, channel, server)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert status_of(box, ids[path]).status == outbox.SENDING      # marked before it went out
    count = {"email": lambda: len(server.received), "mastodon": lambda: len(server.statuses),
             "bluesky": lambda: len(server.records)}[channel]
    assert count() == 1
    (o,) = deliver(settings(cfg), env=ENV, channel=channel).outcomes
    assert count() == 1
    entry = status_of(box, ids[path])
    if channel == "email":                 # SMTP cannot tell: a person decides
        assert o.result == "stuck" and entry.status == outbox.SENDING
        assert f"newsdesk outbox sent {entry.id}" in o.detail
        assert [x.result for x in deliver(settings(cfg), env=ENV, channel=channel).outcomes] == ["stuck"]
    else:                                  # the key finds what the killed run posted
        assert o.result == "sent" and entry.status == outbox.SENT and entry.remote_id
        assert deliver(settings(cfg), env=ENV, channel=channel).outcomes == ()
    assert count() == 1


@pytest.fixture
def three(tmp_path, smtp, mastodon, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    return box, ids, write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)


def test_an_exception_after_sending_leaves_sending_and_the_next_run_sends_nothing_new(
        three, monkeypatch, smtp, mastodon, bluesky):
    box, ids, cfg = three

    def crash(self, d, remote):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(walk._Run, "_record", crash)
    monkeypatch.setattr(walk.Ledger, "sent", crash)
    report = deliver(settings(cfg), env=ENV)
    assert {o.channel: o.result for o in report.outcomes if o.channel != "x"} == {
        "email": "stuck", "mastodon": "stuck", "bluesky": "stuck"}
    assert all(status_of(box, ids[p]).status == outbox.SENDING for p in (EML, MASTODON, BLUESKY))
    monkeypatch.undo()
    report = deliver(settings(cfg), env=ENV)
    results = {o.channel: o.result for o in report.outcomes}
    assert results == {"email": "stuck", "mastodon": "sent", "bluesky": "sent", "x": "by hand"}
    assert (len(smtp.received), len(mastodon.statuses), len(bluesky.records)) == (1, 1, 1)
    assert len(bluesky.creates) == 1


def test_mastodon_is_not_resumed_once_its_idempotency_key_may_have_expired(three, monkeypatch, mastodon):
    box, ids, cfg = three
    monkeypatch.setattr(walk._Run, "_record", lambda self, d, remote: 1 / 0)
    monkeypatch.setattr(walk.Ledger, "sent", lambda self, job, remote_id, remote_url: 1 / 0)
    deliver(settings(cfg), env=ENV, channel="mastodon")
    monkeypatch.undo()
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    (o,) = deliver(settings(cfg), env=ENV, channel="mastodon", now=later).outcomes
    assert o.result == "stuck" and "outbox retry" in o.detail
    assert len(mastodon.posts) == 1


def test_one_failing_channel_does_not_stop_the_others(tmp_path, smtp, bluesky):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    cfg = write_config(tmp_path, smtp=smtp, bluesky=bluesky, extra="")
    nowhere = f"http://127.0.0.1:{free_port()}"              # nothing listens there
    cfg.write_text(cfg.read_text() + f'[delivery.mastodon]\nbase_url = "{nowhere}"\ntimeout = 2\n')
    report = deliver(settings(cfg), env=ENV)
    results = {o.channel: o for o in report.outcomes}
    assert results["mastodon"].result == "failed" and results["mastodon"].detail.startswith("mastodon: ")
    assert results["email"].result == "sent" and results["bluesky"].result == "sent"
    assert not report.ok and status_of(box, ids[MASTODON]).status == outbox.APPROVED


def test_dry_run_sends_nothing_and_changes_nothing(three, smtp, mastodon, bluesky):
    box, ids, cfg = three
    before = {p: p.read_bytes() for p in box.rglob("*") if p.is_file()}
    report = deliver(settings(cfg), env=ENV, dry_run=True)
    assert {o.channel: o.result for o in report.outcomes} == {
        "email": "would send", "mastodon": "would send", "bluesky": "would send", "x": "by hand"}
    assert (smtp.received, mastodon.http.requests, bluesky.http.requests) == ([], [], [])
    assert {p: p.read_bytes() for p in box.rglob("*") if p.is_file()} == before


def test_drafts_not_approved_are_never_touched(three, smtp, mastodon, bluesky):
    box, ids, cfg = three
    outbox.set_status(box, [ids[MASTODON]], outbox.REJECTED, by="ed", reason="off topic")
    folder = box / DIGEST
    (folder / BLUESKY).write_text("edited after approval\n", encoding="utf-8")   # back to draft
    report = deliver(settings(cfg), env=ENV)
    assert {o.channel for o in report.outcomes} == {"email", "x"}
    assert mastodon.http.requests == [] and bluesky.http.requests == []
    assert status_of(box, ids[MASTODON]).status == outbox.REJECTED
    assert status_of(box, ids[BLUESKY]).status == outbox.DRAFT


def test_networks_without_an_api_get_a_composer_link_and_outbox_sent_records_it(three, capsys):
    box, ids, cfg = three
    report = deliver(settings(cfg), env=ENV, channel="x")
    (o,) = report.outcomes
    assert o.result == "by hand" and report.ok
    assert "https://x.com/intent/post?text=Lupus%20in%20remission%20https%3A%2F%2Fnews.example.org%2Flupus" in o.detail
    assert main(["--config", str(cfg), "outbox", "show", ids[X]]) == 0
    assert "post by hand: https://x.com/intent/post?text=Lupus" in capsys.readouterr().out
    assert main(["--config", str(cfg), "outbox", "sent", ids[X]]) == 0
    assert status_of(box, ids[X]).status == outbox.SENT
    assert deliver(settings(cfg), env=ENV, channel="x").outcomes == ()


def test_secrets_appear_in_no_file_and_no_output(three, capsys, caplog, monkeypatch):
    box, ids, cfg = three
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    assert main(["--config", str(cfg), "--verbose", "deliver"]) == 0
    # and once more with every secret wrong, so the error paths speak too
    write_outbox(cfg.parent / "other" / "outbox")
    wrong = {k: v[::-1] for k, v in ENV.items()}
    other = cfg.parent / "other" / "newsdesk.toml"
    other.write_text(cfg.read_text(), encoding="utf-8")
    report = deliver(settings(other), env=wrong)
    assert {o.result for o in report.outcomes} == {"failed", "by hand"}
    out = capsys.readouterr()
    said = out.out + out.err + caplog.text + report.summary()
    assert "sent" in said
    files = [p for p in cfg.parent.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in files)
    for secret in SECRETS + tuple(wrong.values()):
        assert secret not in said
        for p in files:
            assert secret.encode() not in p.read_bytes(), p
    manifest = json.loads((box / DIGEST / "manifest.json").read_text())
    assert {e["status"] for e in manifest["drafts"]} == {"sent", "approved"}   # x waits for a person


def test_a_second_deliver_at_the_same_time_is_refused(three):
    box, ids, cfg = three
    from pipeline.errors import NewsdeskError
    from pipeline.lock import file_lock

    with file_lock(box / walk.DELIVER_LOCK, wait=False):
        with pytest.raises(NewsdeskError, match="another `newsdesk deliver` is running"):
            deliver(settings(cfg), env=ENV)
        assert main(["--config", str(cfg), "deliver"]) == 75          # EX_TEMPFAIL, like digest
        assert deliver(settings(cfg), env=ENV, dry_run=True).outcomes    # a dry run needs no lock


def test_no_outbox_is_nothing_to_deliver_and_creates_nothing(tmp_path, smtp):
    cfg = write_config(tmp_path, smtp=smtp)
    assert deliver(settings(cfg), env=ENV).outcomes == ()
    assert not (tmp_path / "outbox").exists()


def test_an_unexpected_error_before_sending_fails_that_draft_alone(three, smtp, mastodon, bluesky,
                                                                   monkeypatch):
    box, ids, cfg = three
    real = walk.Job

    def job(info, d, data, resume=False):
        if d.channel == "mastodon":
            raise PermissionError(13, "Permission denied", d.path)
        return real(info, d, data, resume)

    monkeypatch.setattr(walk, "Job", job)
    report = deliver(settings(cfg), env=ENV)
    results = {o.channel: o for o in report.outcomes}
    assert results["mastodon"].result == "failed" and "Permission denied" in results["mastodon"].detail
    assert results["email"].result == "sent" and results["bluesky"].result == "sent"
    assert mastodon.posts == [] and status_of(box, ids[MASTODON]).status == outbox.APPROVED
