"""The archive's own pages: the index of every edition (index.html) and an Atom feed of the
latest ones (feed.xml, RFC 4287). Pure functions of the Edition records; pipeline.archive reads
and writes the files.

Links in the index are relative (the folder can be served from anywhere); the feed's are
absolute, from `site_url`, as Atom readers need them. Every entry's id is its edition's address,
which never changes once the edition is published.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from pipeline.model import Edition
from pipeline.render.digest import PALETTE, environment
from pipeline.render.options import format_day
from pipeline.render.plain import clean_text, safe_url

# Entries in feed.xml: the latest editions only (a reader subscribing does not need years of
# them; the index lists every one).
FEED_ENTRIES = 50


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as Atom's date constructs want it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _newest_first(editions: Sequence[Edition]) -> list[Edition]:
    return sorted(editions, key=lambda e: (e.day, e.published, e.name), reverse=True)


def _view(e: Edition, site_url: str | None) -> dict[str, Any]:
    rel = f"{e.name}/"
    url = f"{site_url}{rel}" if site_url else rel
    stories = [{"rel": f"{rel}#story-{a}", "url": f"{url}#story-{a}", "headline": clean_text(h) or "(untitled)",
                "summary": clean_text(s)} for a, h, s in e.stories]
    return {"name": e.name, "rel": rel, "url": url, "title": clean_text(e.title) or "Newsdesk digest",
            "date_text": format_day(e.day), "published": _stamp(e.published), "updated": _stamp(e.updated),
            "stories": stories}


def render_index(editions: Sequence[Edition], *, title: str, site_url: str | None = None,
                 language: str = "en", template_dir: Path | None = None) -> str:
    """index.html: every edition, newest first, with its headlines."""
    site_url = safe_url(site_url)
    return environment(template_dir).get_template("archive.html").render(
        title=clean_text(title) or "Newsdesk digest", language=language, feed=bool(site_url),
        editions=[_view(e, site_url) for e in _newest_first(editions)], palette=PALETTE)


def render_feed(editions: Sequence[Edition], *, title: str, site_url: str, author: str,
                language: str = "en", template_dir: Path | None = None) -> str:
    """feed.xml: the latest FEED_ENTRIES editions as Atom entries; `site_url` must be an
    absolute http(s) URL ending in "/" (every id and link is made from it)."""
    url = safe_url(site_url)
    if not url or not url.endswith("/"):
        raise ValueError(f"the feed needs an absolute site URL ending in '/', not {site_url!r}")
    if not editions:
        raise ValueError("a feed of no editions")
    chosen = _newest_first(editions)[:FEED_ENTRIES]
    views = [_view(e, url) for e in chosen]
    return environment(template_dir).get_template("feed.xml").render(
        title=clean_text(title) or "Newsdesk digest", site_url=url, language=language,
        author=clean_text(author) or "Newsdesk",
        updated=max(v["updated"] for v in views), editions=views)
