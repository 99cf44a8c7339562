"""Saving a reviewer's edit of a draft: the one function behind `outbox edit` and the review page.

An edit is measured by the network's own rules (pipeline.render.rules, the code that validates
generated posts), refused when the draft's file changed since the reviewer started from it (a run
may refresh a draft while an editor or the page is open), written atomically together with its
payload (bluesky.json, linkedin.json) regenerated from the new text, and recorded in the manifest's
history. A refused edit changes nothing on disk; keeping the typed text is the caller's job (the
CLI keeps it beside the draft, the page keeps it in the text box).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import OutboxError
from pipeline.lock import atomic_write, fsync_dir
from pipeline.render import posts, rules

from pipeline.outbox.manifest import (
    APPROVED, DRAFT, SENDING, SENT, DraftEntry, _event, _file_sha, _load, _outbox_lock, _record, _save,
    _sha, _stamp,
)
from pipeline.outbox.review import DraftChanged, find_draft

log = logging.getLogger(__name__)

NEAR_LIMIT = 0.8        # the counter warns with less than 20% left (as Mixpost's does)
UNSAVED_SUFFIX = ".unsaved"   # the CLI's copy of a refused edit, beside the draft


class EditRefused(OutboxError):
    """The edited text breaks the network's rules (or is empty); nothing was written."""

    def __init__(self, draft_id: str, channel: str, why: str):
        super().__init__(f"draft {draft_id}: the edited {channel} post {why}")
        self.why = why


class EditConflict(DraftChanged):
    """The draft's file changed since the reviewer's copy was read; nothing was written."""

    def __init__(self, draft_id: str, path: str, current: str, sha256: str):
        super().__init__(f"draft {draft_id}: {path} changed on disk since it was opened for editing"
                         " (a run may have refreshed it); not overwritten")
        self.current, self.sha256 = current, sha256


@dataclass(frozen=True)
class Measure:
    """A text measured by its network's rules; `limit` is None for a channel without one (email)."""

    length: int                  # the longest part for a thread
    limit: int | None
    valid: bool
    why: str | None = None       # what is wrong, when not valid
    parts: tuple[int, ...] = ()  # each thread part's length

    @property
    def state(self) -> str:
        """"over" (refused), "near" (under 20% left) or "ok"."""
        if not self.valid:
            return "over"
        if self.limit and self.length > NEAR_LIMIT * self.limit:
            return "near"
        return "ok"


def normalize(text: str) -> str:
    """The text as saved: LF line ends (a browser's text box sends CRLF), one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return text + "\n" if text else ""


def measure(channel: str, text: str) -> Measure:
    """`text` (a thread's parts joined by rules.THREAD_SEPARATOR) by the rules of `channel`."""
    body = normalize(text).rstrip("\n")
    limit = rules.LIMITS.get(channel)
    if limit is None:
        return Measure(len(body), None, bool(body), None if body else "is empty", (len(body),))
    pieces = body.split(rules.THREAD_SEPARATOR)
    lengths = tuple(rules.post_length(p, channel) for p in pieces)
    bad = [n for n, p in enumerate(pieces) if not rules.is_valid(p, channel)]
    why = None
    if not body:
        why = "is empty"
    elif bad:
        n = bad[0]
        part = f"part {n + 1} " if len(pieces) > 1 else ""
        why = (f"{part}is {lengths[n]} long, over the limit of {limit}" if lengths[n] > limit
               else f"{part}breaks {channel}'s rules (too many links or bytes, or a character it rejects)")
    return Measure(max(lengths), limit, why is None, why, lengths)


@dataclass(frozen=True)
class SavedEdit:
    entry: DraftEntry
    changed: bool                # False when the text was the same as on disk
    written: tuple[Path, ...] = ()
    was_approved: bool = False


def save_edit(outbox_dir: Path, draft_id: str, text: str, *, base_sha: str, by: str,
              reason: str = "edited", now: datetime | None = None,
              part: str | None = None) -> SavedEdit:
    """Save `text` as the draft's new content, if it is valid and the file is still `base_sha`.
    `part`: another of the draft's files to edit instead of its main one (the e-mail's
    digest.txt).

    Raises EditRefused (the network's rules), EditConflict (the file changed since `base_sha` was
    read) or OutboxError (sent or being sent, missing); in each case nothing is written.
    """
    outbox_dir = Path(outbox_dir)
    at = _stamp(now)
    with _outbox_lock(outbox_dir):
        folder, found = find_draft(outbox_dir, draft_id)
        state = _load(folder, at=at, by=by)
        try:
            e = next(e for e in state.manifest["drafts"] if e["id"] == found.id)
            rel = part or e["path"]
            if rel != e["path"] and rel not in {x["path"] for x in e.get("extra", [])}:
                raise OutboxError(f"draft {e['id']} has no part {rel!r}")
            path = folder / rel
            if e["status"] == SENT:
                raise OutboxError(f"draft {e['id']} was sent already; editing it would change nothing")
            if e["status"] == SENDING:
                raise OutboxError(f"draft {e['id']} is being sent; an edit now might or might not go out"
                                  " (see `newsdesk outbox retry`)")
            current = _file_sha(path)
            if current is None:
                raise OutboxError(f"draft {e['id']}: its file {rel} is missing")
            if current != base_sha:
                raise EditConflict(e["id"], rel, path.read_text("utf-8", errors="replace"), current)
            new = normalize(text)
            checked = measure(e["channel"], new)
            if not checked.valid:
                raise EditRefused(e["id"], e["channel"], checked.why or "is not valid")
        finally:                     # repairs and edits found by _load are facts: keep them
            if state.dirty:
                _save(state)
        data = new.encode("utf-8")
        if _sha(data) == current:
            return SavedEdit(_record(folder, e), changed=False)
        writes = [(x["path"], _payload_bytes(folder / x["path"], e["channel"], new, now))
                  for x in e.get("extra", []) if x["path"].endswith(".json") and rel == e["path"]]
        writes = [(r, b) for r, b in writes if b is not None] + [(rel, data)]
        for r, b in writes:          # the payload first: a crash leaves an edit that _load detects
            atomic_write(folder / r, b)
        for d in {(folder / r).parent for r, _ in writes}:
            fsync_dir(d)
        shas = {r: _sha(b) for r, b in writes}
        e["sha256"] = shas.get(e["path"], e["sha256"])
        for x in e.get("extra", []):
            x["sha256"] = shas.get(x["path"], x["sha256"])
        was_approved = e["status"] == APPROVED
        e["status"], e["edited"] = DRAFT if was_approved else e["status"], True
        e["history"].append(_event(e["status"], at, by, reason + (" after approval" if was_approved else "")))
        _save(state)
        log.info("%s: draft %s saved by %s", folder, e["id"], by)
    return SavedEdit(_record(folder, e), True, tuple(folder / r for r, _ in writes), was_approved)


def _payload_bytes(path: Path, channel: str, text: str, now: datetime | None) -> bytes | None:
    """The companion JSON regenerated for the new text; its createdAt and language are kept."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    first = (old.get("thread") or [old])[0] if isinstance(old, dict) else {}
    created = _parse_created(first.get("createdAt")) or (now or datetime.now(UTC))
    langs = first.get("langs") or [None]
    payload = posts.payload_for_text(channel, text.rstrip("\n"), created_at=created,
                                     language=langs[0], links=_old_links(old))
    if payload is None:
        return None
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _parse_created(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _old_links(old: Any) -> Sequence[tuple[str, str]]:
    """(shown text, URL) of each link facet of an old Bluesky record or thread."""
    records = (old.get("thread") or [old]) if isinstance(old, dict) else []
    links = []
    for r in records:
        raw = str(r.get("text", "")).encode("utf-8")
        for f in r.get("facets") or []:
            i, uri = f.get("index", {}), next((x.get("uri") for x in f.get("features", []) if x.get("uri")), None)
            if uri and isinstance(i.get("byteStart"), int) and isinstance(i.get("byteEnd"), int):
                shown = raw[i["byteStart"]:i["byteEnd"]].decode("utf-8", errors="ignore")
                if shown and rules.safe_url(uri):
                    links.append((shown, uri))
    return links


def check_writable(outbox_dir: Path) -> None:
    """ReadOnlyError, naming the outbox, when this user may not write it: said before a person
    types an edit that could not be saved."""
    with _outbox_lock(outbox_dir):
        pass


def unsaved_copy(draft: Path) -> Path:
    """Where `outbox edit` keeps a reviewer's text that could not be saved (beside the draft)."""
    return draft.with_name(draft.name + UNSAVED_SUFFIX)
