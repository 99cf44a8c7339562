"""SQLite state: feed validators and health, seen articles, stories, overrides, what was sent.

One file (`<state_dir>/state.db`), WAL mode, a schema version in `PRAGMA user_version`; the file
is backed up before a migration. Only this module speaks SQL, with its tables in
pipeline.store_schema, pipeline.history over the story tables, and pipeline.store_faults, which
says why a store cannot be opened or written (only damage advises `newsdesk state rebuild`).
"""
from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline import store_faults as faults
from pipeline.errors import StoreError, StoreUnwritable
from pipeline.model import Article
from pipeline.store_schema import SCHEMA, SCHEMA_VERSION

log = logging.getLogger(__name__)


# Shared with pipeline/history.py (the story tables' functions), which builds on this module.
def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat() if dt else None


def _chunks(items: list, n: int) -> Iterator[list]:
    """`items` in lists of at most `n`: one query's parameters stay under SQLite's limit."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


@dataclass(frozen=True)
class FeedState:
    url: str
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fingerprint: str | None = None
    last_attempt: str | None = None
    last_success: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_seen: int = 0
    next_attempt: str | None = None
    ids: str | None = None

    @property
    def article_ids(self) -> list[str]:
        return json.loads(self.ids) if self.ids else []


@dataclass(frozen=True)
class FeedUpdate:
    """What one attempt at a feed (or one read of a local file, keyed `file:<path>`) learnt,
    for `Store.record_fetches`."""

    url: str
    name: str | None
    ok: bool
    status: str
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fingerprint: str | None = None
    items: int = 0
    keep_validators: bool = False     # a 304: the validators and ids stored stand
    next_attempt: datetime | None = None
    ids: tuple[str, ...] | None = None


def article_from_json(d: dict[str, Any]) -> Article:
    fields = {k: v for k, v in d.items() if k in Article.__dataclass_fields__}
    # Stored dates are our own ISO 8601 output: fromisoformat is exact and ten times faster.
    fields["published"] = datetime.fromisoformat(d["published"]) if d.get("published") else None
    fields["tags"] = tuple(d.get("tags") or ())
    return Article(**fields)


class Store:
    """The state store. Use as a context manager; every write is one transaction."""

    def __init__(self, path: Path, *, timeout: float = 10.0):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise faults.from_os_error(self.path, e) from None
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = %d" % int(timeout * 1000))
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as e:   # store_faults says which: only damage advises a rebuild
            raise faults.explain(self.path, e) from None
        if ok != "ok":
            raise faults.damaged(self.path, ok)
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            if version < SCHEMA_VERSION:
                self._migrate(version)
            elif version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer Newsdesk (schema {version}; "
                                 f"this one knows {SCHEMA_VERSION})")
        except sqlite3.Error as e:
            raise faults.explain(self.path, e, "write") from None

    def _migrate(self, version: int) -> None:
        if version > 0 and self.path.stat().st_size:
            backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
            with sqlite3.connect(str(backup)) as dst:
                self.db.backup(dst)
            log.info("backed up %s to %s before migrating", self.path, backup)
        # executescript commits first, so the script carries its own transaction.
        self.db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        for attempt in range(5):
            try:
                self.db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or attempt == 4:
                    raise faults.explain(self.path, e, "write") from None
                time.sleep(0.2 * (attempt + 1))
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as e:
            # SQLite has already rolled back after some errors (SQLITE_FULL): a second ROLLBACK
            # would raise "no transaction is active" and hide the real reason.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(e, sqlite3.OperationalError):   # disk full, I/O error, read-only file
                raise faults.explain(self.path, e, "write") from e
            raise

    # --- feeds -------------------------------------------------------------------------------
    def feed(self, url: str) -> FeedState | None:
        row = self.db.execute(f"SELECT {', '.join(FeedState.__dataclass_fields__)} FROM feeds WHERE url = ?",
                              (url,)).fetchone()
        return FeedState(*row) if row else None

    def feeds(self) -> list[FeedState]:
        rows = self.db.execute(f"SELECT {', '.join(FeedState.__dataclass_fields__)} FROM feeds ORDER BY url")
        return [FeedState(*r) for r in rows]

    def feed_states(self, urls: Iterable[str]) -> dict[str, FeedState]:
        """The stored state of each of these feeds (or `file:` keys) that has one."""
        cols = ", ".join(FeedState.__dataclass_fields__)
        out: dict[str, FeedState] = {}
        for chunk in _chunks(list(urls), 500):
            q = f"SELECT {cols} FROM feeds WHERE url IN ({','.join('?' * len(chunk))})"
            out.update((r[0], FeedState(*r)) for r in self.db.execute(q, chunk))
        return out

    def record_fetches(self, updates: Iterable[FeedUpdate], *, now: datetime | None = None) -> None:
        """Health after this run's attempts, in one transaction. A failure keeps the validators
        and everything stored; a 304 (keep_validators) keeps them too."""
        now_s = _iso(now or utcnow())
        by_kind: dict[tuple[bool, bool], list[dict]] = {}
        for u in updates:
            by_kind.setdefault((u.ok, u.keep_validators), []).append({
                "now": now_s, "items": u.items, "etag": u.etag, "lm": u.last_modified,
                "fp": u.fingerprint, "error": u.error, "status": u.status, "name": u.name,
                "url": u.url, "next": _iso(u.next_attempt),
                "ids": json.dumps(sorted(set(u.ids))) if u.ids is not None else None})
        if not by_kind:
            return
        with self.tx() as db:
            for (ok, keep), rows in by_kind.items():
                db.executemany("INSERT OR IGNORE INTO feeds(url, name) VALUES (:url, :name)", rows)
                if ok:
                    sets = ["last_success = :now", "consecutive_failures = 0", "last_error = NULL",
                            "items_seen = items_seen + :items", "next_attempt = NULL"]
                    if not keep:
                        sets += ["etag = :etag", "last_modified = :lm", "fingerprint = :fp", "ids = :ids"]
                else:
                    sets = ["consecutive_failures = consecutive_failures + 1", "last_error = :error",
                            "next_attempt = :next"]
                sets += ["last_attempt = :now", "last_status = :status", "name = COALESCE(:name, name)"]
                db.executemany(f"UPDATE feeds SET {', '.join(sets)} WHERE url = :url", rows)

    # --- articles ----------------------------------------------------------------------------
    def save_articles(self, articles: Iterable[Article], now: datetime | None = None) -> dict[str, datetime]:
        """Insert or refresh articles; returns each id's first-seen time (kept from the first run)."""
        now_s = _iso(now or utcnow())
        arts = list(articles)
        first: dict[str, datetime] = {}
        with self.tx() as db:
            for chunk in _chunks(arts, 500):
                ids = [a.id for a in chunk]
                q = f"SELECT id, first_seen FROM articles WHERE id IN ({','.join('?' * len(ids))})"
                known = dict(db.execute(q, ids).fetchall())
                rows = []
                for a in chunk:
                    seen = known.get(a.id, now_s)
                    first[a.id] = datetime.fromisoformat(seen)
                    rows.append((a.id, a.origin, seen, _iso(a.published), json.dumps(a.to_json())))
                db.executemany(
                    "INSERT INTO articles(id, origin, first_seen, published, data) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, published = excluded.published, "
                    "data = excluded.data", rows)
        return first

    def first_seen(self, ids: Iterable[str]) -> dict[str, datetime]:
        out = {}
        for chunk in _chunks(list(ids), 500):
            q = f"SELECT id, first_seen FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update({i: datetime.fromisoformat(s) for i, s in self.db.execute(q, chunk)})
        return out

    def article_dates(self, *, since: datetime) -> dict[str, tuple[datetime | None, float]]:
        """id -> (published, the source's weight) of the articles published since `since`,
        without decoding the stored records (what choosing among known stories needs)."""
        rows = self.db.execute("SELECT id, published, COALESCE(json_extract(data, '$.weight'), 1.0) "
                               "FROM articles WHERE published >= ?", (_iso(since),))
        return {i: (datetime.fromisoformat(p) if p else None, float(w)) for i, p, w in rows}

    def articles(self, ids: Iterable[str] | None = None, *, since: datetime | None = None) -> list[Article]:
        if ids is not None:
            out = []
            for chunk in _chunks(list(ids), 500):
                q = f"SELECT data FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
                out += [article_from_json(json.loads(r[0])) for r in self.db.execute(q, chunk)]
            return out
        if since is not None:
            rows = self.db.execute("SELECT data FROM articles WHERE published >= ?", (_iso(since),))
        else:
            rows = self.db.execute("SELECT data FROM articles")
        return [article_from_json(json.loads(r[0])) for r in rows]

    # --- blobs -------------------------------------------------------------------------------
    def get_blob(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def put_blob(self, name: str, data: bytes) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO blobs(name, data, updated) VALUES (?,?,?) ON CONFLICT(name) "
                       "DO UPDATE SET data = excluded.data, updated = excluded.updated",
                       (name, data, _iso(utcnow())))


def open_store(state_dir: Path) -> Store:
    return Store(Path(state_dir) / "state.db")


def rebuild(state_dir: Path) -> Path | None:
    """Move a damaged state file aside (kept as a backup) so the next run starts afresh."""
    path = Path(state_dir) / "state.db"
    if not path.exists():
        return None
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"state.db.damaged-{stamp}")
    shutil.move(str(path), backup)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            shutil.move(str(side), backup.with_name(backup.name + extra))
    return backup


def open_store_readonly(state_dir: Path) -> Store | None:
    """For dry runs: the existing store, opened so that nothing can be written; None if absent."""
    path = Path(state_dir) / "state.db"
    if not path.exists():
        return None
    db = None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        db.execute("SELECT 1 FROM articles LIMIT 1")
    except sqlite3.Error as e:
        if db is not None:
            db.close()
        fault = faults.explain(path, e)
        if not isinstance(fault, StoreUnwritable):
            raise fault from None
        return _last_committed(path, fault)
    return _wrap(path, db)


def open_store_to_read(state_dir: Path) -> Store:
    """For commands that only show: the store; where it cannot be written (a full disk, a
    read-only folder), what it last committed, with a warning that says why."""
    try:
        return open_store(state_dir)
    except StoreUnwritable as fault:
        return _last_committed(Path(state_dir) / "state.db", fault)


def _last_committed(path: Path, fault: StoreUnwritable) -> Store:
    db = faults.last_committed(path)
    if db is None:
        raise fault
    log.warning("%s Shown: what it last committed.", fault)
    return _wrap(path, db)


def _wrap(path: Path, db: sqlite3.Connection) -> Store:
    """A Store over a connection opened elsewhere (read-only): no checks, no migration."""
    store = Store.__new__(Store)
    store.path, store.db = path, db
    return store


__all__ = [
    "FeedState", "FeedUpdate", "SCHEMA_VERSION", "Store", "StoreError", "article_from_json",
    "StoreUnwritable", "open_store", "open_store_readonly", "open_store_to_read", "rebuild", "utcnow",
]
