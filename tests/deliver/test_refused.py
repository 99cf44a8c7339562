"""Sent means accepted (issue 25): a draft is `sent` only on the network's positive reply. A relay
that reads the message and then refuses it (451, 554 to the end of DATA), or an instance that
refuses a status (422), leaves the draft `failed` with the reply; `deliver` exits 1, never sends
it again by itself, and `outbox retry` is the way back."""
from __future__ import annotations

import pytest

from conftest import ENV, email_id, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.cli import main

MASTODON = "posts/lupus/mastodon.txt"


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("reply", ["451 4.3.0 Mailbox temporarily unavailable, try later",
                                   "554 5.7.1 Message rejected as spam"])
def test_a_message_refused_after_its_data_is_failed_not_sent(tmp_path, smtp, capsys, reply):
    box = tmp_path / "outbox"
    eml = email_id(write_outbox(box))
    cfg = write_config(tmp_path, smtp=smtp)
    deliver = lambda: main(["--config", str(cfg), "deliver", "--channel", "email"])  # noqa: E731
    smtp.refuse_data = reply
    assert deliver() == 1
    out = capsys.readouterr().out
    assert reply in out and f"newsdesk outbox retry {eml}" in out
    entry = status_of(box, eml)
    assert entry.status == outbox.FAILED and entry.remote_id is None
    assert reply in entry.history[-1].reason
    assert len(smtp.refused) == 1 and smtp.received == []

    assert deliver() == 1                                    # reported again, not sent again
    assert reply in capsys.readouterr().out and len(smtp.refused) == 1

    smtp.refuse_data = None
    assert main(["--config", str(cfg), "outbox", "retry", eml, "--by", "ed"]) == 0
    assert status_of(box, eml).status == outbox.APPROVED
    assert deliver() == 0
    sent = status_of(box, eml)
    assert sent.status == outbox.SENT and sent.remote_id == "250 2.0.0 Ok: queued as Q0001"
    assert len(smtp.received) == 1


def test_a_refused_status_is_failed_with_the_instances_reply(tmp_path, mastodon, capsys):
    box = tmp_path / "outbox"
    toot = write_outbox(box)[MASTODON]
    cfg = write_config(tmp_path, mastodon=mastodon)
    mastodon.refuse_posts = "Validation failed: Text contains a forbidden word"
    assert main(["--config", str(cfg), "deliver", "--channel", "mastodon"]) == 1
    assert "forbidden word" in capsys.readouterr().out
    entry = status_of(box, toot)
    assert entry.status == outbox.FAILED and "HTTP 422" in entry.history[-1].reason
    assert mastodon.statuses == []
    mastodon.refuse_posts = None
    assert main(["--config", str(cfg), "deliver", "--channel", "mastodon"]) == 1
    assert mastodon.posts and len(mastodon.posts) == 1       # not posted again by itself
    assert main(["--config", str(cfg), "outbox", "retry", toot]) == 0
    assert main(["--config", str(cfg), "deliver", "--channel", "mastodon"]) == 0
    assert status_of(box, toot).status == outbox.SENT and len(mastodon.statuses) == 1
