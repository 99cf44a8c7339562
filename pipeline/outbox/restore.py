"""A digest drafted again after its manifest was lost (damaged and set aside, or deleted): the
drafts that went out before are marked `sent` again from the state store's record
(pipeline.sent), so that nobody reviews them again and nothing sends them twice.

A draft is matched on its channel, its story and its content (the sha256s of its files): a
draft rendered the same as the one that went out is that draft.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pipeline.outbox.manifest import (
    APPROVED, DRAFT, SENT, _event, _files, _load, _outbox_lock, _save, _stamp,
)
from pipeline.sent import SentRecord, content_key

log = logging.getLogger(__name__)


def restore_sent(outbox_dir: Path, folder: Path, records: Iterable[SentRecord], *,
                 now: datetime | None = None, by: str = "newsdesk") -> list[str]:
    """Mark `sent` every draft of `folder` still in draft or approved whose channel, story and
    content a record holds as sent; returns their ids."""
    known = {(r.channel, r.story_id, r.content): r for r in records if r.status == SENT}
    if not known:
        return []
    at, restored = _stamp(now), []
    with _outbox_lock(outbox_dir):
        state = _load(Path(folder), at=at, by=by)
        for e in (state.manifest or {}).get("drafts", []):
            if e["status"] not in (DRAFT, APPROVED):
                continue
            rec = known.get((e["channel"], e.get("story") or "", content_key(s for _, s in _files(e))))
            if rec is None:
                continue
            e["status"] = SENT
            e["remote"] = {k: v for k, v in (("id", rec.remote_id), ("url", rec.remote_url),
                                              ("channel", rec.channel)) if v}
            e["history"].append(_event(SENT, at, by, f"went out at {rec.at} (draft {rec.draft_id}), "
                                       "as the state store records; not sent again"))
            restored.append(e["id"])
        if restored or state.dirty:
            _save(state)
    if restored:
        log.warning("%s: %d drafts went out before this digest was drafted again (its manifest was "
                    "lost); marked sent from the state store: %s", folder.name, len(restored),
                    ", ".join(restored))
    return restored
