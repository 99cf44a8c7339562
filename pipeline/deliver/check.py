"""`newsdesk check`: before the first send, the configuration, the secrets it names and each
configured channel, reached the way `deliver` reaches it (the senders' own `prepare` and login),
one line each. Sends nothing: SMTP stops after EHLO, STARTTLS and AUTH; Mastodon reads the
instance and the token's account; Bluesky opens a session.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pipeline.config import DEFAULT_LANGUAGE, Settings, find_config, load_settings
from pipeline.deliver.base import NotSent
from pipeline.deliver.http import NoReply, call
from pipeline.errors import NewsdeskError


@dataclass(frozen=True)
class Checked:
    name: str            # "config", "email", "mastodon", "bluesky"
    ok: bool
    text: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED':7} {self.name:9} {self.text}"


def _email(settings: Settings, env: Mapping[str, str]) -> str:
    from pipeline.deliver.email import EmailSender

    c = settings.delivery_email
    sender = EmailSender(c, settings, env)
    sender.prepare()                     # from, to, the password, the CA file
    smtp = sender._connect()             # EHLO, STARTTLS, AUTH: what a send does before MAIL FROM
    try:
        smtp.quit()
    except OSError:
        smtp.close()
    steps = ["EHLO"] + (["STARTTLS"] if c.security == "starttls" else ["TLS"] if c.security == "ssl" else [])
    steps += [f"AUTH as {c.username}"] if c.username else []
    return f"{c.smtp_host}:{c.smtp_port}: {', '.join(steps)} accepted"


def _mastodon(settings: Settings, env: Mapping[str, str]) -> str:
    from pipeline.deliver.mastodon import MastodonSender

    c = settings.delivery_mastodon
    sender = MastodonSender(c, env, language=settings.language or DEFAULT_LANGUAGE)
    sender.prepare()                     # the token is set; the instance answers with its limits
    try:
        reply = call("GET", f"{c.base_url}/api/v1/accounts/verify_credentials", timeout=c.timeout,
                     token=sender._token)
    except NoReply as exc:
        raise NotSent(f"cannot reach {c.base_url}: {exc}") from None
    data = reply.json()
    if reply.status != 200 or not isinstance(data, dict):
        raise NotSent(f"{c.base_url} refused the token: {reply.error()}")
    return f"{c.base_url}: the token is @{data.get('acct') or data.get('username') or '?'}'s"


def _bluesky(settings: Settings, env: Mapping[str, str]) -> str:
    from pipeline.deliver.bluesky import BlueskySender

    c = settings.delivery_bluesky
    sender = BlueskySender(c, env, language=settings.language or DEFAULT_LANGUAGE)
    sender.prepare()                     # com.atproto.server.createSession
    return f"{c.service}: a session for {c.handle}"


CHANNEL_CHECKS = (("email", "delivery_email", _email), ("mastodon", "delivery_mastodon", _mastodon),
                  ("bluesky", "delivery_bluesky", _bluesky))


def check(config: Path | None, env: Mapping[str, str], *, overrides: dict | None = None) -> list[Checked]:
    """One Checked per part; a channel not configured is said so, and is not a failure."""
    try:
        settings = load_settings(config, env=env, overrides=overrides or {})
    except NewsdeskError as exc:
        return [Checked("config", False, str(exc))]
    found = find_config(config, env)
    out = [Checked("config", True, f"{found} reads" if found else "no config file: the defaults")]
    for name, field, reach in CHANNEL_CHECKS:
        if getattr(settings, field) is None:
            out.append(Checked(name, True, f"not configured ([delivery.{name}]): nothing is sent there"))
            continue
        try:
            out.append(Checked(name, True, reach(settings, env)))
        except NotSent as exc:
            text = str(exc)
            out.append(Checked(name, False, text[len(name) + 2:] if text.startswith(f"{name}: ") else text))
    return out
