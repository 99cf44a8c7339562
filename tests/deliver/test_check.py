"""`newsdesk check` against the real loopback servers (aiosmtpd with STARTTLS and AUTH, the
Mastodon and Bluesky servers), and `deliver -q`, `deliver --json`, `outbox list --by-hand`."""
from __future__ import annotations

import json

from conftest import ENV, SMTP_PASSWORD, write_config, write_outbox
from pipeline.cli import main


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_check_reaches_every_configured_channel_one_line_each(tmp_path, smtp, mastodon, bluesky, monkeypatch, capsys):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)
    assert main(["--config", str(cfg), "check"]) == 0
    out = lines(capsys)
    assert [l.split()[:2] for l in out] == [["ok", "config"], ["ok", "email"], ["ok", "mastodon"], ["ok", "bluesky"]]
    assert "EHLO, STARTTLS, AUTH as digest@example.org accepted" in out[1]
    assert smtp.logins == [("digest@example.org", True)] and smtp.received == []     # nothing sent
    assert "@newsdesk" in out[2] and "session for newsdesk.example.org" in out[3]
    assert mastodon.posts == [] and bluesky.creates == []
    assert not any(SMTP_PASSWORD in l for l in out)


def test_check_names_each_failure_and_exits_1(tmp_path, smtp, mastodon, bluesky, monkeypatch, capsys):
    monkeypatch.setenv("NEWSDESK_SMTP_PASSWORD", "wrong")
    monkeypatch.setenv("NEWSDESK_BLUESKY_APP_PASSWORD", ENV["NEWSDESK_BLUESKY_APP_PASSWORD"])
    monkeypatch.delenv("NEWSDESK_MASTODON_TOKEN", raising=False)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)
    assert main(["--config", str(cfg), "check"]) == 1
    out = lines(capsys)
    assert len(out) == 4 and out[0].startswith("ok") and out[3].startswith("ok")
    assert out[1].startswith("FAILED") and "refused the login" in out[1]
    assert out[2].startswith("FAILED") and "NEWSDESK_MASTODON_TOKEN is not set" in out[2]


def test_check_refuses_a_default_to_and_a_bad_config(tmp_path, smtp, monkeypatch, capsys):
    monkeypatch.setenv("NEWSDESK_SMTP_PASSWORD", SMTP_PASSWORD)
    cfg = write_config(tmp_path, smtp=smtp)
    cfg.write_text(cfg.read_text().replace('to = ["Readers <readers@example.org>", "ed@example.net"]\n', ""))
    assert main(["--config", str(cfg), "check"]) == 1
    out = lines(capsys)
    assert out[1].startswith("FAILED") and "`to` is still the default" in out[1]
    cfg.write_text('top_n = "many"\n')
    assert main(["--config", str(cfg), "check"]) == 1
    [line] = lines(capsys)
    assert line.startswith("FAILED  config") and "top_n" in line


def test_deliver_quiet_prints_nothing_when_nothing_needs_a_person(tmp_path, smtp, mastodon, bluesky,
                                                                  monkeypatch, capsys):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    ids = write_outbox(tmp_path / "outbox")            # email, mastodon, bluesky and x (by hand)
    cfg = write_config(tmp_path, smtp=smtp, mastodon=mastodon, bluesky=bluesky)
    assert main(["--config", str(cfg), "deliver", "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert len(smtp.received) == 1 and len(mastodon.posts) == 1
    assert main(["--config", str(cfg), "deliver", "-q"]) == 0       # the next cron run: still nothing
    assert capsys.readouterr().out == ""
    assert main(["--config", str(cfg), "outbox", "list", "--by-hand"]) == 0
    out = lines(capsys)
    assert out[0].startswith(ids["posts/lupus/x.txt"]) and out[1].strip().startswith("https://x.com/intent/post?text=")
    assert out[-1].startswith("1 approved post(s) to publish by hand")


def test_deliver_quiet_names_a_refusal_and_json_gives_every_outcome(tmp_path, smtp, monkeypatch, capsys):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    ids = write_outbox(tmp_path / "outbox")
    cfg = write_config(tmp_path, smtp=smtp)
    smtp.refuse_data = "554 5.7.1 Message rejected"
    assert main(["--config", str(cfg), "deliver", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] and {o["draft"] for o in report["outcomes"]} >= {ids["digest.html"]}
    assert main(["--config", str(cfg), "deliver", "-q"]) == 1
    [line] = lines(capsys)
    assert line.startswith("failed") and ids["digest.html"] in line and "554" in line
