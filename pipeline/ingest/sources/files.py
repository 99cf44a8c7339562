"""Article files in a folder: .txt / .md (plain text) and .html / .htm (pages)."""
from __future__ import annotations

import codecs
import os
from datetime import datetime, timezone
from pathlib import Path

from pipeline.ingest.images import https_url
from pipeline.model import Article, SourceError
from pipeline.ingest.normalize import (canonical_url, clean_inline, clean_text, clean_title,
                                detect_language, parse_date, stable_id, to_utc)

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes, origin: str) -> str:
    """Bytes of a text file to str: BOM first, then UTF-8, then Windows-1252 (what editors write
    when not UTF-8). Binary data is refused with a clear error."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace")
    if b"\x00" in raw[:8192]:
        raise ValueError("binary data, not a text article")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def undated_time(path: Path, now: datetime | None) -> datetime:
    """The date of an article that gives none: the file's modification time, but never later
    than the run's `now` (a file copied or checked out after the run's clock is not "future")."""
    mtime = datetime.fromtimestamp(os.stat(path).st_mtime, tz=timezone.utc)
    return min(mtime, now) if now is not None else mtime


def read_text_article(raw: bytes, origin: str, path: Path, *, name: str | None = None,
                      weight: float = 1.0, tags: tuple[str, ...] = (),
                      now: datetime | None = None) -> tuple[list[Article], list[SourceError]]:
    from pipeline.ingest.textfile import parse_text_article

    if not raw.strip():
        return [], [SourceError(origin, "empty file")]
    try:
        text = decode_text(raw, origin)
    except ValueError as e:
        return [], [SourceError(origin, str(e))]
    parsed = parse_text_article(clean_text(text))
    if not parsed.title and not parsed.text:
        return [], [SourceError(origin, "no article text found")]
    warnings = [] if _utf8_or_bom(raw) else [SourceError(
        origin, "not valid UTF-8: read as Windows-1252 (save the file as UTF-8 if that is wrong)",
        warning=True)]
    link = parsed.url if parsed.url and parsed.url.lower().startswith(("http://", "https://")) else None
    published = parse_date(parsed.date)
    outlet = clean_inline(parsed.source) or name
    title = clean_title(parsed.title, outlet=outlet, url=link)
    url = canonical_url(link)
    return [Article(
        id=stable_id("file", url or path.name),
        title=title, text=parsed.text, origin=origin, url=url, link=link, guid=None,
        source=outlet, author=None,
        published=published or undated_time(path, now),
        published_guessed=published is None,
        language=detect_language(f"{title}\n{parsed.text}"),
        tags=tags, weight=weight,
    )], warnings


def _utf8_or_bom(raw: bytes) -> bool:
    if raw.startswith(tuple(bom for bom, _ in _BOMS)):
        return True
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def read_html_article(raw: bytes, origin: str, path: Path, *, name: str | None = None,
                      weight: float = 1.0, tags: tuple[str, ...] = (),
                      now: datetime | None = None) -> tuple[list[Article], list[SourceError]]:
    from pipeline.ingest.extract import extract_html

    if not raw.strip():
        return [], [SourceError(origin, "empty file")]
    if b"\x00" in raw[:8192] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [], [SourceError(origin, "binary data, not an HTML page")]
    try:
        page = extract_html(raw)
    except Exception as e:  # noqa: BLE001 - a page we cannot read is that file's error only
        return [], [SourceError(origin, f"cannot extract the article: {type(e).__name__}: {e}")]
    text = clean_text(page.text or "")
    if not text:
        return [], [SourceError(origin, "no article text found in the page")]
    link = getattr(page, "url", None)
    link = link if link and str(link).lower().startswith(("http://", "https://")) else None
    outlet = name
    title = clean_title(page.title, outlet=outlet, url=link) or text.split("\n", 1)[0][:90]
    published = page.published if isinstance(page.published, datetime) else parse_date(page.published)
    url = canonical_url(link)
    return [Article(
        id=stable_id("file", url or path.name),
        title=title, text=text, origin=origin, url=url, link=link, guid=None,
        source=outlet, author=clean_inline(page.author) or None,
        published=to_utc(published) or undated_time(path, now),
        published_guessed=published is None,
        language=detect_language(f"{title}\n{text}", page.language),
        image=https_url(page.image),     # og:image; https only, as from a feed (ingest.images)
        tags=tags, weight=weight,
    )], []
