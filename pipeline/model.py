"""The records that flow through the pipeline: one frozen dataclass per stage.

Change a record with ``dataclasses.replace``; collections inside records are tuples, and every
datetime is timezone-aware UTC.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Article:
    """One normalized news item, from a feed entry or an article file."""

    id: str                      # stable across runs: derived from guid / canonical url / origin
    title: str
    text: str                    # clean paragraphs separated by blank lines
    origin: str                  # the file path as given, or the feed URL
    url: str | None = None       # canonical URL (tracking stripped, AMP folded)
    link: str | None = None      # the link as the source gave it
    guid: str | None = None      # the feed entry id, when there is one
    source: str | None = None    # outlet name
    author: str | None = None
    published: datetime | None = None
    published_guessed: bool = False   # True when `published` is the time first seen
    language: str | None = None
    image: str | None = None
    summary: str | None = None   # the feed's own summary, cleaned, when it has one
    tags: tuple[str, ...] = ()
    weight: float = 1.0          # the configured weight of its source

    def to_json(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: its deep copy was most of the cost of storing
        # 15,000 articles (bench/run_cycle.py at 300 feeds: 1.7 s of 2.5 s).
        d = {f: getattr(self, f) for f in _ARTICLE_FIELDS}
        d["published"] = self.published.isoformat() if self.published else None
        d["tags"] = list(self.tags)
        return d


_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))


@dataclass(frozen=True)
class SourceError:
    """A source (file, folder entry or feed) that could not be read; the run goes on."""

    origin: str
    message: str
    warning: bool = False        # survivable (feedparser bozo with entries, say)

    def __str__(self) -> str:
        kind = "warning" if self.warning else "error"
        return f"{self.origin}: {kind}: {self.message}"


@dataclass(frozen=True)
class Member:
    """An article inside a story, with the reason it joined."""

    article_id: str
    reason: str                  # "seed", "duplicate", "same story"
    score: float = 1.0
    duplicate_of: str | None = None
    shared: tuple[str, ...] = ()  # shared entities / terms that support the join
    evidence: tuple[str, ...] = ()  # the join model's main evidence in words ("titles 0.62")


@dataclass(frozen=True)
class SourceRef:
    outlet: str | None
    url: str | None
    title: str
    published: datetime | None
    article_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet,
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "article_id": self.article_id,
        }


@dataclass(frozen=True)
class Story:
    """Articles from one or more outlets about the same event."""

    id: str
    headline: str
    summary: tuple[tuple[str, str], ...]   # (sentence, article_id it came from)
    sources: tuple[SourceRef, ...]          # earliest first, one per distinct article
    members: tuple[Member, ...]
    first_seen: datetime | None = None
    last_updated: datetime | None = None
    key_facts: tuple[str, ...] = ()         # facts at least two sources agree on
    disputed: tuple[str, ...] = ()          # facts on which the sources differ
    entities: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    is_update: bool = False
    whats_new: tuple[str, ...] = ()         # for an update: new outlets and facts since it went out
    language: str | None = None             # the language its headline and summary are in

    @property
    def summary_text(self) -> str:
        return " ".join(s for s, _ in self.summary)

    @property
    def outlets(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for s in self.sources:
            if s.outlet:
                seen.setdefault(s.outlet, None)
        return tuple(seen)


@dataclass(frozen=True)
class Draft:
    """One file for review in the outbox: the digest or one post."""

    id: str
    channel: str                 # "email" or a network name
    path: str                    # relative to the digest folder
    content: str
    story_id: str | None = None
    status: str = "draft"
    extra: tuple[tuple[str, str], ...] = field(default=())  # more files: (relative path, content)


@dataclass(frozen=True)
class RunReport:
    started: datetime
    finished: datetime | None = None
    articles: int = 0            # articles read this run
    new_articles: int = 0        # never seen before
    stories: int = 0             # open stories in the window
    selected: int = 0            # stories in the digest
    updates: int = 0             # of which come back as updates
    drafts_written: int = 0
    drafts_kept: int = 0         # reviewed drafts left alone
    errors: tuple[SourceError, ...] = ()
    failing_feeds: tuple[str, ...] = ()   # feeds past the consecutive-failure warning
    digest: str | None = None    # the digest folder
    dry_run: bool = False
    actions: tuple[str, ...] = ()         # what a dry run would do
    left_out: tuple[tuple[str, int], ...] = ()   # (filter, stories) the selection left out

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["started"] = self.started.isoformat()
        d["finished"] = self.finished.isoformat() if self.finished else None
        d["errors"] = [{"origin": e.origin, "message": e.message, "warning": e.warning} for e in self.errors]
        d["why_empty"] = None if self.selected else self.why_empty()
        return d

    def why_empty(self) -> str:
        """Which filter left every story out, and the key that changes it."""
        if not self.stories and not self.articles:
            return "no digest: the sources gave no articles (check `newsdesk sources status`)"
        if not self.stories:
            return ("no digest: no article is recent enough for the story window "
                    "(`story_window_days`, default 7)")
        keys = {"age": "older than `max_age_hours` (or --max-age-hours)",
                "already sent": "went out already with nothing substantially new",
                "include/exclude": "left out by the `include` / `exclude` rules",
                "other language": "in another language than the digest's (`language`)"}
        parts = [f"{n} {keys.get(reason, reason)}" for reason, n in self.left_out]
        return "no digest: of the stories, " + ("; ".join(parts) if parts else "none could be selected")

    def summary(self) -> str:
        """A few lines for a person: what this run found and wrote."""
        hard = [e for e in self.errors if not e.warning]
        lines = [
            f"{self.articles} articles ({self.new_articles} new), {self.stories} open stories, "
            f"{self.selected} in the digest ({self.updates} updates)",
            f"drafts: {self.drafts_written} written, {self.drafts_kept} reviewed and kept"
            + (" (dry run: nothing written)" if self.dry_run else ""),
        ]
        if self.digest:
            lines.append(f"digest: {self.digest}")
        if not self.selected:
            lines.append(self.why_empty())
        if hard:
            lines.append(f"{len(hard)} sources failed: " + "; ".join(str(e) for e in hard[:5])
                         + (" ..." if len(hard) > 5 else ""))
        if self.failing_feeds:
            lines.append("failing repeatedly: " + ", ".join(self.failing_feeds))
        return "\n".join(lines)
