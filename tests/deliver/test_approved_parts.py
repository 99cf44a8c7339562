"""What the editor approved is what is sent (issue 25): the e-mail is one draft, its HTML and text
parts approved once; `deliver` builds the message when it sends, from the approved parts and the
settings of that moment, dated then. An edit of either part reaches the readers; a part changed
after approval sends the draft back to review; a default `from` or `to` is refused."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default

import pytest

from conftest import DIGEST, ENV, FROM, email_id, settings, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.cli import main
from pipeline.deliver import deliver

AT = datetime(2026, 11, 22, 13, 46, 5, tzinfo=timezone.utc)
APPEND = "import os, sys\nopen(sys.argv[1], 'a', encoding='utf-8').write(os.environ['APPEND'])\n"


def _parts(data: bytes) -> list[str]:
    msg = message_from_bytes(data, policy=default)
    return [p.get_content().replace("\r\n", "\n") for p in msg.iter_parts()]


@pytest.fixture
def editor(tmp_path, monkeypatch):
    script = tmp_path / "append.py"
    script.write_text(APPEND, encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return lambda text: monkeypatch.setenv("APPEND", text)


def test_the_email_is_one_draft_and_edits_of_both_parts_reach_the_readers(tmp_path, smtp, editor,
                                                                          monkeypatch, capsys):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    box = tmp_path / "outbox"
    eml = email_id(write_outbox(box))
    cfg = write_config(tmp_path, smtp=smtp)
    cli = lambda *args: main(["--config", str(cfg), *args])  # noqa: E731
    assert cli("outbox", "list", "--json") == 0
    (digest,) = json.loads(capsys.readouterr().out)
    assert [d["path"] for d in digest["drafts"] if d["channel"] == "email"] == ["digest.html"]

    editor("<p>EDITED-HTML: a correction.</p>\n")
    assert cli("outbox", "edit", eml) == 0
    editor("EDITED-TEXT: a correction.\n")
    assert cli("outbox", "edit", eml, "--text") == 0
    assert status_of(box, eml).status == outbox.DRAFT           # edited after approval: review again
    assert cli("deliver", "--channel", "email") == 0 and smtp.received == []
    assert cli("outbox", "approve", eml) == 0                   # approved once: both parts
    assert cli("deliver", "--channel", "email") == 0
    (got,) = smtp.received
    text, html = _parts(got.data)
    assert "EDITED-TEXT: a correction." in text and "EDITED-HTML: a correction." in html


def test_a_part_changed_after_approval_goes_back_to_review(tmp_path, smtp):
    box = tmp_path / "outbox"
    eml = email_id(write_outbox(box))
    folder = box / DIGEST
    with (folder / "digest.txt").open("a", encoding="utf-8") as f:
        f.write("A line added by hand.\n")
    report = deliver(settings(write_config(tmp_path, smtp=smtp)), env=ENV, channel="email")
    assert report.outcomes == () and smtp.received == []
    entry = status_of(box, eml)
    assert entry.status == outbox.DRAFT and entry.edited
    assert entry.history[-1].reason == "edited after approval"


def test_the_message_takes_the_settings_of_the_moment_it_is_sent(tmp_path, smtp):
    box = tmp_path / "outbox"
    eml = email_id(write_outbox(box))
    cfg = write_config(tmp_path, smtp=smtp)
    lines = cfg.read_text().splitlines()
    # As `init` leaves it: `from` and `to` at their defaults; both are refused, nothing is sent.
    cfg.write_text("\n".join(l for l in lines if not l.startswith(("from = ", "to = "))) + "\n")
    (o,) = deliver(settings(cfg), env=ENV, channel="email", now=AT).outcomes
    assert o.result == "failed" and "readers@localhost" in o.detail
    cfg.write_text("\n".join(l for l in lines if not l.startswith("from = ")) + "\n")
    (o,) = deliver(settings(cfg), env=ENV, channel="email", now=AT).outcomes
    assert o.result == "failed" and "newsdesk@localhost" in o.detail and smtp.received == []
    assert status_of(box, eml).status == outbox.APPROVED
    # Fixed after approval: the new addresses go out, and the Date is the time of sending.
    cfg.write_text("\n".join(lines).replace('to = ["Readers <readers@example.org>", "ed@example.net"]',
                                            'to = ["Subscribers <list@example.com>"]')
                   + '\nreply_to = "Editors <editors@example.org>"\n')
    cfg.write_text(_top(cfg.read_text()))
    (o,) = deliver(settings(cfg), env=ENV, channel="email", now=AT).outcomes
    assert o.result == "sent", o.detail
    (got,) = smtp.received
    msg = message_from_bytes(got.data, policy=default)
    assert msg["To"] == "Subscribers <list@example.com>" and got.rcpt_tos == ["list@example.com"]
    assert msg["From"] == FROM and msg["Reply-To"] == "Editors <editors@example.org>"
    assert msg["Date"].datetime == AT


def _top(text: str) -> str:
    """Top-level keys before the first table, as TOML wants them."""
    lines = text.splitlines()
    top = [l for l in lines if l.startswith("reply_to")]
    rest = [l for l in lines if not l.startswith("reply_to")]
    return "\n".join(top + rest) + "\n"
