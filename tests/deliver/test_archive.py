"""`deliver` and the newsletter (issue 26), over the real loopback SMTP server: the e-mail rendered
with pictures and a site URL goes out with "View in your browser", its web edition, the archive
index and the feed are written, and a second `deliver` changes nothing; without a postal address
`check` and `deliver` refuse to mail more than one recipient unless `postal_address = ""`."""
from __future__ import annotations

import importlib.util
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import feedparser
import lxml.html

from conftest import ENV, SMTP_PASSWORD, settings, status_of, write_config
from pipeline import outbox
from pipeline.cli import main
from pipeline.deliver import deliver
from pipeline.render.digest import render_digest
from pipeline.render.options import DigestOptions, edition_name

_spec = importlib.util.spec_from_file_location(
    "deliver_archive_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

SITE = "https://news.example.org/digest/"
ADDRESS = "Example News Ltd, 1 High Street, Leeds LS1 1AA"
AT = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
SENDING_AT = datetime(2024, 5, 1, 7, 30, tzinfo=timezone.utc)


def newsletter(tmp_path: Path, smtp, *, address: str | None = ADDRESS) -> tuple[object, str]:
    """The configuration (with [archive] site_url and the address, or none) and one digest
    rendered with it, its e-mail approved; returns (settings, the e-mail draft's id)."""
    cfg = write_config(tmp_path, smtp=smtp, extra=f'\n[archive]\nsite_url = "{SITE}"\n')
    text = cfg.read_text().replace('postal_address = ""\n', "" if address is None else f'postal_address = "{address}"\n')
    cfg.write_text(text)
    s = settings(cfg)
    day = fixtures.DIGEST_DATE
    options = DigestOptions(date=day, title=s.title, from_addr=s.from_addr, unsubscribe_url=s.unsubscribe_url,
                            site_url=s.archive_site_url, edition=edition_name(day, s.title),
                            postal_address=s.postal_address)
    stories = fixtures.pictures(fixtures.STORIES[:3])
    written = outbox.write_digest(s.outbox, day, "newsdesk-digest", stories, render_digest(stories, options),
                                  s.to_json(), now=AT)
    (email_id,) = [d.id for d in outbox.load_digest(written.folder).drafts if d.channel == "email"]
    outbox.set_status(s.outbox, [email_id], outbox.APPROVED, by="ed", now=AT)
    return s, email_id


def files(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_deliver_sends_the_newsletter_publishes_it_and_a_second_deliver_changes_nothing(tmp_path, smtp):
    s, email_id = newsletter(tmp_path, smtp)
    report = deliver(s, env=ENV, now=SENDING_AT)
    assert [o.result for o in report.outcomes] == ["sent"] and report.ok, report.summary()
    edition = "2024-05-01-newsdesk-digest"
    assert any(line.startswith(f"wrote") and line.endswith(f"{edition}/index.html") for line in report.archive)
    assert "archive: wrote" in report.summary()
    # The message: pictures over https, "View in your browser" first, the footer's address.
    (got,) = smtp.received
    html = message_from_bytes(got.data, policy=default).get_body(("html",)).get_content()
    doc = lxml.html.document_fromstring(html)
    first = next(doc.iter("a"))
    assert (first.text_content(), first.get("href")) == ("View in your browser", f"{SITE}{edition}/")
    assert [img.get("src") for img in doc.iter("img")] == [
        "https://img.example.com/pic-0.png", "https://img.example.com/pic-1.png", "https://img.example.com/pic-2.png"]
    assert ADDRESS in " ".join(doc.text_content().split())
    # The archive: the edition as approved, the index, the feed (sent at SENDING_AT).
    archive = s.archive
    assert (archive / edition / "index.html").read_bytes() == (s.outbox / edition / "web.html").read_bytes()
    feed = feedparser.parse((archive / "feed.xml").read_bytes())
    assert not feed.bozo and [e.link for e in feed.entries] == [f"{SITE}{edition}/"]
    assert feed.entries[0].updated == "2024-05-01T07:30:00Z"
    before = files(archive)
    again = deliver(s, env=ENV, now=datetime(2024, 5, 2, 7, tzinfo=timezone.utc))
    assert again.outcomes == () and again.ok and len(smtp.received) == 1
    assert files(archive) == before                    # byte for byte, and not one file rewritten
    assert not [line for line in again.archive if line.startswith("wrote")]


def test_a_dry_run_says_what_it_would_publish_and_writes_nothing(tmp_path, smtp):
    s, _ = newsletter(tmp_path, smtp)
    report = deliver(s, env=ENV, dry_run=True)
    assert [o.result for o in report.outcomes] == ["would send"]
    assert any(line.startswith("would write") for line in report.archive)
    assert not s.archive.exists() and smtp.received == []


def test_no_postal_address_refuses_more_than_one_recipient(tmp_path, smtp, monkeypatch, capsys):
    s, email_id = newsletter(tmp_path, smtp, address=None)
    report = deliver(s, env=ENV)
    (o,) = report.outcomes
    assert o.result == "failed" and "no postal address" in o.detail and 'postal_address = ""' in o.detail
    assert smtp.received == [] and status_of(s.outbox, email_id).status == outbox.APPROVED
    assert not s.archive.exists()
    monkeypatch.setenv("NEWSDESK_SMTP_PASSWORD", SMTP_PASSWORD)
    assert main(["--config", str(s.config_path), "check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("FAILED  email") and "no postal address" in out[1]


def test_an_empty_postal_address_is_on_purpose_and_one_recipient_needs_none(tmp_path, smtp):
    s, email_id = newsletter(tmp_path, smtp, address="")
    assert [o.result for o in deliver(s, env=ENV).outcomes] == ["sent"]
    one = tmp_path / "one"
    one.mkdir()
    s, email_id = newsletter(one, smtp, address=None)
    cfg = s.config_path
    cfg.write_text(cfg.read_text().replace('to = ["Readers <readers@example.org>", "ed@example.net"]',
                                           'to = ["Readers <readers@example.org>"]'))
    assert [o.result for o in deliver(settings(cfg), env=ENV).outcomes] == ["sent"]


def test_an_address_set_after_the_e_mail_was_approved_is_not_in_it_and_is_refused(tmp_path, smtp):
    s, email_id = newsletter(tmp_path, smtp, address="")
    cfg = s.config_path
    cfg.write_text(cfg.read_text().replace('postal_address = ""', f'postal_address = "{ADDRESS}"'))
    (o,) = deliver(settings(cfg), env=ENV).outcomes
    assert o.result == "failed" and "footer lacks the postal address" in o.detail
    assert smtp.received == [] and status_of(s.outbox, email_id).status == outbox.APPROVED
