"""The outbox's records: a draft as the manifest records it, its history, a digest, and what a
write did (pipeline.outbox.manifest reads and writes them)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import Image, SourceRef


@dataclass(frozen=True)
class Event:
    status: str
    at: str                      # UTC ISO 8601
    by: str
    reason: str | None = None


@dataclass(frozen=True)
class DraftEntry:
    """One draft as the manifest records it (and whether its file is still there)."""

    id: str
    path: str                    # relative to the digest folder
    channel: str                 # "email" or a network
    story: str | None
    status: str
    sha256: str
    history: tuple[Event, ...]
    edited: bool = False         # changed by hand since it was generated: runs never rewrite it
    extra: tuple[tuple[str, str], ...] = ()   # (relative path, sha256) of companion files
    missing: bool = False
    remote_id: str | None = None  # what the network said when it took the draft (pipeline.deliver)
    remote_url: str | None = None


@dataclass(frozen=True)
class StoryEntry:
    id: str
    headline: str
    summary: str
    sources: tuple[SourceRef, ...]
    # Why each article joined: (article id, reason, score, shared terms); empty in older manifests.
    members: tuple[tuple[str, str, float, tuple[str, ...]], ...] = ()
    image: Image | None = None   # the story's lead image (none in older manifests)


@dataclass(frozen=True)
class DigestInfo:
    name: str                    # the folder name, <YYYY-MM-DD>-<slug>
    folder: Path
    created: str | None
    updated: str | None
    drafts: tuple[DraftEntry, ...]
    stories: tuple[StoryEntry, ...] = ()
    # The settings the digest was rendered with (the manifest's copy; no secrets): its title.
    settings: dict = field(default_factory=dict, compare=False, hash=False)

    def story(self, story_id: str | None) -> StoryEntry | None:
        return next((s for s in self.stories if s.id == story_id), None)


@dataclass(frozen=True)
class Action:
    kind: str                    # write, keep, unchanged, remove, clean, repair, manifest
    path: str                    # relative to the digest folder
    reason: str


@dataclass(frozen=True)
class WriteResult:
    folder: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]       # left alone because approved, rejected, sent or edited
    unchanged: tuple[Path, ...]
    removed: tuple[Path, ...] = ()
    actions: tuple[Action, ...] = ()
    manifest_changed: bool = False
    dry_run: bool = False
