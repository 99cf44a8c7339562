"""Write the web editions of the digests that went out, the archive's index and its feed.

An edition is published from its approved files only: the web.html recorded with the e-mail
draft, checked against the sha256 the manifest holds for it (a page changed on disk after the
review is not published). Its time in the feed is when the e-mail went out (else when it was
approved), kept in edition.json for as long as the page stays the same, so that publishing
again, or delivering again, rewrites nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Collection, Iterator

from pipeline import outbox as ob
from pipeline.config import DEFAULT_LANGUAGE, Settings
from pipeline.errors import OutboxError
from pipeline.lock import atomic_write, file_lock
from pipeline.model import Edition

log = logging.getLogger(__name__)

BY = "newsdesk publish"
MESSAGE, WEB_EDITION = "digest.html", "web.html"     # the e-mail draft and its web edition
PAGE, RECORD, INDEX, FEED = "index.html", "edition.json", "index.html", "feed.xml"
ARCHIVE_LOCK = "archive.lock"     # in the state folder: nothing but pages goes into the archive
_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-[a-z0-9][a-z0-9-]{0,80}")


@dataclass(frozen=True)
class Published:
    """What one publish did, file by file (paths relative to the archive folder)."""

    archive: Path
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()     # (digest, why it was not published)
    notes: tuple[str, ...] = ()
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "would write" if self.dry_run else "wrote"
        out = [f"{verb:11} {self.archive / rel}" for rel in self.written]
        if self.unchanged:
            out.append(f"{'unchanged':11} {len(self.unchanged)} files in {self.archive}")
        out += [f"{'skipped':11} {name}: {why}" for name, why in self.skipped]
        return out + list(self.notes)


def _dump(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _when(d: ob.DraftEntry, now: datetime) -> datetime:
    """When the e-mail went out (else when it was approved): the edition's date on the web."""
    for status in (ob.SENT, ob.APPROVED):
        at = next((e.at for e in reversed(d.history) if e.status == status), None)
        if at:
            with contextlib.suppress(ValueError):
                return datetime.fromisoformat(at).astimezone(timezone.utc)
    return now


def _page(info: ob.DigestInfo, d: ob.DraftEntry) -> bytes | str:
    """The approved web edition's bytes, or why there is none to publish."""
    if not _NAME.fullmatch(info.name):
        return f"{info.name!r} is not a digest folder name (<YYYY-MM-DD>-<slug>)"
    sha = dict(d.extra).get(WEB_EDITION)
    if sha is None:
        return "rendered by an older Newsdesk, with no web edition: `newsdesk digest` renders it again"
    try:
        data = (info.folder / WEB_EDITION).read_bytes()
    except OSError as exc:
        return f"cannot read {WEB_EDITION}: {exc.strerror}"
    if hashlib.sha256(data).hexdigest() != sha:
        return f"{WEB_EDITION} changed on disk since it was reviewed"
    return data


def _read_editions(archive: Path) -> dict[str, Edition]:
    found: dict[str, Edition] = {}
    if not archive.is_dir():
        return found
    for record in sorted(archive.glob(f"*/{RECORD}")):
        try:
            e = Edition.from_json(json.loads(record.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: not an edition record (%s); left out of the index and feed", record, exc)
            continue
        if e.name == record.parent.name and (record.parent / PAGE).is_file():
            found[e.name] = e
    return found


def _stories_of(page: bytes) -> tuple[tuple[str, str, str], ...]:
    """(anchor, headline, summary) of each story on the page as approved. Read from the page, not
    the manifest: a later run of the same day records its own stories there, while the approved
    page stays as it was."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return ()
    out = []
    for article in doc.xpath('//article[starts-with(@id, "story-")]'):
        headline = " ".join(" ".join(h.text_content().split()) for h in article.iter("h2"))
        summary = next((" ".join(p.text_content().split()) for p in article.iter("p")
                        if p.get("class") == "summary"), "")
        out.append((article.get("id")[len("story-"):], headline, summary))
    return tuple(out)


def _edition(info: ob.DigestInfo, d: ob.DraftEntry, page: bytes, title: str,
             old: Edition | None, now: datetime) -> Edition:
    from pipeline.render.view import anchor

    sha = hashlib.sha256(page).hexdigest()
    if old is not None and old.sha256 == sha:
        return old                       # the same page: the same record, to the byte
    at = _when(d, now)
    stories = _stories_of(page) or tuple((anchor(s.id), s.headline, s.summary) for s in info.stories)
    return Edition(name=info.name, title=title, day=datetime.fromisoformat(info.name[:10]).date(),
                   published=old.published if old else at, updated=at, stories=stories, sha256=sha)


@contextlib.contextmanager
def _locked(settings: Settings, dry_run: bool) -> Iterator[None]:
    """One publisher at a time (a `deliver` and a `publish`): each reads every edition record
    and writes the index of them."""
    if dry_run:
        yield
        return
    with file_lock(settings.state_dir / ARCHIVE_LOCK, wait=True):
        yield


def publish(settings: Settings, *, digest: str | None = None,
            statuses: Collection[str] = (ob.SENT, ob.APPROVED), also: Collection[str] = (),
            dry_run: bool = False, now: datetime | None = None, by: str = BY) -> Published:
    """Publish every digest (or `digest`) whose e-mail draft is in one of `statuses` (or is named
    in `also`: a dry run's e-mails that would be sent), then the index and the feed."""
    from pipeline.render.archive import render_feed, render_index

    now = now or datetime.now(timezone.utc)
    archive = settings.archive
    if digest is not None:
        infos = [ob.find_digest(settings.outbox, digest)]
    else:
        infos = ob.list_digests(settings.outbox, by=by, now=now) if settings.outbox.is_dir() else []
    result = Published(archive, dry_run=dry_run)
    with _locked(settings, dry_run):
        editions = _read_editions(archive)
        files: dict[str, bytes] = {}
        skipped: list[tuple[str, str]] = []
        for info in sorted(infos, key=lambda i: i.name):
            d = next((x for x in info.drafts if x.channel == "email" and x.path == MESSAGE), None)
            if d is None or (d.status not in statuses and info.name not in also):
                continue
            page = _page(info, d)
            if isinstance(page, str):
                skipped.append((info.name, page))
                continue
            title = str(info.settings.get("title") or settings.title)
            e = _edition(info, d, page, title, editions.get(info.name), now)
            editions[info.name] = e
            files[f"{info.name}/{PAGE}"] = page
            files[f"{info.name}/{RECORD}"] = _dump(e.to_json())
        notes: list[str] = []
        if editions:
            common = dict(title=settings.title, language=settings.language or DEFAULT_LANGUAGE,
                          template_dir=settings.template_dir)
            files[INDEX] = render_index(list(editions.values()), site_url=settings.archive_site_url,
                                        **common).encode("utf-8")
            if settings.archive_site_url:
                author = parseaddr(settings.from_addr)[0] or settings.title
                files[FEED] = render_feed(list(editions.values()), site_url=settings.archive_site_url,
                                          author=author, **common).encode("utf-8")
            else:
                notes.append(f"no {FEED}: set [archive] site_url (the address the folder is served at)")
        written, unchanged = [], []
        for rel, data in files.items():
            path = archive / rel
            try:
                same = path.read_bytes() == data
            except OSError:
                same = False
            if same:
                unchanged.append(rel)
                continue
            written.append(rel)
            if not dry_run:
                try:
                    atomic_write(path, data)
                except OutboxError as exc:
                    raise OutboxError(f"archive: {exc}") from None
    return replace(result, written=tuple(written), unchanged=tuple(unchanged), skipped=tuple(skipped),
                   notes=tuple(notes))
