"""The outbox manifest: draft records, their history, loading with repair of a killed run, and
saving.

Layout: ``outbox/<YYYY-MM-DD>-<slug>/`` with the drafts' files and ``manifest.json`` (stories,
settings, and per draft: id, path, channel, story, status, sha256, history).

Crash safety. Each file is written atomically (pipeline.lock.atomic_write). Before a run rewrites
any draft it records its plan in ``.pending.json``; the manifest is written last, then the plan is
removed. The next run or review command repairs a killed run's manifest from its plan: a file that
matches the plan was written by us, not edited by a reviewer.

Review. ``draft -> approved -> sent``, ``draft|approved -> rejected``; delivery adds
``approved -> sending -> sent``, ``sending -> failed`` (refused) and ``sending|failed -> approved``
(`outbox retry`). The sha256 in the manifest is
the content that was generated or reviewed; a file that no longer matches was edited: it is marked
``edited`` (never refreshed by a run again) and, if it was approved, goes back to ``draft``.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import OutboxError
from pipeline.lock import atomic_write, file_lock, fsync_dir, temp_files
from pipeline.model import Image, SourceRef, Story
from pipeline.outbox.records import (  # noqa: F401  (the records, importable from here as before)
    Action, DigestInfo, DraftEntry, Event, StoryEntry, WriteResult,
)

log = logging.getLogger(__name__)

DRAFT, APPROVED, REJECTED, SENT = "draft", "approved", "rejected", "sent"
# `sending`: pipeline.deliver is handing the draft to its network and cannot yet say whether it
# went out. A draft left in `sending` (a crash, an unclear reply) is never sent again by itself
# where the channel cannot check (SMTP): a person decides with `outbox sent` or `outbox retry`.
SENDING = "sending"
FAILED = "failed"   # the network refused the draft itself; `outbox retry` approves it again
STATUSES = (DRAFT, APPROVED, SENDING, FAILED, REJECTED, SENT)
TRANSITIONS = frozenset({(DRAFT, APPROVED), (APPROVED, SENT), (DRAFT, REJECTED), (APPROVED, REJECTED),
                         (APPROVED, SENDING), (SENDING, SENT), (SENDING, APPROVED), (SENDING, FAILED),
                         (FAILED, APPROVED), (FAILED, REJECTED)})
MANIFEST = "manifest.json"
JOURNAL = ".pending.json"
OUTBOX_LOCK = ".outbox.lock"
MANIFEST_VERSION = 1
# 6 base32 characters = 30 bits: short enough to type, and a collision among the few thousand
# drafts an outbox holds is rare (and lengthened away when it happens).
ID_LENGTH = 6
UNKNOWN_REVIEWER = "unknown"
_NEWEST = lambda info: (info.name[:10], info.created or "")  # noqa: E731  (sort key, reversed)
_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
# Names Windows reserves for devices, with any extension ("nul.txt" opens the null device), and
# names ending in a dot (Windows drops it): an outbox is often synced to a reviewer's machine.
_NOT_PORTABLE = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?|.*\.", re.IGNORECASE)


# ---------------------------------------------------------------- files

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return _sha(path.read_bytes())
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutboxError(f"{path}: cannot read: {exc.strerror}") from exc


def _json_copy(value: Any) -> Any:
    """A deep copy of what json.loads gives (dicts, lists and immutable scalars): a fifth of
    the time copy.deepcopy takes, which keeps a memo for cycles JSON cannot have."""
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    return value


def _read_text(path: Path) -> str | None:
    """The manifest (or journal) file's text; None when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutboxError(f"{path}: cannot read the manifest: {exc}") from exc


def _read_json(path: Path, text: str | None = None, *, quiet: bool = False
               ) -> dict[str, Any] | None:
    """The manifest (or journal) at `path`; `text`: its content, already read (`quiet`: and
    its faults already told)."""
    text = _read_text(path) if text is None else text
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise OutboxError(f"{path}: cannot read the manifest: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("drafts", []), list):
        raise OutboxError(f"{path}: not an outbox manifest (no list of drafts)")
    drafts = [e for e in data.get("drafts", []) if isinstance(e, dict) and isinstance(e.get("id"), str)
              and isinstance(e.get("path"), str) and _is_relative(e["path"])]
    if len(drafts) != len(data.get("drafts", [])):
        if not quiet:
            log.warning("%s: %d draft entries without an id or a path inside the folder are "
                        "ignored", path, len(data["drafts"]) - len(drafts))
        data["drafts"] = drafts
    return data


def _is_relative(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


DAMAGED = ".damaged"   # outbox/.damaged/<digest>-<time>/: digests whose manifest cannot be read


def _set_aside(folder: Path, why: OutboxError) -> Path:
    """Move a digest whose manifest cannot be read out of the way, whole (its drafts included,
    so nothing a reviewer did is lost or overwritten), and say where it went."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = folder.parent / DAMAGED / f"{folder.name}-{stamp}"
    target.parent.mkdir(exist_ok=True)
    os.replace(folder, target)
    log.warning("%s; moved the digest aside to %s (its files are kept there; what went out is "
                "in the state store: not drafted or sent again)", why, target)
    return target


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _outbox_lock(outbox_dir: Path) -> contextlib.AbstractContextManager[int]:
    """Serialises manifest read-modify-writes between a run and review commands. ReadOnlyError,
    naming the outbox, where this user may not write it."""
    return file_lock(Path(outbox_dir) / OUTBOX_LOCK, wait=True)


def _stamp(now: datetime | None) -> str:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise OutboxError("timestamps must be timezone-aware")
    return now.astimezone(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- manifest entries

def _files(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(relative path, recorded sha256) of every file of a draft, the main file first."""
    return [(entry["path"], entry["sha256"])] + [(x["path"], x["sha256"]) for x in entry.get("extra", [])]


def _event(status: str, at: str, by: str, reason: str | None = None) -> dict[str, Any]:
    return {"status": status, "at": at, "by": by, **({"reason": reason} if reason else {})}


def _record(folder: Path, e: dict[str, Any]) -> DraftEntry:
    return DraftEntry(
        id=e["id"], path=e["path"], channel=e.get("channel", ""), story=e.get("story"),
        status=e.get("status", DRAFT), sha256=e.get("sha256", ""),
        history=tuple(Event(h.get("status", ""), h.get("at", ""), h.get("by", ""), h.get("reason"))
                      for h in e.get("history", [])),
        edited=bool(e.get("edited")), extra=tuple((x["path"], x["sha256"]) for x in e.get("extra", [])),
        missing=not (folder / e["path"]).is_file(),
        remote_id=(e.get("remote") or {}).get("id"), remote_url=(e.get("remote") or {}).get("url"))


def _digest_record(folder: Path, m: dict[str, Any]) -> DigestInfo:
    stories = tuple(
        StoryEntry(s.get("id", ""), s.get("headline", ""), s.get("summary", ""),
                   tuple(SourceRef(r.get("outlet"), r.get("url"), r.get("title", ""),
                                   datetime.fromisoformat(r["published"]) if r.get("published") else None,
                                   r.get("article_id", "")) for r in s.get("sources", [])),
                   tuple((w.get("article_id", ""), w.get("reason", ""), float(w.get("score", 1.0)),
                          tuple(w.get("shared", ()))) for w in s.get("members", [])),
                   Image.from_json(s.get("image")))
        for s in m.get("stories", []))
    return DigestInfo(folder.name, folder, m.get("created"), m.get("updated"),
                      tuple(_record(folder, e) for e in m.get("drafts", [])), stories,
                      m.get("settings") if isinstance(m.get("settings"), dict) else {})


def _story_json(s: Story) -> dict[str, Any]:
    out = {"id": s.id, "headline": s.headline, "summary": s.summary_text,
           "sources": [r.to_json() for r in s.sources]}
    if s.members:                # why each article joined, for the review page
        out["members"] = [{"article_id": m.article_id, "reason": m.reason, "score": round(m.score, 3),
                           "shared": list(m.shared), "evidence": list(m.evidence)}
                          for m in s.members]
    if s.image is not None:      # the card's picture on the review page, Bluesky's thumbnail
        out["image"] = s.image.to_json()
    return out


# ---------------------------------------------------------------- loading, repair, edit detection

@dataclass
class _State:
    """A digest folder as loaded: the manifest on disk and the repaired, edit-checked working copy."""

    folder: Path
    raw: dict[str, Any] | None
    manifest: dict[str, Any] | None
    journal: dict[str, Any] | None
    temps: list[Path]
    notes: list[Action] = field(default_factory=list)

    @property
    def dirty(self) -> bool:
        return bool(self.journal or self.temps) or self.manifest != self.raw


def _repair(folder: Path, old: dict[str, Any] | None, journal: dict[str, Any]) -> dict[str, Any]:
    """The manifest that matches the files an interrupted run left behind.

    Per draft: the planned entry if its main file holds the planned content, else the old entry;
    each file's recorded sha256 becomes what is on disk when that is either the old or the planned
    content (both were written by us). Anything else on disk is a reviewer's edit, detected later.
    """
    planned = journal["planned"]
    removes = set(journal.get("removes", []))
    olds = {e["path"]: e for e in (old or {}).get("drafts", [])}
    news = {e["path"]: e for e in planned.get("drafts", [])}
    drafts = []
    for path in list(news) + [p for p in olds if p not in news]:
        p, o = news.get(path), olds.get(path)
        disk = _file_sha(folder / path)
        if p is not None and disk == p["sha256"]:
            entry = _json_copy(p)
        elif o is not None:
            if p is None and disk is None and path in removes:
                continue             # retired by the run, and already deleted
            entry = _json_copy(o)
        else:
            continue                 # a new draft whose file was never written
        ours = {(rel, sha) for src in (o, p) if src for rel, sha in _files(src)}
        for f in [entry] + entry.get("extra", []):
            sha = _file_sha(folder / f["path"])
            if (f["path"], sha) in ours:
                f["sha256"] = sha
        drafts.append(entry)
    repaired = _json_copy(planned)
    repaired["drafts"] = drafts
    return repaired


def _detect_edits(folder: Path, m: dict[str, Any], at: str, by: str, notes: list[Action]) -> None:
    for e in m.get("drafts", []):
        changed = False
        for f in [e] + e.get("extra", []):
            sha = _file_sha(folder / f["path"])
            if sha is not None and sha != f["sha256"]:
                f["sha256"], changed = sha, True
        if not changed:
            continue
        e["edited"], approved = True, e["status"] in (APPROVED, FAILED)
        e["status"] = DRAFT if approved else e["status"]
        why = "edited after approval" if approved else "file edited"
        e["history"].append(_event(e["status"], at, by, why))
        notes.append(Action("edited", e["path"], f"draft {e['id']} was edited; now {e['status']}"))


def _load(folder: Path, *, at: str, by: str) -> _State:
    text = _read_text(folder / MANIFEST)
    raw = None if text is None else _read_json(folder / MANIFEST, text)
    try:
        journal = _read_json(folder / JOURNAL)
    except OutboxError as exc:       # cannot happen with atomic writes; never block on it
        log.warning("%s; ignoring it", exc)
        journal = {"planned": raw or {"drafts": []}}
    # The copy to change is parsed again (in C) rather than copied (in Python): 5x faster.
    manifest = None if text is None else _read_json(folder / MANIFEST, text, quiet=True)
    notes: list[Action] = []
    if journal is not None:
        manifest = _repair(folder, manifest, journal)
        notes.append(Action("repair", MANIFEST, "completing an interrupted run"))
    if manifest is not None:
        _detect_edits(folder, manifest, at, by, notes)
    return _State(folder, raw, manifest, journal, temp_files(folder), notes)


def _save(state: _State) -> None:
    """Persist a loaded state: temp files gone, manifest written (if changed), plan removed."""
    for tmp in state.temps:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if state.manifest is not None and state.manifest != state.raw:
        atomic_write(state.folder / MANIFEST, _dump(state.manifest))
    if state.journal is not None:
        with contextlib.suppress(FileNotFoundError):
            (state.folder / JOURNAL).unlink()
    if state.dirty:
        fsync_dir(state.folder)
    state.raw, state.journal, state.temps = _json_copy(state.manifest), None, []


def _digest_folders(outbox_dir: Path) -> list[Path]:
    """The digest folders, oldest name first; one whose manifest cannot be read is set aside."""
    if not Path(outbox_dir).is_dir():
        return []
    found = []
    for p in sorted(Path(outbox_dir).iterdir()):
        if not p.is_dir() or p.name.startswith(".") or not (
                (p / MANIFEST).is_file() or (p / JOURNAL).is_file()):
            continue
        try:
            _read_json(p / MANIFEST)
        except OutboxError as exc:
            try:
                _set_aside(p, exc)
            except OSError as move:      # a read-only outbox: leave it where it is, and say so
                log.warning("%s; left where it is (cannot move it aside: %s)", exc, move.strerror)
            continue
        found.append(p)
    return found


def _all_ids(outbox_dir: Path, skip: Path | None = None) -> set[str]:
    return {e["id"] for f in _digest_folders(outbox_dir) if f != skip
            for e in (_read_json(f / MANIFEST) or {}).get("drafts", [])}


def draft_id(folder_name: str, path: str, taken: set[str]) -> str:
    """A short id, stable for the same (digest folder, path); lengthened until unique in `taken`."""
    digest = hashlib.sha256(f"{folder_name}/{path}".encode()).digest()
    key = base64.b32encode(digest).decode().rstrip("=").lower()
    for n in range(ID_LENGTH, len(key) + 1):
        if key[:n] not in taken:
            return key[:n]
    raise OutboxError(f"{folder_name}/{path}: no free draft id")  # 256 bits all taken: impossible
