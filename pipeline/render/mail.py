"""The digest as one email: multipart/alternative (plain text first, then HTML).

Built by `newsdesk deliver` at sending time from the approved parts (digest.html, digest.txt) and
the settings of that moment (from, to, reply_to, unsubscribe_url), dated when it is sent. The
message uses email.policy.SMTP, so `msg.as_string()` has CRLF line endings, as on the wire; its
Message-ID and MIME boundary come from the parts, so the same parts give the same message.
"""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from typing import TYPE_CHECKING

from pipeline.render.plain import clean_text, safe_url

if TYPE_CHECKING:
    from pipeline.render.options import DigestOptions

log = logging.getLogger(__name__)

UNDISCLOSED = "undisclosed-recipients:;"


def _one_line(value: str) -> str:
    # Header values never carry a line break: that is how header injection starts.
    return clean_text(value.replace("\r", " ").replace("\n", " "))


def _domain(address: str) -> str:
    _, addr = parseaddr(address)
    domain = addr.rpartition("@")[2].strip().strip(">")
    return domain or "localhost"


def message_id(html: str, text: str, options: DigestOptions) -> str:
    """Derived from the content, so rendering the same digest twice gives the same id."""
    digest = hashlib.sha256((text + "\0" + html).encode("utf-8", "surrogatepass")).hexdigest()
    return f"<digest-{options.date:%Y%m%d}-{digest[:20]}@{_domain(options.from_addr)}>"


def subject(options: DigestOptions) -> str:
    from pipeline.render.options import format_day

    title = _one_line(options.title) or "Newsdesk digest"
    return f"{title} \u2014 {format_day(options.date)}"


def build_message(html: str, text: str, options: DigestOptions, *,
                  now: datetime | None = None) -> EmailMessage:
    """Subject, From, To, Date, Message-ID and, with an http(s) unsubscribe URL, RFC 8058's
    List-Unsubscribe and List-Unsubscribe-Post headers."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject(options)
    sender = getaddresses([_one_line(options.from_addr)])
    if len(sender) != 1 or "@" not in sender[0][1] or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", sender[0][1]):
        raise ValueError(f"the From setting is not one e-mail address: {options.from_addr!r}")
    msg["From"] = _one_line(options.from_addr)
    if options.reply_to:
        reply = getaddresses([_one_line(options.reply_to)])
        if len(reply) != 1 or "@" not in reply[0][1]:
            raise ValueError(f"the reply_to setting is not one e-mail address: {options.reply_to!r}")
        msg["Reply-To"] = _one_line(options.reply_to)
    to = []
    for name, addr in getaddresses([_one_line(a) for a in options.to_addrs]):
        if "@" not in addr:
            log.warning("dropped a recipient that is not an address: %.60r", addr)
            continue
        try:
            to.append(str(Address(display_name=name, addr_spec=addr)))
        except (ValueError, IndexError, HeaderParseError):
            log.warning("dropped a recipient that is not an address: %.60r", addr)
    msg["To"] = ", ".join(to) if to else UNDISCLOSED
    msg["Date"] = format_datetime(now or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id(html, text, options)
    unsubscribe = safe_url(options.unsubscribe_url)
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    elif options.unsubscribe_url:
        log.warning("unsubscribe URL is not http(s); List-Unsubscribe left out")
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # A boundary from the content (the email package picks a random one): the same digest gives
    # the same bytes. "=_" cannot occur in quoted-printable or base64 bodies.
    seal = hashlib.sha256((text + "\0" + html).encode("utf-8", "surrogatepass")).hexdigest()
    msg.set_boundary(f"=_newsdesk_{seal[:32]}")
    return msg
