"""Email over a real SMTP server on loopback (aiosmtpd) with STARTTLS over a certificate made in
the test: the approved bytes go out once, and an unclear end never leads to a second send."""
from __future__ import annotations

from email import message_from_bytes

from conftest import DIGEST, ENV, SMTP_PASSWORD, settings, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.deliver import deliver


def test_the_approved_eml_goes_out_byte_for_byte_over_starttls(tmp_path, smtp):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    report = deliver(settings(write_config(tmp_path, smtp=smtp)), env=ENV, channel="email")
    assert [o.result for o in report.outcomes] == ["sent"], report.summary()
    eml = box / DIGEST / "digest.eml"
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.data == eml.read_bytes()                      # Message-ID and all, unchanged
    assert got.tls and got.login == "digest@example.org" and smtp.logins == [("digest@example.org", True)]
    assert got.mail_from == "digest@example.org"
    assert got.rcpt_tos == ["readers@example.org", "ed@example.net"]
    headers = message_from_bytes(got.data)
    assert headers["List-Unsubscribe"] == "<https://example.org/unsubscribe?u=1>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = status_of(box, ids["digest.eml"])
    assert sent.status == outbox.SENT and sent.remote_id == "250 2.0.0 Ok: queued as Q0001"
    # its review views went out with it; the other channels were not asked for
    assert status_of(box, ids["digest.txt"]).status == outbox.SENT
    assert status_of(box, ids["posts/lupus/mastodon.txt"]).status == outbox.APPROVED
    again = deliver(settings(write_config(tmp_path, smtp=smtp)), env=ENV, channel="email")
    assert again.outcomes == () and len(smtp.received) == 1


def test_an_untrusted_certificate_sends_nothing_and_keeps_the_draft_approved(tmp_path, smtp):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    cfg = write_config(tmp_path, smtp=smtp)
    cfg.write_text(cfg.read_text().replace(f'ca_file = "{smtp.ca_file}"\n', ""))  # system CAs only
    report = deliver(settings(cfg), env=ENV, channel="email")
    (o,) = report.outcomes
    assert o.result == "failed" and "email" in o.detail and "TLS" in o.detail and not report.ok
    assert smtp.received == [] and smtp.logins == []          # no password over an unverified link
    assert status_of(box, ids["digest.eml"]).status == outbox.APPROVED


def test_a_wrong_password_is_refused_before_anything_is_sent(tmp_path, smtp):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    report = deliver(settings(write_config(tmp_path, smtp=smtp)),
                     env={**ENV, "NEWSDESK_SMTP_PASSWORD": "wrong"}, channel="email")
    (o,) = report.outcomes
    assert o.result == "failed" and "refused the login" in o.detail and o.draft == ids["digest.eml"]
    assert smtp.received == [] and status_of(box, ids["digest.eml"]).status == outbox.APPROVED


def test_a_missing_password_variable_names_the_channel_and_the_variable(tmp_path, smtp):
    write_outbox(tmp_path / "outbox")
    report = deliver(settings(write_config(tmp_path, smtp=smtp)), env={}, channel="email")
    (o,) = report.outcomes
    assert o.result == "failed" and o.detail == "email: the environment variable NEWSDESK_SMTP_PASSWORD is not set"


def test_no_reply_after_data_leaves_it_sending_and_it_is_never_sent_again(tmp_path, smtp):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    smtp.hang_after = 3.0                                     # takes the message, answers late
    cfg = write_config(tmp_path, smtp=smtp, timeout=0.5)
    (o,) = deliver(settings(cfg), env=ENV, channel="email").outcomes
    assert o.result == "stuck" and "outbox sent" in o.detail and "outbox retry" in o.detail
    assert len(smtp.received) == 1
    assert status_of(box, ids["digest.eml"]).status == outbox.SENDING
    smtp.hang_after = 0
    (o,) = deliver(settings(cfg), env=ENV, channel="email").outcomes
    assert o.result == "stuck" and len(smtp.received) == 1    # reported, not sent again
    # A person checked: it did not arrive. `outbox retry` approves it again; deliver sends it.
    outbox.retry(box, [ids["digest.eml"]], by="ed")
    (o,) = deliver(settings(cfg), env=ENV, channel="email").outcomes
    assert o.result == "sent" and len(smtp.received) == 2
    history = [e.status for e in status_of(box, ids["digest.eml"]).history]
    assert history[-4:] == ["sending", "approved", "sending", "sent"]


def test_an_eml_without_list_unsubscribe_is_not_sent_when_one_is_configured(tmp_path, smtp):
    box = tmp_path / "outbox"
    write_outbox(box, unsubscribe=None)
    (o,) = deliver(settings(write_config(tmp_path, smtp=smtp)), env=ENV, channel="email").outcomes
    assert o.result == "failed" and "List-Unsubscribe" in o.detail and smtp.received == []


def test_the_default_recipient_is_never_mailed(tmp_path, smtp):
    write_outbox(tmp_path / "outbox")
    cfg = write_config(tmp_path, smtp=smtp)
    cfg.write_text("\n".join(l for l in cfg.read_text().splitlines() if not l.startswith("to = ")))
    (o,) = deliver(settings(cfg), env=ENV, channel="email").outcomes
    assert o.result == "failed" and "readers@localhost" in o.detail and smtp.received == []
