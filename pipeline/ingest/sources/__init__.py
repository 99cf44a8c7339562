"""Sources: each kind of input registered by URL scheme or file extension.

`read_file` turns one local file into Articles (or SourceErrors); `local_files` walks a folder;
URLs are fetched by `pipeline.ingest.collect` and parsed here with `parse_document`.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

from pipeline.model import Article, SourceError
from pipeline.ingest.sources.feed import looks_like_json_feed, parse_feed, parse_json_feed
from pipeline.ingest.sources.files import HTML_SUFFIXES, TEXT_SUFFIXES, read_html_article, read_text_article
from pipeline.ingest.sources.local import NotReadable, local_files, read_regular, shown

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".feed", ".json", ".jsonfeed")
Result = tuple[list[Article], list[SourceError]]

__all__ = ["FEED_SUFFIXES", "is_url", "local_files", "parse_document", "read_file", "Result", "shown"]


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def _sniff(head: bytes) -> str:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if h.startswith(b"{"):
        return "feed"
    if h.startswith((b"<!doctype html", b"<html")):
        return "html"
    if h.startswith(b"<") and any(t in h for t in (b"<rss", b"<feed", b"<rdf", b"<?xml", b"<channel")):
        return "feed"
    return "unknown"


def kind_of(path: Path, head: bytes = b"") -> str:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        # An .html file may still be a feed someone saved; the root element tells.
        return "feed" if _sniff(head) == "feed" and b"<html" not in head[:1024].lower() else "html"
    if suffix in FEED_SUFFIXES:
        return "feed"
    return _sniff(head)


def parse_document(content: bytes, origin: str, *, headers: Mapping[str, str] | None = None,
                   name: str | None = None, weight: float = 1.0, tags: tuple[str, ...] = (),
                   now: datetime | None = None) -> Result:
    """A fetched document: a JSON Feed or anything feedparser reads."""
    if looks_like_json_feed(content):
        return parse_json_feed(content, origin, name=name, weight=weight, tags=tags, now=now)
    return parse_feed(content, origin, headers=headers, name=name, weight=weight, tags=tags, now=now)


def read_file(path: Path, origin: str | None = None, *, name: str | None = None,
              weight: float = 1.0, tags: tuple[str, ...] = (), max_bytes: int = 20 * 1024 * 1024,
              now: datetime | None = None, single: bool = False) -> Result:
    """Read one local file of any supported kind. Never raises for bad content."""
    origin = origin or shown(path)
    try:
        raw = read_regular(path, max_bytes)
    except NotReadable as e:
        return [], [SourceError(origin, str(e))]
    kind = kind_of(path, raw[:2048])
    readers: dict[str, Callable[..., Result]] = {
        "text": lambda: read_text_article(raw, origin, path, name=name, weight=weight, tags=tags, now=now),
        "html": lambda: read_html_article(raw, origin, path, name=name, weight=weight, tags=tags, now=now),
        "feed": lambda: parse_document(raw, origin, name=name if single else None, weight=weight,
                                       tags=tags, now=now),
    }
    if kind not in readers:
        if not raw.strip():
            return [], [SourceError(origin, "empty file")]
        return [], [SourceError(origin, "unknown kind of file (expected a feed, .txt, .md or .html)")]
    try:
        return readers[kind]()
    except Exception as e:  # noqa: BLE001 - a reader bug must cost one file, not the run
        return [], [SourceError(origin, f"failed to read: {type(e).__name__}: {e}")]
