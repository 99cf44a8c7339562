"""Each network's rules: its limits, how it counts a post, what makes a post valid, where text
may be cut. The plain-text helpers (clean_text, safe_url, add_utm) live in plain.py.

Every post is measured here before it is returned (see posts.py); a post that cannot be made
valid raises PostError instead of being cut in the middle of a word or a URL.
"""
from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from typing import Callable

import regex

from pipeline.errors import NewsdeskError
from pipeline.render.plain import add_utm, clean_text, safe_url

__all__ = ["BLUESKY_MAX_BYTES", "ELLIPSIS", "GRAPHEME", "LIMITS", "NETWORKS", "PostError",
           "THREAD_SEPARATOR", "THREADS_MAX_LINKS", "URL_WEIGHT", "add_utm", "clean_text",
           "cut_points", "extract_urls_with_indices", "is_valid", "link_count", "post_length",
           "rule_of", "safe_url"]

NETWORKS: tuple[str, ...] = ("x", "bluesky", "mastodon", "threads", "linkedin")
# Each network's documented default: X (non-premium), Bluesky's lexicon maxGraphemes, Mastodon's
# default instance setting (instances differ: pass `limit`), Threads and LinkedIn's API limits.
LIMITS: dict[str, int] = {"x": 280, "bluesky": 300, "mastodon": 500, "threads": 500, "linkedin": 3000}
THREAD_SEPARATOR = "\n\n---\n\n"   # between the parts of a thread in Post.text (for review)
ELLIPSIS = "\u2026"
URL_WEIGHT = 23                    # what X and Mastodon count for any URL
BLUESKY_MAX_BYTES = 3000           # app.bsky.feed.post text maxLength (UTF-8 bytes)
THREADS_MAX_LINKS = 5              # Threads API rejects posts with more unique links


class PostError(NewsdeskError):
    """A post cannot be made valid for its network (a word or the link alone is too long)."""


# --- counting rules -------------------------------------------------------------------------

GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|[\ufe0f\u20e3]")


# twitter-text is imported at its first use, not with this module: its import builds its emoji
# pattern from a data file (~0.4 s), and the digest, the email and the review page import this
# module without counting a post.
@functools.cache
def _twitter_text():
    """The twitter_text package, imported once. It reads its emoji data through pkg_resources
    (hence setuptools<82 among our dependencies), whose deprecation warning is not our users'."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        import twitter_text
        import twitter_text.has_invalid_characters
    return twitter_text


def extract_urls_with_indices(text: str, extract_urls_without_protocol: bool = True) -> list[dict]:
    """twitter-text's URLs of `text`, each {"url", "indices": [start, end]}."""
    return _twitter_text().extract_urls_with_indices(
        text, extract_urls_without_protocol=extract_urls_without_protocol)


def _x_invalid(text: str) -> bool:
    return _twitter_text().has_invalid_characters.has_invalid_characters(text)


def _graphemes(text: str) -> int:
    return len(GRAPHEME.findall(text))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _x_length(text: str) -> int:
    return _twitter_text().parse_tweet(text).weightedLength


def _mastodon_length(text: str) -> int:
    # Mastodon replaces every http(s) URL by a 23-character placeholder, then counts graphemes.
    pieces, pos = [], 0
    for found in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = found["indices"]
        pieces += [text[pos:start], "x" * URL_WEIGHT]
        pos = end
    pieces.append(text[pos:])
    return _graphemes("".join(pieces))


def _threads_length(text: str) -> int:
    # Threads counts emoji by their UTF-8 bytes; other characters as UTF-16 units (conservative).
    total = 0
    for cluster in GRAPHEME.findall(text):
        total += len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else _utf16(cluster)
    return total


@dataclass(frozen=True)
class _Rule:
    count: Callable[[str], int]
    threadable: bool
    max_tags: int
    max_links: int | None = None
    max_bytes: int | None = None
    invalid: Callable[[str], bool] | None = None


# Distinct texts whose count is remembered, per counter: a post is measured when it is tried,
# again when it is returned and for its length, and twitter-text takes milliseconds a text.
COUNT_CACHE = 4096
_remembered = functools.lru_cache(maxsize=COUNT_CACHE)

_RULES: dict[str, _Rule] = {
    "x": _Rule(_remembered(_x_length), True, 2, invalid=_remembered(_x_invalid)),
    "bluesky": _Rule(_remembered(_graphemes), True, 2, max_bytes=BLUESKY_MAX_BYTES),
    "mastodon": _Rule(_remembered(_mastodon_length), True, 2),
    "threads": _Rule(_remembered(_threads_length), True, 1, max_links=THREADS_MAX_LINKS),   # one topic tag
    "linkedin": _Rule(_utf16, False, 2),
}


def rule_of(network: str) -> _Rule:
    try:
        return _RULES[network]
    except KeyError:
        raise ValueError(f"unknown network {network!r}; known: {', '.join(NETWORKS)}") from None


def post_length(text: str, network: str) -> int:
    """The length of `text` as `network` counts it."""
    return rule_of(network).count(text)


_SCHEMED_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


@_remembered
def link_count(text: str) -> int:
    """Unique links as Threads counts them: bare domains that twitter-text knows, and every
    http(s) URL whatever its top-level domain."""
    found = {m.group(0).rstrip(".,;:!?)") for m in _SCHEMED_URL.finditer(text)}
    found |= {f["url"] for f in extract_urls_with_indices(text)
              if not any(f["url"] in u for u in found)}
    return len(found)


def is_valid(text: str, network: str, limit: int | None = None) -> bool:
    rule = rule_of(network)
    limit = LIMITS[network] if limit is None else limit
    if not text or rule.count(text) > limit:
        return False
    if rule.max_links is not None and link_count(text) > rule.max_links:
        return False
    if rule.max_bytes is not None and len(text.encode("utf-8")) > rule.max_bytes:
        return False
    return not (rule.invalid and rule.invalid(text))


_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff01-\uff60]")


def cut_points(text: str) -> list[int]:
    """Where `text` may be cut: before a space, or between two CJK characters; never in a URL."""
    inside = set()
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        inside.update(range(start + 1, end))
    points = []
    for i in range(1, len(text)):
        if i in inside:
            continue
        if text[i] == " " and text[i - 1] != " ":
            points.append(i)
        elif _CJK.match(text[i - 1]) and _CJK.match(text[i]):
            points.append(i)
    points.append(len(text))
    return points

