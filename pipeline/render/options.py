"""What a digest is rendered with (DigestOptions) and how its dates are shown.

Shared by the digest and the email message; imports nothing of the render stage.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slugify import slugify

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, kw_only=True)
class DigestOptions:
    date: date
    title: str = "Newsdesk digest"
    template_dir: Path | None = None
    from_addr: str = "Newsdesk <newsdesk@localhost>"
    to_addrs: tuple[str, ...] = ()
    unsubscribe_url: str | None = None
    reply_to: str | None = None
    preheader: str | None = None
    language: str = "en"
    timezone: str = "UTC"           # IANA name, for showing dates only
    site_url: str | None = None     # where the archive is served ([archive] site_url), ending in "/"
    edition: str | None = None      # this digest's folder name: its web edition is site_url + edition/
    postal_address: str | None = None       # the footer's sender address ("" or None: none shown)
    permission_reminder: str | None = None  # the footer's "why you get this" (None: from the title)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        if not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", self.language):
            raise ValueError(f"language must be a BCP 47 tag, not {self.language!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def web_url(self) -> str | None:
        """The web edition's address, when the archive has one (site_url) and this is an edition."""
        if not self.site_url or not self.edition:
            return None
        return self.site_url.rstrip("/") + "/" + self.edition + "/"


SLUG_MAX = 60    # characters of the title kept in a digest's folder name


def digest_slug(title: str) -> str:
    return slugify(title, max_length=SLUG_MAX) or "digest"


def edition_name(day: date, title: str) -> str:
    """A digest's folder name, in the outbox and in the archive: <YYYY-MM-DD>-<slug of title>."""
    return f"{day.isoformat()}-{digest_slug(title)}"


def format_when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:          # records promise UTC; be safe with a naive one
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(zone)
    return (f"{local.day} {_MONTHS[local.month - 1]} {local.year}, "
            f"{local:%H:%M} {local.tzname() or ''}").rstrip()


def format_day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"
