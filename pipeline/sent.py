"""What went out, in the state store, where a damaged or lost manifest cannot erase it.

One row per draft that `newsdesk deliver` handed to a network, keyed by channel, story ('' for
the digest e-mail) and the approved content (content_key), with the key the network saw (the
e-mail's Message-ID, a post's idempotency or record key). A row is `sending` from just before
the draft can go out, and `sent` once the network took it; a refusal or a clear failure removes
it. Deliver never sends a draft whose content or key is recorded here as sent, and a digest run
marks a redrafted copy of such a draft `sent` (pipeline.outbox.restore_sent).

Adding this table needs no schema version: it is created when first written, and reading a store
that has none finds nothing.
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from pipeline.history import _iso, utcnow

if TYPE_CHECKING:
    from pipeline.store import Store

SENDING, SENT = "sending", "sent"
TABLE = """
CREATE TABLE IF NOT EXISTS sent (
    channel TEXT NOT NULL,
    story_id TEXT NOT NULL,      -- '' for the digest e-mail
    content TEXT NOT NULL,       -- content_key of the approved files
    key TEXT NOT NULL,           -- the Message-ID, or the post's idempotency / record key
    digest TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,        -- sending / sent
    at TEXT NOT NULL,
    remote_id TEXT,
    remote_url TEXT,
    PRIMARY KEY (channel, story_id, content)
);
CREATE INDEX IF NOT EXISTS sent_key ON sent(key);
"""


@dataclass(frozen=True)
class SentRecord:
    channel: str
    story_id: str
    content: str
    key: str
    digest: str
    draft_id: str
    path: str
    status: str
    at: str
    remote_id: str | None = None
    remote_url: str | None = None


def content_key(file_shas: Iterable[str]) -> str:
    """The approved content of a draft: its files' sha256s in order (main file first)."""
    return hashlib.sha256("\n".join(file_shas).encode("ascii")).hexdigest()


def _rows(store: Store, where: str, args: tuple) -> list[SentRecord]:
    cols = ", ".join(SentRecord.__dataclass_fields__)
    try:
        return [SentRecord(*r) for r in store.db.execute(f"SELECT {cols} FROM sent WHERE {where}", args)]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):      # a store no draft was ever delivered from
            return []
        raise


def find(store: Store, *, channel: str, story_id: str | None, content: str, key: str) -> SentRecord | None:
    """The record of this draft: the same content on the same channel and story, or the same
    key (a Message-ID or post key is never used for two different sends)."""
    hits = _rows(store, "(channel = ? AND story_id = ? AND content = ?) OR key = ?",
                 (channel, story_id or "", content, key))
    return next((h for h in hits if h.status == SENT), hits[0] if hits else None)


def sent_in(store: Store, digest: str) -> list[SentRecord]:
    """Every draft of one digest recorded as sent."""
    return _rows(store, "digest = ? AND status = ?", (digest, SENT))


def record(store: Store, rec: SentRecord) -> None:
    """Write (or replace) the row of a draft: `sending` before it can go out, then `sent`."""
    with store.tx() as db:
        for statement in TABLE.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"INSERT OR REPLACE INTO sent({', '.join(SentRecord.__dataclass_fields__)}) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (rec.channel, rec.story_id or "", rec.content, rec.key, rec.digest, rec.draft_id,
                    rec.path, rec.status, rec.at or _iso(utcnow()), rec.remote_id, rec.remote_url))


def forget(store: Store, *, channel: str, story_id: str | None, content: str) -> None:
    """The attempt certainly did not go out (a refusal, a clear failure): no row is left."""
    with store.tx() as db:
        try:
            db.execute("DELETE FROM sent WHERE channel = ? AND story_id = ? AND content = ? "
                       "AND status = ?", (channel, story_id or "", content, SENDING))
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
