"""The digest by SMTP (smtplib): the message built when it is sent (compose) from the approved
parts, digest.html and digest.txt, and the settings of that moment (from, to, reply_to,
unsubscribe_url), dated then.

SMTP has no idempotency: once DATA has begun, a dropped connection or a timeout leaves no way to
know whether the relay queued the message. So the draft is marked `sending` just before DATA, and
a draft found still `sending` is never sent again by Newsdesk: a person decides (resume_window 0).
Everything before DATA (connecting, STARTTLS, the login, MAIL FROM, RCPT TO) fails as NotSent.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses, parseaddr
from typing import Callable, Mapping

from pipeline.config import EmailDelivery, Settings
from pipeline.deliver.base import Job, MaybeSent, NotSent, Refused, Sent, read_secret
from pipeline.outbox import DigestInfo

log = logging.getLogger(__name__)

CHANNEL = "email"
MESSAGE = "digest.html"           # the e-mail draft's main file; digest.txt, its text part, is beside it
TEXT_PART = "digest.txt"


def postal_refusal(settings: Settings, recipients: int) -> str | None:
    """Why the digest may not go out for want of the sender's postal address (CAN-SPAM asks it of
    commercial mail, and mailing services enforce it): none configured and more than one
    recipient. `postal_address = ""` says there is none on purpose (a private list)."""
    if settings.postal_address is None and recipients > 1:
        return (f"email: no postal address for the footer, and {recipients} recipients: set "
                "`postal_address` in newsdesk.toml (the sender's address, shown in every e-mail), "
                "or `postal_address = \"\"` to send without one on purpose")
    return None


def missing_address(settings: Settings, html: bytes) -> list[str]:
    """The lines of the configured postal address that the approved e-mail does not show (it was
    rendered before the address was set)."""
    import lxml.html

    from pipeline.render.plain import clean_text

    lines = [clean_text(x) for x in (settings.postal_address or "").splitlines()]
    if not any(lines):
        return []
    try:
        shown = " ".join(lxml.html.document_fromstring(html).text_content().split())
    except (ValueError, lxml.etree.ParserError):
        shown = ""
    return [line for line in lines if line and line not in shown]


def compose(info: DigestInfo, html: bytes, text: bytes, settings: Settings, now: datetime) -> bytes:
    """The message as it goes on the wire: the approved parts, the subject the reviewer saw (the
    title the digest was rendered with, its day), the current addresses, Date: now."""
    from pipeline.render.mail import build_message      # the render code, only when sending
    from pipeline.render.options import DigestOptions

    try:
        options = DigestOptions(date=date.fromisoformat(info.name[:10]),
                                title=str(info.settings.get("title") or settings.title),
                                from_addr=settings.from_addr, to_addrs=settings.to_addrs,
                                unsubscribe_url=settings.unsubscribe_url, reply_to=settings.reply_to)
        msg = build_message(html.decode("utf-8"), text.decode("utf-8"), options, now=now)
    except ValueError as exc:
        raise NotSent(f"email: cannot build the message of {info.name}: {exc}") from None
    return msg.as_string().encode("utf-8")


class EmailSender:
    channel = CHANNEL
    resume_window: timedelta | None = timedelta(0)

    def __init__(self, config: EmailDelivery, settings: Settings, env: Mapping[str, str]):
        self.config = config
        self.settings = settings
        self.env = env
        self._password: str | None = None
        self._context: ssl.SSLContext | None = None
        _, self.envelope_from = parseaddr(settings.from_addr)
        self.recipients = [addr for _, addr in getaddresses(list(settings.to_addrs)) if "@" in addr]

    def prepare(self) -> None:
        if not self.envelope_from or "@" not in self.envelope_from:
            raise NotSent(f"email: the From setting is not an address: {self.settings.from_addr!r}")
        if not self.recipients:
            raise NotSent("email: no recipient address in the `to` setting")
        if list(self.settings.to_addrs) == list(Settings.to_addrs):
            raise NotSent(f"email: `to` is still the default {Settings.to_addrs[0]}: set the "
                          "readers' address in newsdesk.toml")
        if self.settings.from_addr == Settings.from_addr:
            raise NotSent(f"email: `from` is still the default {Settings.from_addr}: set the "
                          "sender's address in newsdesk.toml")
        refusal = postal_refusal(self.settings, len(self.recipients))
        if refusal:
            raise NotSent(refusal)
        if self.config.username:
            self._password = read_secret(CHANNEL, self.config.password_env, self.config.password_file,
                                         self.env)
        if self.config.security != "none":
            try:
                self._context = ssl.create_default_context(
                    cafile=str(self.config.ca_file) if self.config.ca_file else None)
            except (OSError, ssl.SSLError) as exc:
                raise NotSent(f"email: cannot read the CA file {self.config.ca_file}: {exc}") from None

    def validate(self, job: Job) -> None:
        missing = missing_address(self.settings, (job.digest.folder / MESSAGE).read_bytes())
        if missing and len(self.recipients) > 1:
            raise NotSent(f"email: {job.label}: its footer lacks the postal address (it was rendered "
                          f"before `postal_address` was set: {missing[0]!r} is not in it); add it to "
                          "digest.html and digest.txt by hand and approve it again, or set "
                          "`postal_address = \"\"` to send it as it is")
        headers = BytesHeaderParser(policy=SMTP_POLICY).parsebytes(job.data)
        if not headers.get("Message-ID"):
            raise NotSent(f"email: {job.label} has no Message-ID header")
        if self.settings.unsubscribe_url and not headers.get("List-Unsubscribe"):
            raise NotSent(f"email: unsubscribe_url is not an http(s) URL: "
                          f"{self.settings.unsubscribe_url!r}")

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        where = f"email: {c.smtp_host}:{c.smtp_port}"
        try:
            if c.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=c.timeout,
                                                      context=self._context)
            else:
                smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.timeout)
            smtp.ehlo()
            if c.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise NotSent(f"{where} does not offer STARTTLS (security = \"starttls\")")
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise NotSent(f"{where} refused the login of {c.username}: {exc.smtp_code} "
                          f"{_text(exc.smtp_error)}") from None
        except ssl.SSLError as exc:
            raise NotSent(f"{where}: TLS failed: {exc.reason or exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotSent(f"{where}: cannot connect: {exc}") from None
        return smtp

    def send(self, job: Job, begin: Callable[[], None]) -> Sent:
        smtp = self._connect()
        polite = False               # QUIT only after a clear reply: after a timeout, just close
        try:
            try:
                code, reply = smtp.mail(self.envelope_from)
                if code != 250:
                    raise NotSent(f"email: MAIL FROM {self.envelope_from} refused: {code} {_text(reply)}")
                accepted = []
                for addr in self.recipients:
                    code, reply = smtp.rcpt(addr)
                    if code in (250, 251):
                        accepted.append(addr)
                    else:
                        log.warning("email: %s: recipient %s refused: %s %s", job.label, addr, code,
                                    _text(reply))
                if not accepted:
                    raise NotSent(f"email: every recipient was refused ({', '.join(self.recipients)})")
            except (smtplib.SMTPException, OSError) as exc:
                raise NotSent(f"email: {type(exc).__name__} before the message was sent: {exc}") from None
            begin()                  # from here on the relay may queue the message
            try:
                code, reply = smtp.data(job.data)
            except smtplib.SMTPDataError as exc:
                polite = True
                raise Refused(f"email: the server refused the message: {exc.smtp_code} "
                              f"{_text(exc.smtp_error)}") from None
            except (smtplib.SMTPException, OSError) as exc:
                raise MaybeSent(f"email: no clear reply to the message ({type(exc).__name__}: {exc})") from None
            polite = True
            # smtplib returns the reply to the end of the data without checking it: only 250
            # means the relay took responsibility for the message (RFC 5321 4.1.1.4).
            if code != 250:
                raise Refused(f"email: the server refused the message: {code} {_text(reply)}")
            return Sent(remote_id=f"{code} {_text(reply)}")
        finally:
            try:
                if polite:
                    smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            smtp.close()


def _text(reply: bytes | str) -> str:
    s = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(s.split())[:300]
