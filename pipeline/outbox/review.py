"""Review actions over the outbox: list and find digests and drafts, approve, reject, mark sent,
and notice a reviewer's edits."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import OutboxError, ReadOnlyError
from pipeline.lock import shared_lock

from pipeline.outbox.manifest import (
    APPROVED, DRAFT, FAILED, DigestInfo, DraftEntry, MANIFEST, SENDING, SENT, STATUSES, TRANSITIONS,
    OUTBOX_LOCK, UNKNOWN_REVIEWER, _NEWEST, _digest_folders, _digest_record, _event, _load, _outbox_lock,
    _record, _save, _stamp,
)

log = logging.getLogger(__name__)


class DraftChanged(OutboxError):
    """A draft's file is no longer the text the reviewer saw: it changed on disk since."""


@contextlib.contextmanager
def _reading_lock(outbox_dir: Path) -> Iterator[bool]:
    """The lock of a command that reads the outbox and records what it finds on the way (an
    interrupted run repaired, a reviewer's edit): the outbox lock, yielding True. Where this user
    may not write the outbox, a shared lock instead, yielding False: nothing may be saved (what
    was found is shown from memory, and recorded by the next command that may write)."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_outbox_lock(outbox_dir))
            writable = True
        except ReadOnlyError as exc:
            log.debug("%s; reading it without saving", exc)
            stack.enter_context(shared_lock(Path(outbox_dir) / OUTBOX_LOCK))
            writable = False
        yield writable


def list_digests(outbox_dir: Path, *, by: str | None = None, now: datetime | None = None,
                 since: date | None = None) -> list[DigestInfo]:
    """Every digest (of `since` or later), newest first; edits found on disk and interrupted
    runs are recorded first."""
    if not _digest_folders(outbox_dir):
        return []
    at, infos = _stamp(now), []
    with _reading_lock(outbox_dir) as writable:     # a read-only outbox is listed, not changed
        for folder in _digest_folders(outbox_dir):
            if since is not None and folder.name[:10] < since.isoformat():
                continue
            state = _load(folder, at=at, by=by or UNKNOWN_REVIEWER)
            if state.dirty and writable:
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
               reason: str | None = None, now: datetime | None = None,
               expect: Mapping[str, str] | None = None, remote: dict[str, Any] | None = None,
               only_from: tuple[str, ...] = ()) -> list[DraftEntry]:
    """Move drafts to `status` (all or none: every transition is checked before any is saved).

    `expect` maps draft ids to the sha256 of the text the reviewer saw: DraftChanged when a
    draft's file no longer holds it (the review page never approves a text it did not show).
    `remote` (pipeline.deliver: the network's id and URL of what it took) is kept in the entry."""
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
                if only_from and e["status"] not in only_from:
                    raise OutboxError(f"draft {e['id']} ({e['path']}) is {e['status']}, not "
                                      f"{' or '.join(only_from)}")
                _transition(e, status, not (folder / e["path"]).is_file())
                if (expect or {}).get(e["id"], e["sha256"]) != e["sha256"]:
                    raise DraftChanged(f"draft {e['id']} ({e['path']}) changed on disk since it was"
                                       f" shown; not {status}")
                entries.append((folder, e))
        finally:                     # repairs and detected edits are facts: keep them either way
            for state in states.values():
                if state.dirty:
                    _save(state)
        for folder, e in entries:
            e["status"] = status
            e["history"].append(_event(status, at, by, reason))
            if remote:
                e["remote"] = {k: v for k, v in remote.items() if v is not None}
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


def retry(outbox_dir: Path, draft_ids: Sequence[str], *, by: str,
          now: datetime | None = None) -> list[DraftEntry]:
    """A person's decision that a draft left in `sending` did not go out, or that one the
    network refused (`failed`) should be tried again: approved again, so the next
    `newsdesk deliver` sends it."""
    return set_status(outbox_dir, draft_ids, APPROVED, by=by, now=now, only_from=(SENDING, FAILED),
                      reason="retry: did not go out (a person's decision)")


def check_edits(outbox_dir: Path, draft_id: str, *, by: str, now: datetime | None = None) -> DraftEntry:
    """Record a reviewer's edit of one draft now, under their name (used after `outbox edit`)."""
    folder, entry = find_draft(outbox_dir, draft_id)
    with _outbox_lock(outbox_dir):
        state = _load(folder, at=_stamp(now), by=by)
        _save(state)
    return next(d for d in _digest_record(folder, state.manifest).drafts if d.id == entry.id)
