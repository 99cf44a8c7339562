"""What the review page shows of one digest: the e-mail as it will be sent, one card per story with
each network's draft measured by the network's rules (pipeline.outbox.edit.measure), the link
card, status and history. Reads the digest folder; writes nothing. Feed text stays text here: the
template escapes it (jinja2 autoescape), and only http(s) URLs become links.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.deliver.composer import SHARE_URLS
from pipeline.render import rules
from pipeline.render.mail import build_message
from pipeline.render.options import DigestOptions
from pipeline.render.plain import safe_image_url

from pipeline.outbox.edit import measure
from pipeline.outbox.manifest import APPROVED, DRAFT, REJECTED, STATUSES, DigestInfo, DraftEntry, StoryEntry

# Gmail clips a message whose HTML is over 102 KB and hides the rest behind "View entire message".
GMAIL_CLIP_BYTES = 102 * 1024
NETWORK_ORDER = rules.NETWORKS
EMAIL_FILES = ("digest.html", "digest.txt", "digest.eml")   # .txt, .eml: drafts of older outboxes
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


@dataclass(frozen=True)
class Typed:
    """A reviewer's text the page shows instead of the file's: a refused or conflicting Save, or
    a Count without JavaScript. `base` is the sha256 the next Save starts from."""

    text: str
    base: str
    error: str | None = None
    conflict: str | None = None      # the text now on disk, when it changed under the reviewer


def _read(info: DigestInfo, rel: str) -> bytes | None:
    try:
        return (info.folder / rel).read_bytes()
    except OSError:
        return None


def _strip_utm(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _links(info: DigestInfo, d: DraftEntry, text: str) -> list[str]:
    """The post's link targets: URLs in its text, and those behind Bluesky's short link labels."""
    found = [m.group(0).rstrip(".,;:!?)") for m in _URL.finditer(text)]
    for rel, _ in d.extra:
        try:
            record = json.loads(_read(info, rel) or b"{}")
        except ValueError:
            continue
        for r in (record.get("thread") or [record]) if isinstance(record, dict) else []:
            for f in r.get("facets") or []:
                found += [x["uri"] for x in f.get("features", []) if isinstance(x.get("uri"), str)]
    return [u for u in dict.fromkeys(found) if rules.safe_url(u)]


def _card(story: StoryEntry | None, links: list[str]) -> dict[str, Any] | None:
    """The link card the network will unfurl: the first link, with what we know of its source."""
    if not links:
        return None
    url = links[0]
    source = None
    if story is not None:
        key = _strip_utm(url)
        source = next((s for s in story.sources if s.url and rules.safe_url(s.url)
                       and _strip_utm(s.url) == key), None)
    return {"url": url, "host": urlsplit(url).hostname or "",
            "title": rules.clean_text(source.title) if source else None,
            "outlet": rules.clean_text(source.outlet) if source else None}


def _history(d: DraftEntry) -> list[dict[str, str]]:
    return [{"status": h.status, "at": h.at.replace("T", " ").replace("+00:00", " UTC"), "by": h.by,
             "reason": h.reason or ""} for h in d.history]


def _picture(story: StoryEntry | None) -> dict[str, Any] | None:
    """The story's lead image as the page shows it (https only, as the e-mail does)."""
    image = story.image if story is not None else None
    url = safe_image_url(image.url) if image is not None else None
    if url is None:
        return None
    return {"url": url, "alt": rules.clean_text(image.alt) or rules.clean_text(story.headline),
            "credit": rules.clean_text(image.credit, strip_markup=True), "width": image.width,
            "height": image.height}   # review.html says "Image: ..." before the credit


def draft_view(info: DigestInfo, d: DraftEntry, typed: Typed | None = None) -> dict[str, Any]:
    data = _read(info, d.path)
    disk = data.decode("utf-8", errors="replace") if data is not None else ""
    sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    text = typed.text if typed else disk
    m = measure(d.channel, text)
    pieces = text.replace("\r\n", "\n").rstrip("\n").split(rules.THREAD_SEPARATOR)
    return {
        "id": d.id, "channel": d.channel, "path": d.path, "status": d.status, "edited": d.edited,
        "missing": d.missing, "text": text, "sha": sha, "base": typed.base if typed else sha,
        "measure": m, "parts": list(zip(pieces, m.parts)) if len(pieces) > 1 else [],
        "history": _history(d), "card": _card(info.story(d.story), _links(info, d, text)),
        # Bluesky's card carries the picture we upload (pipeline.deliver.bluesky); the other
        # networks build theirs from the page.
        "card_picture": _picture(info.story(d.story)) if d.channel == "bluesky" else None,
        "unsaved": typed is not None and text != disk,   # the box holds text not on disk
        "error": typed.error if typed else None, "conflict": typed.conflict if typed else None,
        "editable": d.channel in rules.LIMITS and not d.missing and d.status in (DRAFT, APPROVED, REJECTED),
        "remote_url": rules.safe_url(d.remote_url), "by_hand": d.channel in SHARE_URLS,
    }


def _why(story: StoryEntry) -> dict[str, str]:
    out = {}
    for article, reason, score, shared in story.members:
        text = reason if reason == "seed" else f"{reason} ({score:.2f})"
        if shared:
            text += ": shares " + ", ".join(shared[:5])
        out[article] = text
    return out


def _headers(info: DigestInfo, html: bytes | None, txt: bytes | None) -> dict[str, str]:
    """Subject, From and To of the message built from the parts (as `deliver` builds it, with the
    settings the digest was rendered with: deliver takes those of the moment it sends)."""
    if html is None or txt is None:
        return {}
    s = info.settings
    to = s.get("to_addrs")
    try:
        options = DigestOptions(date=date.fromisoformat(info.name[:10]),
                                **{k: v for k, v in (("title", s.get("title")), ("from_addr", s.get("from_addr")),
                                                     ("to_addrs", tuple(to) if isinstance(to, list) else None))
                                   if isinstance(v, (str, tuple))})
        msg = build_message(html.decode("utf-8", "replace"), txt.decode("utf-8", "replace"), options)
    except ValueError:
        return {}
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    return {k: str(parsed.get(k, "")) for k in ("Subject", "From", "To")}


def _email(info: DigestInfo) -> dict[str, Any]:
    html = _read(info, "digest.html")
    txt = _read(info, "digest.txt")
    head = _headers(info, html, txt)
    size = len(html) if html is not None else 0
    return {"subject": head.get("Subject", ""), "from": head.get("From", ""), "to": head.get("To", ""),
            "has_html": html is not None, "size": size, "clip": GMAIL_CLIP_BYTES,
            "size_state": "over" if size > GMAIL_CLIP_BYTES else "near" if size > 0.8 * GMAIL_CLIP_BYTES else "ok",
            "text": txt.decode("utf-8", errors="replace") if txt is not None else None}


def _archive(info: DigestInfo, archive: Path | None) -> dict[str, Any]:
    """Where this digest's web edition is (or will be): its address under [archive] site_url,
    and whether `deliver` / `publish` has written it into the archive folder yet."""
    site = rules.safe_url(info.settings.get("archive_site_url"))
    site = site if site and site.endswith("/") else None
    return {"web_url": f"{site}{info.name}/" if site else None, "index_url": site,
            "published": archive is not None and (archive / info.name / "index.html").is_file(),
            "served": archive is not None and (archive / "index.html").is_file(),
            "has_web": (info.folder / "web.html").is_file()}


def digest_view(info: DigestInfo, typed: Mapping[str, Typed] | None = None, *,
                archive: Path | None = None) -> dict[str, Any]:
    """Everything review.html shows of `info`; `typed` holds texts to show instead of the files';
    `archive`: the web archive's folder (links to this digest's web edition)."""
    typed = typed or {}
    views = {d.id: draft_view(info, d, typed.get(d.id)) for d in info.drafts}
    stories = []
    for s in info.stories:
        drafts = sorted((views[d.id] for d in info.drafts if d.story == s.id),
                        key=lambda v: (NETWORK_ORDER.index(v["channel"]) if v["channel"] in NETWORK_ORDER
                                       else len(NETWORK_ORDER), v["path"]))
        if not drafts:
            continue
        why = _why(s)
        sources = [{"outlet": rules.clean_text(r.outlet) or (urlsplit(r.url).hostname if rules.safe_url(r.url)
                                                              else None),
                    "title": rules.clean_text(r.title) or "(untitled)", "url": rules.safe_url(r.url),
                    "why": why.get(r.article_id, ""), "article": r.article_id} for r in s.sources]
        # clean_text: no control or bidi-override characters from a feed reorder what is shown.
        stories.append({"id": s.id, "headline": rules.clean_text(s.headline) or "(untitled)",
                        "summary": rules.clean_text(s.summary), "sources": sources,
                        "picture": _picture(s), "drafts": drafts})
    told = {v["id"] for s in stories for v in s["drafts"]}
    mail = [views[d.id] for d in info.drafts if d.path in EMAIL_FILES]
    others = [views[d.id] for d in info.drafts if d.id not in told and d.path not in EMAIL_FILES]
    pending = [d for d in info.drafts if d.status == "draft" and not d.missing]
    return {"name": info.name, "email": _email(info), "mail_drafts": mail, "stories": stories,
            "archive": _archive(info, archive),
            "other_drafts": others, "pending": [(d.id, views[d.id]["sha"]) for d in pending],
            "counts": {s: sum(d.status == s for d in info.drafts) for s in STATUSES}}
