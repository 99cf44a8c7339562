"""Digests for the review tests, written by the real renderer and outbox (no hand-made files).

`fixture_digest`: the render fixtures' stories (links, hashtags, hostile feed text) on a fixed
day. `seeds_digest`: `newsdesk digest` run on seeds/ into a temporary outbox, as a user would.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from pipeline import outbox
from pipeline.render.digest import DigestOptions, render_digest, render_posts

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "review_render_stories", ROOT / "tests" / "fixtures" / "render" / "stories.py")
stories = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stories)

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
NETWORKS = ("x", "bluesky", "mastodon", "threads", "linkedin")


def fixture_digest(box: Path, slug: str = "morning") -> Path:
    """The fixture stories' digest and posts in `box`; returns the digest folder."""
    chosen = stories.STORIES[:2]
    options = DigestOptions(date=stories.DIGEST_DATE, unsubscribe_url="https://news.example.com/u")
    drafts = list(render_digest(chosen, options))
    for story in chosen:
        drafts += render_posts(story, options, NETWORKS)
    return outbox.write_digest(box, stories.DIGEST_DATE, slug, chosen, drafts, {}, now=T0).folder


def seeds_digest(box: Path, state: Path) -> Path:
    """`newsdesk digest` on the repository's seeds/ into `box`; returns the digest folder."""
    done = subprocess.run([sys.executable, "-m", "pipeline", "--state-dir", str(state), "--quiet",
                           "digest", "--outbox", str(box)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [folder] = [p for p in box.iterdir() if (p / "manifest.json").is_file()]
    return folder


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def entry(folder: Path, channel: str, story: str | None = None) -> dict:
    """The manifest entry of the first draft for `channel` (of `story`, when given)."""
    return next(e for e in manifest(folder)["drafts"]
                if e["channel"] == channel and (story is None or e["story"] == story))
