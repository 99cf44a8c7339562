"""Stories across runs in the state store: the stored stories and their memberships, reviewers'
split/merge overrides, and what was drafted and sent. Functions over a Store, so the record
conversions live beside their SQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterable

from pipeline.store import Store, _chunks, _iso, utcnow


def story_to_json(story) -> str:
    d = {
        "id": story.id, "headline": story.headline,
        "summary": [list(s) for s in story.summary],
        "sources": [s.to_json() for s in story.sources],
        "members": [{"article_id": m.article_id, "reason": m.reason, "score": m.score,
                     "duplicate_of": m.duplicate_of, "shared": list(m.shared),
                     "evidence": list(m.evidence)} for m in story.members],
        "first_seen": _iso(story.first_seen), "last_updated": _iso(story.last_updated),
        "key_facts": list(story.key_facts), "disputed": list(story.disputed),
        "entities": list(story.entities), "keywords": list(story.keywords), "tags": list(story.tags),
        "is_update": story.is_update, "language": story.language,
    }
    if story.image is not None:          # only when there is one: older records stay as they were
        d["image"] = story.image.to_json()
    return json.dumps(d, ensure_ascii=False)


def _stored_date(value: str | None) -> datetime | None:
    """A date as story_to_json wrote it (ISO 8601 with its offset); anything else as a feed's."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is not None and when.utcoffset() == timedelta(0):
        return when if when.tzinfo is timezone.utc else when.replace(tzinfo=timezone.utc)
    from pipeline.ingest.normalize import parse_date
    return parse_date(value)


def _stored(cls, fields: dict):
    """A record of `cls` (a frozen dataclass with neither slots nor __post_init__) from the
    fields it was stored with, filled in one step: a frozen __init__ sets each field through
    object.__setattr__, and an unchanged 1,000-feed run builds 100k members and sources."""
    record = object.__new__(cls)
    record.__dict__.update(fields)
    return record


def story_from_json(text: str):
    from pipeline.model import Image, Member, SourceRef, Story

    d = json.loads(text)
    return Story(
        id=d["id"], headline=d["headline"], summary=tuple(tuple(s) for s in d["summary"]),
        sources=tuple(_stored(SourceRef, {
            "outlet": s["outlet"], "url": s["url"], "title": s["title"],
            "published": _stored_date(s["published"]), "article_id": s["article_id"]})
            for s in d["sources"]),
        members=tuple(_stored(Member, {
            "article_id": m["article_id"], "reason": m["reason"], "score": m["score"],
            "duplicate_of": m["duplicate_of"], "shared": tuple(m["shared"]),
            "evidence": tuple(m.get("evidence", ()))})
            for m in d["members"]),
        first_seen=_stored_date(d["first_seen"]), last_updated=_stored_date(d["last_updated"]),
        key_facts=tuple(d["key_facts"]), disputed=tuple(d["disputed"]),
        entities=tuple(d["entities"]), keywords=tuple(d["keywords"]), tags=tuple(d["tags"]),
        is_update=d.get("is_update", False), language=d.get("language"),
        image=Image.from_json(d.get("image")),
    )


def save_stories(store: Store, stories, *, closed_before: datetime | None = None) -> None:
    """Replace the stored stories given (and their memberships); close stale ones."""
    with store.tx() as db:
        for s in stories:
            db.execute("DELETE FROM story_members WHERE story_id = ?", (s.id,))
            db.execute(
                "INSERT INTO stories(id, first_seen, last_updated, closed, data) VALUES (?,?,?,0,?) "
                "ON CONFLICT(id) DO UPDATE SET last_updated = excluded.last_updated, closed = 0, "
                "data = excluded.data",
                (s.id, _iso(s.first_seen or utcnow()), _iso(s.last_updated or utcnow()), story_to_json(s)))
            db.executemany(
                "INSERT INTO story_members(article_id, story_id, why) VALUES (?,?,?) "
                "ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id, why = excluded.why",
                [(m.article_id, s.id, m.reason) for m in s.members])
        if closed_before is not None:
            db.execute("UPDATE stories SET closed = 1 WHERE last_updated < ?", (_iso(closed_before),))


def drop_stories(store: Store, ids: Iterable[str]) -> None:
    """Stories that no longer exist (all their members went to other stories)."""
    with store.tx() as db:
        for sid in ids:
            if not db.execute("SELECT 1 FROM story_members WHERE story_id = ? LIMIT 1", (sid,)).fetchone():
                db.execute("DELETE FROM stories WHERE id = ?", (sid,))


def load_stories(store: Store, *, include_closed: bool = False, ids: Iterable[str] | None = None) -> list:
    if ids is not None:
        out = []
        for chunk in _chunks(list(ids), 500):
            q = f"SELECT data FROM stories WHERE id IN ({','.join('?' * len(chunk))})"
            out += [story_from_json(r[0]) for r in store.db.execute(q, chunk)]
        return out
    q = "SELECT data FROM stories" + ("" if include_closed else " WHERE closed = 0")
    return [story_from_json(r[0]) for r in store.db.execute(q + " ORDER BY last_updated DESC, id")]


def story_of_articles(store: Store, ids: Iterable[str]) -> dict[str, str]:
    out = {}
    for chunk in _chunks(list(ids), 500):
        q = f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({','.join('?' * len(chunk))})"
        out.update(dict(store.db.execute(q, chunk).fetchall()))
    return out


def add_override(store: Store, kind: str, a: str, b: str | None = None, *, by: str | None = None) -> None:
    with store.tx() as db:
        db.execute("INSERT INTO overrides(kind, a, b, created, by) VALUES (?,?,?,?,?)",
                   (kind, a, b, _iso(utcnow()), by))


def overrides(store: Store) -> list[tuple[str, str, str | None]]:
    return [tuple(r) for r in store.db.execute("SELECT kind, a, b FROM overrides ORDER BY n")]


def record_drafted(store: Store, *, digest: str, stories, channels: Iterable[str], at: datetime) -> None:
    """What each story looked like when it was drafted into a digest: the baseline an update is
    measured against once a reviewer approves it. A reviewed row keeps its snapshot."""
    rows = [(s.id, ch, digest, "drafted", _iso(at), json.dumps(sorted(set(s.outlets))),
             json.dumps(sorted(set(s.key_facts)))) for s in stories for ch in channels]
    with store.tx() as db:
        db.executemany(
            "INSERT INTO deliveries(story_id, channel, digest, status, at, outlets, facts) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(story_id, channel, digest) DO UPDATE SET "
            "at = excluded.at, outlets = excluded.outlets, facts = excluded.facts "
            "WHERE deliveries.status = 'drafted'", rows)


def mark_delivery(store: Store, *, story_id: str, channel: str, digest: str, status: str, at: str,
                  outlets: Iterable[str] = ()) -> None:
    """A reviewer approved (or sent) a draft: its story counts as gone out on that channel."""
    with store.tx() as db:
        cur = db.execute("UPDATE deliveries SET status = ? WHERE story_id = ? AND channel = ? AND digest = ?",
                         (status, story_id, channel, digest))
        if cur.rowcount == 0:
            db.execute("INSERT INTO deliveries(story_id, channel, digest, status, at, outlets, facts) "
                       "VALUES (?,?,?,?,?,?,?)", (story_id, channel, digest, status, at,
                                                  json.dumps(sorted(set(outlets))), "[]"))


def deliveries(store: Store) -> dict[str, tuple[set[str], set[str], str]]:
    """Per story: the outlets and facts it had when it last went out (approved or sent), and where."""
    out: dict[str, tuple[set[str], set[str], str]] = {}
    # The last row of a story names where it went out: rows of the same time in a stated order.
    for sid, outlets, facts, digest in store.db.execute(
            "SELECT story_id, outlets, facts, digest FROM deliveries "
            "WHERE status IN ('approved', 'sent') ORDER BY at, digest, channel"):
        prev = out.get(sid, (set(), set(), digest))
        out[sid] = (prev[0] | set(json.loads(outlets)), prev[1] | set(json.loads(facts)), digest)
    return out
