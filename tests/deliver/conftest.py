"""Fixtures for the delivery tests: real servers on loopback, an outbox with one digest, and a
configuration pointing at the servers. Secrets reach the code only through `env`."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from delivery_servers import BlueskyServer, MastodonServer, SmtpServer
from loopback import LoopbackServer
from pipeline import outbox
from pipeline.config import load_settings
from pipeline.model import Draft, SourceRef, Story

# Distinctive, so a test can look for them in every file and every line of output.
SMTP_PASSWORD = "smtp-pw-7Qx2LkZ9"
MASTODON_TOKEN = "masto-tok-Vb83Nw1R"
BLUESKY_PASSWORD = "bsky-app-pw-Hd51Tm0C"
SECRETS = (SMTP_PASSWORD, MASTODON_TOKEN, BLUESKY_PASSWORD)
ENV = {"NEWSDESK_SMTP_PASSWORD": SMTP_PASSWORD, "NEWSDESK_MASTODON_TOKEN": MASTODON_TOKEN,
       "NEWSDESK_BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}
DAY = date(2026, 11, 22)
DIGEST = f"{DAY.isoformat()}-morning-digest"   # write_outbox's folder (beside the outbox's lock file)
AT = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
FROM, TO = "Morning digest <digest@example.org>", ("Readers <readers@example.org>", "ed@example.net")
UNSUBSCRIBE = "https://example.org/unsubscribe?u=1"
LINK = "https://news.example.org/lupus-car-t?utm_source=bluesky"
MASTODON_TEXT = "Car T-cell therapy sends lupus into remission in a small study. https://news.example.org/lupus #Lupus"
BLUESKY_TEXT = "Car T-cell therapy sends lupus into remission \u2014 na\u00efve \U0001F9EC news.example.org/lupus-car-t #Lupus"


@pytest.fixture
def smtp(tmp_path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path, username="digest@example.org", password=SMTP_PASSWORD) as server:
        yield server


@pytest.fixture
def mastodon() -> Iterator[MastodonServer]:
    with LoopbackServer() as http:
        yield MastodonServer(http, token=MASTODON_TOKEN)


@pytest.fixture
def bluesky() -> Iterator[BlueskyServer]:
    with LoopbackServer() as http:
        yield BlueskyServer(http, handle="newsdesk.example.org", app_password=BLUESKY_PASSWORD)


def story() -> Story:
    src = SourceRef("News Example", "https://news.example.org/lupus", "Lupus in remission",
                    AT, "a1")
    return Story(id="st-lupus", headline="Lupus patients in remission after CAR T-cell therapy",
                 summary=(("A small study saw lupus go into remission.", "a1"),),
                 sources=(src,), members=())


def bluesky_record(text: str) -> dict:
    label = "news.example.org/lupus-car-t"
    start = len(text[:text.index(label)].encode())
    tag = len(text[:text.index("#Lupus")].encode())
    return {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-22T00:00:00.000Z",
            "langs": ["en"], "facets": [
                {"index": {"byteStart": start, "byteEnd": start + len(label.encode())},
                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": LINK}]},
                {"index": {"byteStart": tag, "byteEnd": tag + len("#Lupus".encode())},
                 "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Lupus"}]}]}


HTML, TEXT = "<p>Lupus in remission.</p>", "Lupus in remission.\n"


def write_outbox(box: Path, *, mastodon_text: str = MASTODON_TEXT) -> dict[str, str]:
    """One digest (email, mastodon, bluesky with its JSON, x), all approved; {path: draft id}."""
    drafts = [
        Draft("", "email", "digest.html", HTML, extra=(("digest.txt", TEXT),)),
        Draft("", "mastodon", "posts/lupus/mastodon.txt", mastodon_text + "\n", story_id="st-lupus"),
        Draft("", "bluesky", "posts/lupus/bluesky.txt", BLUESKY_TEXT + "\n", story_id="st-lupus",
              extra=(("posts/lupus/bluesky.json", json.dumps(bluesky_record(BLUESKY_TEXT)) + "\n"),)),
        Draft("", "x", "posts/lupus/x.txt", "Lupus in remission https://news.example.org/lupus\n",
              story_id="st-lupus"),
    ]
    result = outbox.write_digest(box, DAY, "morning-digest", [story()], drafts,
                                 {"title": "Morning digest"}, now=AT)
    assert result.folder == box / DIGEST
    ids = {d.path: d.id for d in outbox.load_digest(result.folder).drafts}
    outbox.set_status(box, list(ids.values()), outbox.APPROVED, by="ed", now=AT)
    return ids


def write_config(tmp_path: Path, *, smtp: SmtpServer | None = None, mastodon: MastodonServer | None = None,
                 bluesky: BlueskyServer | None = None, timeout: float = 5.0, extra: str = "") -> Path:
    # postal_address = "": no address on purpose (the test digest's footer has none); the rule
    # for an absent one has its own tests (test_archive.py).
    lines = [f'from = "{FROM}"', f"to = {json.dumps(list(TO))}", f'unsubscribe_url = "{UNSUBSCRIBE}"',
             'outbox = "outbox"', 'state_dir = "state"', 'postal_address = ""', extra]
    if smtp:
        lines += ["[delivery.email]", 'smtp_host = "127.0.0.1"', f"smtp_port = {smtp.port}",
                  'security = "starttls"', 'username = "digest@example.org"',
                  'password_env = "NEWSDESK_SMTP_PASSWORD"', f'ca_file = "{smtp.ca_file}"',
                  f"timeout = {timeout}"]
    if mastodon:
        lines += ["[delivery.mastodon]", f'base_url = "{mastodon.base_url}"',
                  'token_env = "NEWSDESK_MASTODON_TOKEN"', f"timeout = {timeout}"]
    if bluesky:
        lines += ["[delivery.bluesky]", f'service = "{bluesky.service}"', f'handle = "{bluesky.handle}"',
                  'app_password_env = "NEWSDESK_BLUESKY_APP_PASSWORD"', f"timeout = {timeout}"]
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def settings(cfg: Path):
    return load_settings(cfg, env={})


def email_id(ids: dict[str, str]) -> str:
    """The id of the digest's e-mail draft."""
    return ids["digest.html"]


def status_of(box: Path, draft_id: str) -> outbox.DraftEntry:
    return outbox.find_draft(box, draft_id)[1]
