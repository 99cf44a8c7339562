"""The records that flow through the pipeline: one frozen dataclass per stage.

Change a record with ``dataclasses.replace``; collections inside records are tuples, and every
datetime is timezone-aware UTC.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Image:
    """A story's lead image as a feed or page gave it: an https URL only (a reader's mail client
    fetches it from its own host), with what the source said of it."""

    url: str
    alt: str | None = None       # the source's own text for it; the headline stands in when None
    credit: str | None = None    # media:credit, when the feed gives one
    width: int | None = None     # pixels, when the source states them
    height: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "alt": self.alt, "credit": self.credit, "width": self.width,
                "height": self.height}

    @classmethod
    def from_json(cls, d: Any) -> Image | None:
        """The record as to_json wrote it; None for anything else (an older record has none)."""
        if not isinstance(d, dict) or not isinstance(d.get("url"), str):
            return None
        def text(k: str) -> str | None:
            return d[k] if isinstance(d.get(k), str) else None
        def size(k: str) -> int | None:
            v = d.get(k)
            return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None
        return cls(d["url"], text("alt"), text("credit"), size("width"), size("height"))


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
    image: str | None = None     # the lead image's https URL (pipeline.ingest.images)
    summary: str | None = None   # the feed's own summary, cleaned, when it has one
    tags: tuple[str, ...] = ()
    weight: float = 1.0          # the configured weight of its source
    image_alt: str | None = None     # what the source says of the image (its alt text)
    image_credit: str | None = None
    image_width: int | None = None
    image_height: int | None = None

    @property
    def lead_image(self) -> Image | None:
        if not self.image:
            return None
        return Image(self.image, self.image_alt, self.image_credit, self.image_width, self.image_height)

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
    image: Image | None = None              # the lead image (pipeline.stories.image)

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
class Edition:
    """One digest on the web (pipeline.archive): its folder in the archive, and what the archive's
    index and feed say of it. Kept as <archive>/<name>/edition.json beside its page."""

    name: str                    # <YYYY-MM-DD>-<slug>: the digest's folder, in the outbox and here
    title: str
    day: date
    published: datetime          # when it was first put on the web: the e-mail's sending (UTC)
    updated: datetime            # when its page last changed
    stories: tuple[tuple[str, str, str], ...]   # (anchor in the page, headline, summary)
    sha256: str                  # of the page, so that publishing it again can tell it is the same

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "day": self.day.isoformat(),
                "published": self.published.isoformat(), "updated": self.updated.isoformat(),
                "stories": [list(s) for s in self.stories], "sha256": self.sha256}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Edition:
        """Raises KeyError, TypeError or ValueError on a record that is not one."""
        return cls(str(d["name"]), str(d["title"]), date.fromisoformat(d["day"]),
                   datetime.fromisoformat(d["published"]), datetime.fromisoformat(d["updated"]),
                   tuple((str(a), str(h), str(s)) for a, h, s in d["stories"]), str(d["sha256"]))


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
        parts = self._left_out()
        return "no digest: of the stories, " + ("; ".join(parts) if parts else "none could be selected")

    def _left_out(self) -> list[str]:
        keys = {"age": "older than `max_age_hours` (or --max-age-hours)",
                "already sent": "went out already with nothing substantially new",
                "include/exclude": "left out by the `include` / `exclude` rules",
                "other language": "in another language than the digest's (`language`)"}
        return [f"{n} {keys.get(reason, reason)}" for reason, n in self.left_out]

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
        elif self.left_out:
            lines.append("left out: " + "; ".join(self._left_out()))
        if hard:
            lines.append(f"{len(hard)} sources failed: " + "; ".join(str(e) for e in hard[:5])
                         + (" ..." if len(hard) > 5 else ""))
        if self.failing_feeds:
            lines.append("failing repeatedly: " + ", ".join(self.failing_feeds))
        return "\n".join(lines)
