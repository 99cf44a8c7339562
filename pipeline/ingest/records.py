"""The records one ingest passes between its steps: what the store remembered of the sources
(SourceMemory, from pipeline.ingest.memory's `recall`), what reading them has found so far
(Gathered, filled by pipeline.ingest.collect and pipeline.ingest.feeds) and what comes out
(IngestResult, which `remember` writes). They live below all three, so that none of those
modules imports another for its records."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Mapping

from pipeline.config import SourceSpec
from pipeline.model import Article, SourceError
from pipeline.store import FeedUpdate

if TYPE_CHECKING:
    from pipeline.store import FeedState


@dataclass(frozen=True)
class SourceMemory:
    """The stored state of each source of a plan, by feed URL or file key; with `loaded`, also
    the articles of each source's last good read that the store still has."""

    states: Mapping[str, "FeedState"] = field(default_factory=dict)
    stored: Mapping[str, tuple[Article, ...]] = field(default_factory=dict)
    loaded: bool = False

    def state(self, key: str) -> "FeedState | None":
        return self.states.get(key)

    def ids(self, key: str) -> list[str]:
        state = self.states.get(key)
        return state.article_ids if state is not None else []


@dataclass(frozen=True)
class IngestResult:
    articles: tuple[Article, ...]
    errors: tuple[SourceError, ...]
    fetched: int = 0
    not_modified: int = 0
    skipped_unchanged: int = 0
    unchanged_ids: tuple[str, ...] = ()   # ids of unchanged sources' articles, when not loaded
    updates: tuple[FeedUpdate, ...] = ()  # what `remember` writes: each source's health


@dataclass
class Gathered:
    """What reading the sources has found so far (the working state of one `read_sources`)."""

    memory: SourceMemory
    per_spec: dict[SourceSpec, list[Article]] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)
    updates: list[FeedUpdate] = field(default_factory=list)
    unchanged_ids: list[str] = field(default_factory=list)
    fetched: int = 0
    not_modified: int = 0
    skipped: int = 0

    def add(self, spec: SourceSpec, articles: Iterable[Article]) -> None:
        self.per_spec.setdefault(spec, []).extend(articles)

    def reuse(self, spec: SourceSpec, key: str, origin: str | None = None) -> None:
        """A source not read this time: its stored articles (loaded) or just their ids."""
        if not self.memory.loaded:
            self.unchanged_ids.extend(self.memory.ids(key))
            return
        arts = self.memory.stored.get(key, ())
        # The same item may be stored from another file: this file's origin is what we report.
        self.add(spec, (a if origin is None or a.origin == origin else replace(a, origin=origin)
                        for a in arts))
