"""The state store's tables (pipeline.store speaks the SQL over them) and their version.

SCHEMA_VERSION is kept in `PRAGMA user_version`: a store of an older version is backed up, then
migrated by running SCHEMA again (every statement is IF NOT EXISTS); a newer one is refused.
"""
from __future__ import annotations

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    name TEXT,
    etag TEXT,
    last_modified TEXT,
    fingerprint TEXT,            -- size:mtime:sha of a local feed file, to skip re-parsing it
    last_attempt TEXT,
    last_success TEXT,
    last_status TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    items_seen INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT,
    ids TEXT                     -- JSON list of the article ids of the last successful read
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    published TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_origin ON articles(origin);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS story_members (
    article_id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    why TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story_id);
CREATE TABLE IF NOT EXISTS overrides (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,          -- 'split' (article leaves its story) or 'merge' (two stories join)
    a TEXT NOT NULL,
    b TEXT,
    created TEXT NOT NULL,
    by TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    story_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    digest TEXT NOT NULL,
    status TEXT NOT NULL,        -- approved / sent
    at TEXT NOT NULL,
    outlets TEXT NOT NULL,       -- JSON list of outlets the story had then
    facts TEXT NOT NULL,         -- JSON list of key facts it had then
    PRIMARY KEY (story_id, channel, digest)
);
CREATE TABLE IF NOT EXISTS blobs (
    name TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    updated TEXT NOT NULL
);
"""
