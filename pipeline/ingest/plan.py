"""Which files and feeds a run reads: configured sources -> a SourcePlan (no reading yet).

A folder is listed here (its feed and article files, never the run's own output); a path that
is really a URL of another scheme, or that does not exist, becomes an error naming it. The plan's
keys are what the store remembers each source by (pipeline.ingest.memory).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline.config import SourceSpec
from pipeline.ingest.sources import is_url, local_files, shown
from pipeline.model import SourceError

# "ftp://...", "file:///...": a URL of a scheme we do not fetch, which must not become a path.
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")
# The store keeps a local file's validators under this prefix and the file's real path.
FILE_KEY = "file:"


@dataclass(frozen=True)
class LocalFile:
    path: Path
    origin: str          # the path as shown in articles and errors
    spec: SourceSpec
    single: bool         # named by the source itself (not found in a folder)

    @property
    def key(self) -> str:
        return file_key(self.path)


@dataclass(frozen=True)
class SourcePlan:
    specs: tuple[SourceSpec, ...]
    files: tuple[LocalFile, ...]
    feeds: tuple[SourceSpec, ...]
    errors: tuple[SourceError, ...]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.files] + [s.url for s in self.feeds if s.url]


def spec_for(location: str) -> SourceSpec:
    """A command-line SOURCE (file, folder or URL) as a source spec; a URL of any other scheme
    stays a URL, which the fetch refuses by name."""
    if is_url(location) or _URL_LIKE.match(location):
        return SourceSpec(name=location, url=location)
    return SourceSpec(name=location, path=Path(location))


def own_files(settings) -> tuple[Path, ...]:
    """What a run writes or is configured by, never read as a source: the outbox (digests and
    their reports), the state folder and the configuration file."""
    return tuple(p for p in (settings.outbox, settings.state_dir, settings.config_path) if p)


def file_key(path: Path) -> str:
    # realpath, not Path.resolve: a symlink loop must not raise here (it is reported when read).
    return FILE_KEY + shown(os.path.realpath(path))


def fingerprint(path: Path) -> str:
    """Size and modification time: a file whose fingerprint is unchanged is not read again."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def plan_sources(specs: Sequence[SourceSpec], exclude: Sequence[Path] = ()) -> SourcePlan:
    """The files and feeds of `specs`; files under `exclude` (see `own_files`) are left out."""
    files: list[LocalFile] = []
    feeds: list[SourceSpec] = []
    errors: list[SourceError] = []
    for spec in specs:
        if spec.url:
            feeds.append(spec)
            continue
        assert spec.path is not None
        p = spec.path
        if _URL_LIKE.match(str(spec.path)):     # path = "ftp://..." in a configuration
            errors.append(SourceError(spec.name, f"refused: {shown(p)!r} is a URL, and only "
                                                 "http and https URLs are fetched"))
        elif p.is_dir():
            found = [LocalFile(f, shown(f), spec, False) for f in local_files(p, exclude)]
            if not found:
                errors.append(SourceError(shown(p), "empty folder: no feeds or article files in it",
                                          warning=True))
            files += found
        elif os.path.lexists(p):
            files.append(LocalFile(p, shown(p), spec, True))
        else:
            errors.append(SourceError(shown(p), "no such file or folder"))
    return SourcePlan(tuple(specs), tuple(files), tuple(feeds), tuple(errors))
