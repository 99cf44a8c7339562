"""Writing one digest's drafts into the outbox: plan, journal, atomic files, manifest last.

See pipeline.outbox.manifest for the layout and the crash-safety rule."""
from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import OutboxError
from pipeline.lock import atomic_write, fsync_dir
from pipeline.model import Draft, Story

from pipeline.outbox.manifest import (
    Action, DRAFT, JOURNAL, MANIFEST, MANIFEST_VERSION, WriteResult, _NOT_PORTABLE, _SAFE_PART,
    _State, _all_ids, _dump, _event, _file_sha, _files, _is_relative, _load, _outbox_lock, _save, _sha,
    _stamp, _story_json, draft_id,
)

log = logging.getLogger(__name__)


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


def digest_folder(outbox_dir: Path, day: date, slug: str) -> Path:
    """outbox/<day>-<slug>/: one digest's folder (the slug must be a safe file name)."""
    _check_part(slug, "slug")
    return Path(outbox_dir) / f"{day.isoformat()}-{slug}"


def write_digest(outbox_dir: Path, day: date, slug: str, stories: Sequence[Story],
                 drafts: Sequence[Draft], settings: dict, *, dry_run: bool = False,
                 now: datetime | None = None, by: str = "newsdesk") -> WriteResult:
    """Write (or refresh) one digest's drafts and manifest; never touches reviewed or edited drafts.

    Draft ids and statuses are the outbox's own: `Draft.id` and `Draft.status` are not used.
    A second identical call writes nothing. With dry_run, returns the plan and changes nothing.
    """
    outbox_dir = Path(outbox_dir)
    folder = digest_folder(outbox_dir, day, slug)
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


def settled(folder: Path) -> str | None:
    """The sha256 of a digest's manifest when the folder is exactly as that manifest records it
    (no pending journal, every draft file there with its recorded sha256); else None. A run
    whose drafts would come out the same as last time writes nothing when this is unchanged."""
    if (folder / JOURNAL).exists():
        return None
    try:
        raw = (folder / MANIFEST).read_bytes()
        entries = json.loads(raw).get("drafts", [])
        for e in entries:
            for rel, sha in _files(e):
                if not _is_relative(rel) or _file_sha(folder / rel) != sha:
                    return None
    except (OSError, ValueError, AttributeError, KeyError, TypeError, OutboxError):
        return None
    return _sha(raw)
