"""The outbox: one folder per digest, its drafts written atomically, and a manifest of their review.

Layout: ``outbox/<YYYY-MM-DD>-<slug>/`` with the drafts' files and ``manifest.json`` (stories,
settings, and per draft: id, path, channel, story, status, sha256, history).

Crash safety. Each file is written atomically (pipeline.lock.atomic_write). Before a run rewrites
any draft it records its plan in ``.pending.json``; the manifest is written last, then the plan is
removed. The next run or review command repairs a killed run's manifest from its plan: a file that
matches the plan was written by us, not edited by a reviewer.

Review. ``draft -> approved -> sent``, ``draft|approved -> rejected``. The sha256 in the manifest is
the content that was generated or reviewed; a file that no longer matches was edited: it is marked
``edited`` (never refreshed by a run again) and, if it was approved, goes back to ``draft``.
"""
from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import OutboxError
from pipeline.lock import TEMP_SUFFIX, atomic_write, file_lock, fsync_dir, temp_files
from pipeline.model import Draft, SourceRef, Story

log = logging.getLogger(__name__)

DRAFT, APPROVED, REJECTED, SENT = "draft", "approved", "rejected", "sent"
STATUSES = (DRAFT, APPROVED, REJECTED, SENT)
TRANSITIONS = frozenset({(DRAFT, APPROVED), (APPROVED, SENT), (DRAFT, REJECTED), (APPROVED, REJECTED)})
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


@dataclass(frozen=True)
class StoryEntry:
    id: str
    headline: str
    summary: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class DigestInfo:
    name: str                    # the folder name, <YYYY-MM-DD>-<slug>
    folder: Path
    created: str | None
    updated: str | None
    drafts: tuple[DraftEntry, ...]
    stories: tuple[StoryEntry, ...] = ()

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


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutboxError(f"{path}: cannot read the manifest: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("drafts", []), list):
        raise OutboxError(f"{path}: not an outbox manifest (no list of drafts)")
    return data


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _outbox_lock(outbox_dir: Path) -> contextlib.AbstractContextManager[int]:
    """Serialises manifest read-modify-writes between a run and review commands."""
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
        missing=not (folder / e["path"]).is_file())


def _digest_record(folder: Path, m: dict[str, Any]) -> DigestInfo:
    stories = tuple(
        StoryEntry(s.get("id", ""), s.get("headline", ""), s.get("summary", ""),
                   tuple(SourceRef(r.get("outlet"), r.get("url"), r.get("title", ""),
                                   datetime.fromisoformat(r["published"]) if r.get("published") else None,
                                   r.get("article_id", "")) for r in s.get("sources", [])))
        for s in m.get("stories", []))
    return DigestInfo(folder.name, folder, m.get("created"), m.get("updated"),
                      tuple(_record(folder, e) for e in m.get("drafts", [])), stories)


def _story_json(s: Story) -> dict[str, Any]:
    return {"id": s.id, "headline": s.headline, "summary": s.summary_text,
            "sources": [r.to_json() for r in s.sources]}


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
            entry = copy.deepcopy(p)
        elif o is not None:
            if p is None and disk is None and path in removes:
                continue             # retired by the run, and already deleted
            entry = copy.deepcopy(o)
        else:
            continue                 # a new draft whose file was never written
        ours = {(rel, sha) for src in (o, p) if src for rel, sha in _files(src)}
        for f in [entry] + entry.get("extra", []):
            sha = _file_sha(folder / f["path"])
            if (f["path"], sha) in ours:
                f["sha256"] = sha
        drafts.append(entry)
    repaired = copy.deepcopy(planned)
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
        e["edited"], approved = True, e["status"] == APPROVED
        e["status"] = DRAFT if approved else e["status"]
        why = "edited after approval" if approved else "file edited"
        e["history"].append(_event(e["status"], at, by, why))
        notes.append(Action("edited", e["path"], f"draft {e['id']} was edited; now {e['status']}"))


def _load(folder: Path, *, at: str, by: str) -> _State:
    raw = _read_json(folder / MANIFEST)
    try:
        journal = _read_json(folder / JOURNAL)
    except OutboxError as exc:       # cannot happen with atomic writes; never block on it
        log.warning("%s; ignoring it", exc)
        journal = {"planned": raw or {"drafts": []}}
    manifest = copy.deepcopy(raw)
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
    state.raw, state.journal, state.temps = copy.deepcopy(state.manifest), None, []


def _digest_folders(outbox_dir: Path) -> list[Path]:
    if not Path(outbox_dir).is_dir():
        return []
    return sorted(p for p in Path(outbox_dir).iterdir()
                  if p.is_dir() and not p.name.startswith(".")
                  and ((p / MANIFEST).is_file() or (p / JOURNAL).is_file()))


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


# ---------------------------------------------------------------- writing a digest

def _check_part(name: str, what: str) -> None:
    if not _SAFE_PART.fullmatch(name) or _NOT_PORTABLE.fullmatch(name):
        raise OutboxError(f"{what} {name!r} is not a safe file name (letters, digits, . _ -; "
                          "no device name such as CON or NUL, no trailing dot)")


def _wanted(drafts: Sequence[Draft]) -> list[tuple[Draft, list[tuple[str, bytes]]]]:
    """Each draft with its files (main first) as bytes; paths checked and unique."""
    seen: set[str] = set()
    out = []
    for d in drafts:
        files = [(d.path, d.content)] + list(d.extra)
        for rel, _ in files:
            parts = PurePosixPath(rel).parts
            if not parts or PurePosixPath(rel).is_absolute() or rel != str(PurePosixPath(*parts)):
                raise OutboxError(f"draft {d.id}: path {rel!r} must be relative and normalised")
            for part in parts:
                _check_part(part, f"draft {d.id}: path component")
            if rel in (MANIFEST, JOURNAL) or rel in seen:
                raise OutboxError(f"draft {d.id}: path {rel!r} is reserved or used twice")
            seen.add(rel)
        out.append((d, [(rel, text.encode("utf-8")) for rel, text in files]))
    return out


@dataclass
class _Plan:
    manifest: dict[str, Any]
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


def _plan(state: _State, wanted: list[tuple[Draft, list[tuple[str, bytes]]]], meta: dict[str, Any],
          taken: set[str], at: str, by: str) -> _Plan:
    old = state.manifest or {}
    olds = {e["path"]: e for e in old.get("drafts", [])}
    taken = taken | {e["id"] for e in olds.values()}
    plan = _Plan(manifest={})
    drafts = []
    for d, files in wanted:
        e = olds.pop(d.path, None)
        disk = {rel: _file_sha(state.folder / rel) for rel, _ in files}
        if e is not None and (e["status"] != DRAFT or e.get("edited")):
            why = "edited by hand" if e.get("edited") else e["status"]
            for rel, data in files:
                plan.actions.append(Action("unchanged" if disk[rel] == _sha(data) else "keep", rel, why))
            drafts.append(e)
            continue
        if e is None:
            i = draft_id(state.folder.name, d.path, taken)
            taken.add(i)
            e = {"id": i, "history": [_event(DRAFT, at, by, "written")]}
            reason = "new"
        else:
            e = copy.deepcopy(e)
            reason = "refreshed"
            old_extra = {x["path"] for x in e.get("extra", [])} - {rel for rel, _ in files[1:]}
            plan.removes += sorted(old_extra)
            plan.actions += [Action("remove", rel, "no longer produced") for rel in sorted(old_extra)]
        changed = False
        for rel, data in files:
            if disk[rel] == _sha(data):
                plan.actions.append(Action("unchanged", rel, reason))
            else:
                plan.writes.append((rel, data))
                plan.actions.append(Action("write", rel, reason if disk[rel] or e.get("sha256") is None
                                           else f"{reason} (file was missing)"))
                changed = True
        if reason == "refreshed" and changed:
            refreshed = dict(_files(e)) != {rel: _sha(data) for rel, data in files}
            e["history"].append(_event(DRAFT, at, by, "refreshed by a new run" if refreshed
                                       else "missing file written again"))
        e.update({"path": d.path, "channel": d.channel, "story": d.story_id, "status": DRAFT,
                  "sha256": _sha(files[0][1]), "edited": False,
                  "extra": [{"path": rel, "sha256": _sha(data)} for rel, data in files[1:]]})
        drafts.append({k: e[k] for k in ("id", "path", "channel", "story", "status", "sha256",
                                         "edited", "extra", "history")})
    for e in olds.values():          # no longer produced: drop unreviewed drafts, keep the rest
        if e["status"] == DRAFT and not e.get("edited"):
            for rel, _ in _files(e):
                plan.removes.append(rel)
                plan.actions.append(Action("remove", rel, "no longer produced"))
        else:
            drafts.append(e)
            plan.actions.append(Action("keep", e["path"], f"no longer produced, but {e['status']}"))
    stories = list(meta["stories"])
    have = {s["id"] for s in stories}
    for s in old.get("stories", []):  # kept drafts still need their story's sources
        if s.get("id") not in have and any(e.get("story") == s.get("id") for e in drafts):
            stories.append(s)
    plan.manifest = {"version": MANIFEST_VERSION, "created": old.get("created", at),
                     "updated": old.get("updated", at), "day": meta["day"], "slug": meta["slug"],
                     "settings": meta["settings"], "stories": stories, "drafts": drafts}
    if plan.manifest != state.raw:
        plan.manifest["updated"] = at
    return plan


def write_digest(outbox_dir: Path, day: date, slug: str, stories: Sequence[Story],
                 drafts: Sequence[Draft], settings: dict, *, dry_run: bool = False,
                 now: datetime | None = None, by: str = "newsdesk") -> WriteResult:
    """Write (or refresh) one digest's drafts and manifest; never touches reviewed or edited drafts.

    Draft ids and statuses are the outbox's own: `Draft.id` and `Draft.status` are not used.
    A second identical call writes nothing. With dry_run, returns the plan and changes nothing.
    """
    _check_part(slug, "slug")
    outbox_dir = Path(outbox_dir)
    folder = outbox_dir / f"{day.isoformat()}-{slug}"
    at = _stamp(now)
    wanted = _wanted(drafts)
    try:
        settings_json = json.loads(json.dumps(settings))
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"{folder}: settings are not JSON-able: {exc}") from exc
    meta = {"day": day.isoformat(), "slug": slug, "settings": settings_json,
            "stories": [_story_json(s) for s in stories]}
    with contextlib.nullcontext() if dry_run else _outbox_lock(outbox_dir):
        state = _load(folder, at=at, by=by)
        notes = list(state.notes) + [Action("clean", str(t.relative_to(folder)), "stray temp file")
                                     for t in state.temps]
        if state.dirty and not dry_run:
            _save(state)             # so that our plan below starts from a consistent manifest
        plan = _plan(state, wanted, meta, _all_ids(outbox_dir, skip=folder), at, by)
        changed = plan.manifest != state.raw
        actions = notes + plan.actions
        if changed:
            actions.append(Action("manifest", MANIFEST, "updated"))
        if not dry_run:
            _apply(folder, plan, changed)
    written = [folder / rel for rel, _ in plan.writes] + ([folder / MANIFEST] if changed else [])
    pick = lambda kind: tuple(folder / a.path for a in plan.actions if a.kind == kind)  # noqa: E731
    return WriteResult(folder=folder, written=tuple(written), kept=pick("keep"),
                       unchanged=pick("unchanged"), removed=tuple(folder / r for r in plan.removes),
                       actions=tuple(actions), manifest_changed=changed, dry_run=dry_run)


def _apply(folder: Path, plan: _Plan, changed: bool) -> None:
    if not (plan.writes or plan.removes or changed):
        return
    journal = plan.writes or plan.removes
    if journal:
        atomic_write(folder / JOURNAL, _dump({"planned": plan.manifest, "removes": plan.removes}))
    dirs = {folder}
    for rel, data in plan.writes:
        atomic_write(folder / rel, data)
        dirs.add((folder / rel).parent)
    for rel in plan.removes:
        with contextlib.suppress(FileNotFoundError):
            (folder / rel).unlink()
        parent = (folder / rel).parent
        while parent != folder:      # drop post folders left empty
            with contextlib.suppress(OSError):
                parent.rmdir()
            parent = parent.parent
    for d in sorted(dirs):
        if d.is_dir():
            fsync_dir(d)            # the renames are durable before the manifest names them
    if changed:
        atomic_write(folder / MANIFEST, _dump(plan.manifest))
    if journal:
        (folder / JOURNAL).unlink()
    fsync_dir(folder)
    log.info("%s: %d files written, %d removed", folder, len(plan.writes), len(plan.removes))


# ---------------------------------------------------------------- review

def list_digests(outbox_dir: Path, *, by: str | None = None, now: datetime | None = None) -> list[DigestInfo]:
    """Every digest, newest first; edits found on disk and interrupted runs are recorded first."""
    if not _digest_folders(outbox_dir):
        return []
    at, infos = _stamp(now), []
    with _outbox_lock(outbox_dir):
        for folder in _digest_folders(outbox_dir):
            state = _load(folder, at=at, by=by or UNKNOWN_REVIEWER)
            if state.dirty:
                _save(state)
            if state.manifest is not None:
                infos.append(_digest_record(folder, state.manifest))
    return sorted(infos, key=_NEWEST, reverse=True)


def load_digest(folder: Path) -> DigestInfo:
    """One digest as on disk, read only (repairs and edits applied in memory, not saved)."""
    state = _load(Path(folder), at=_stamp(None), by=UNKNOWN_REVIEWER)
    if state.manifest is None:
        raise OutboxError(f"{folder}: no {MANIFEST}: not a digest folder")
    return _digest_record(Path(folder), state.manifest)


def find_digest(outbox_dir: Path, name: str | None = None) -> DigestInfo:
    """The digest named `name` (a unique prefix of its folder name is enough), or the newest."""
    infos = sorted((load_digest(f) for f in _digest_folders(outbox_dir)), key=_NEWEST, reverse=True)
    if not infos:
        raise OutboxError(f"{outbox_dir}: the outbox holds no digest")
    if name is None:
        return infos[0]
    hits = [i for i in infos if i.name == name] or [i for i in infos if i.name.startswith(name)]
    if len(hits) != 1:
        some = ", ".join(i.name for i in (hits or infos)[:5])
        raise OutboxError(f"{'ambiguous' if hits else 'no'} digest {name!r} in {outbox_dir} ({some})")
    return hits[0]


def find_draft(outbox_dir: Path, draft_id: str) -> tuple[Path, DraftEntry]:
    """The digest folder and entry of a draft; a unique prefix of its id is enough."""
    want = draft_id.strip().lower()
    found = [(f, d) for f in _digest_folders(outbox_dir) for d in load_digest(f).drafts]
    hits = [x for x in found if x[1].id == want] or [x for x in found if want and x[1].id.startswith(want)]
    if not hits:
        raise OutboxError(f"no draft {draft_id!r} in {outbox_dir} (see `newsdesk outbox list`)")
    if len(hits) > 1:
        raise OutboxError(f"ambiguous draft id {draft_id!r}: {', '.join(sorted(d.id for _, d in hits))}")
    return hits[0]


def _transition(e: dict[str, Any], status: str, missing: bool) -> None:
    if (e["status"], status) not in TRANSITIONS:
        allowed = ", ".join(sorted(f for f, t in TRANSITIONS if t == status))
        raise OutboxError(f"draft {e['id']} ({e['path']}) is {e['status']}: cannot make it {status}"
                          f" (only from {allowed})")
    if missing and status in (APPROVED, SENT):
        raise OutboxError(f"draft {e['id']}: its file {e['path']} is missing")


def set_status(outbox_dir: Path, draft_ids: Sequence[str], status: str, *, by: str,
               reason: str | None = None, now: datetime | None = None) -> list[DraftEntry]:
    """Move drafts to `status` (all or none: every transition is checked before any is saved)."""
    if status not in STATUSES:
        raise OutboxError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    at = _stamp(now)
    with _outbox_lock(outbox_dir):
        targets = list(dict.fromkeys((f, d.id) for f, d in (find_draft(outbox_dir, i) for i in draft_ids)))
        states = {f: _load(f, at=at, by=by) for f, _ in targets}
        try:
            entries = []
            for folder, i in targets:
                e = next(e for e in states[folder].manifest["drafts"] if e["id"] == i)
                _transition(e, status, not (folder / e["path"]).is_file())
                entries.append((folder, e))
        finally:                     # repairs and detected edits are facts: keep them either way
            for state in states.values():
                if state.dirty:
                    _save(state)
        for folder, e in entries:
            e["status"] = status
            e["history"].append(_event(status, at, by, reason))
        for state in states.values():
            _save(state)
    return [_record(f, e) for f, e in entries]


def approve_all(outbox_dir: Path, digest: str | None = None, *, by: str,
                now: datetime | None = None) -> list[DraftEntry]:
    """Approve every draft still in `draft` in one digest (the newest when `digest` is None)."""
    info = find_digest(outbox_dir, digest)
    ids = [d.id for d in info.drafts if d.status == DRAFT and not d.missing]
    return set_status(outbox_dir, ids, APPROVED, by=by, now=now) if ids else []


def mark_sent(outbox_dir: Path, draft_ids: Sequence[str], *, by: str,
              now: datetime | None = None) -> list[DraftEntry]:
    return set_status(outbox_dir, draft_ids, SENT, by=by, now=now)


def check_edits(outbox_dir: Path, draft_id: str, *, by: str, now: datetime | None = None) -> DraftEntry:
    """Record a reviewer's edit of one draft now, under their name (used after `outbox edit`)."""
    folder, entry = find_draft(outbox_dir, draft_id)
    with _outbox_lock(outbox_dir):
        state = _load(folder, at=_stamp(now), by=by)
        _save(state)
    return next(d for d in _digest_record(folder, state.manifest).drafts if d.id == entry.id)
