"""OPML subscription lists -> feed sources, their folders as tags.

Parsed by listparser (feedparser's sibling, by the same maintainer): it reads OPML 1/2 with the
quirks of real exports (nested folders, `category` attributes, RSS-in-OPML from many readers) and
returns each feed's folder path. We hand it bytes we read ourselves, never a name or a URL, so it
cannot open a file or fetch anything on the list's behalf.
"""
from __future__ import annotations

from pathlib import Path

import listparser

from pipeline.config import SourceSpec
from pipeline.errors import SourceReadError
from pipeline.ingest.sources.local import NotReadable, read_regular, shown

MAX_OPML_BYTES = 16 * 1024 * 1024     # far above any real subscription list


def read_opml(path: Path) -> list[SourceSpec]:
    """Every http(s) feed of the list, in document order, named by its title; the folders it sits
    in (and its `category` attribute) become its tags."""
    try:
        # The guarded reader: a FIFO or /dev/zero given as the list is refused by name instead
        # of hanging the command or filling memory.
        raw = read_regular(path, MAX_OPML_BYTES)
    except NotReadable as e:
        raise SourceReadError(shown(path), f"cannot read OPML: {e}") from None
    parsed = listparser.parse(raw)
    if not parsed.version.startswith("opml") and not parsed.feeds:
        raise SourceReadError(str(path), "not an OPML file (no <opml> root)")
    specs, seen = [], set()
    for feed in parsed.feeds:
        url = (feed.get("url") or "").strip()
        if not url.lower().startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        tags: dict[str, None] = {}
        for folder in (*(c for path_ in feed.get("categories", []) for c in path_), *feed.get("tags", [])):
            tag = " ".join(str(folder).split()).lower()
            if tag:
                tags.setdefault(tag, None)
        specs.append(SourceSpec(name=(feed.get("title") or url).strip(), url=url, tags=tuple(tags)))
    return specs
