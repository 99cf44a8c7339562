"""Per-network rules for short posts: counting, links with UTM tags, hashtags, shortening, threads.

Every post is measured by its network's own counting rule before it is returned; a post that
cannot be made valid raises PostError instead of being cut in the middle of a word or a URL.
The text helpers here (clean_text, safe_url) are shared with the digest renderer.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence
from urllib.parse import quote_plus, unquote, urlsplit, urlunsplit

import regex
from twitter_text import extract_urls_with_indices, parse_tweet
from twitter_text.has_invalid_characters import has_invalid_characters

from pipeline.errors import NewsdeskError
from pipeline.model import Story

log = logging.getLogger(__name__)

NETWORKS: tuple[str, ...] = ("x", "bluesky", "mastodon", "threads", "linkedin")
# Each network's documented default: X (non-premium), Bluesky's lexicon maxGraphemes, Mastodon's
# default instance setting (instances differ: pass `limit`), Threads and LinkedIn's API limits.
LIMITS: dict[str, int] = {"x": 280, "bluesky": 300, "mastodon": 500, "threads": 500, "linkedin": 3000}
THREAD_SEPARATOR = "\n\n---\n\n"   # between the parts of a thread in Post.text (for review)
ELLIPSIS = "\u2026"
URL_WEIGHT = 23                    # what X and Mastodon count for any URL
BLUESKY_MAX_BYTES = 3000           # app.bsky.feed.post text maxLength (UTF-8 bytes)
BLUESKY_LINK_LABEL = 40            # graphemes of link text when the full URL does not fit
THREADS_MAX_LINKS = 5              # Threads API rejects posts with more unique links
MAX_TAG_CHARS = 30                 # longer CamelCase tags are unreadable; skip the phrase instead
MAX_THREAD_ROUNDS = 8              # re-splits while the "i/N" marker width settles


class PostError(NewsdeskError):
    """A post cannot be made valid for its network (a word or the link alone is too long)."""


@dataclass(frozen=True)
class Post:
    network: str
    text: str                       # the post; for a thread, the parts joined by THREAD_SEPARATOR
    parts: tuple[str, ...]          # one item unless the post was split into a thread
    length: int                     # by the network's counting rule; the longest part for a thread
    limit: int
    payload: dict[str, Any] | None = None   # structured record where the network needs one


# --- plain text -----------------------------------------------------------------------------

# Bidi embeddings, overrides, isolates and marks: they can reorder what a reader sees.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP = frozenset("\ufeff\ufffe\uffff")   # BOM and non-characters (X rejects them)
_MARKUP = re.compile(r"</?[A-Za-z!][^<>]*>")


def clean_text(text: str | None, *, strip_markup: bool = False) -> str:
    """One line of plain text: NFC, no control or bidi-override characters, spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if strip_markup:
        # Until nothing changes: nested or overlapping tags ("<scr<script>ipt>") leave markup
        # after one pass.
        previous = None
        while previous != text:
            previous, text = text, _MARKUP.sub(" ", text)
    kept = []
    for ch in text:
        if ch in _BIDI or ch in _DROP:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cs" or (cat == "Cc" and not ch.isspace()):
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host and no spaces; otherwise None."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn") for ch in url):
        return None   # Cn: unassigned code points and non-characters such as U+FFFE
    if any(ch in url for ch in '<>"\\`'):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def add_utm(url: str, network: str, campaign: str) -> str:
    """Append utm_source/medium/campaign; other parameters are kept byte for byte."""
    parts = urlsplit(url)
    kept = [
        item for item in parts.query.split("&")
        if item and not unquote(item.split("=", 1)[0]).strip().lower().startswith("utm_")
    ]
    kept += [
        f"utm_source={quote_plus(network)}",
        "utm_medium=social",
        f"utm_campaign={quote_plus(campaign)}",
    ]
    return urlunsplit(parts._replace(query="&".join(kept)))


def best_link(story: Story) -> str | None:
    """The source the lead sentence came from, else the earliest source with a usable URL."""
    usable = [s for s in story.sources if safe_url(s.url)]
    lead_article = story.summary[0][1] if story.summary else None
    for source in usable:
        if source.article_id == lead_article:
            return safe_url(source.url)
    return safe_url(usable[0].url) if usable else None


def camel_tag(phrase: str) -> str | None:
    """'CAR T-cell therapy' -> 'CarTCellTherapy', 'NASA' -> 'NASA': letters/marks/digits, letter first."""
    words = regex.findall(r"[\p{L}\p{M}\p{Nd}]+", unicodedata.normalize("NFC", phrase or ""))
    out = []
    for word in words:
        if len(words) > 1 and len(word) > 1 and word.isupper():
            word = word[0] + word[1:].lower()     # inside a joined tag, an acronym reads as a word
        out.append(word[0].upper() + word[1:])
    tag = unicodedata.normalize("NFC", "".join(out))
    if not tag or len(tag) > MAX_TAG_CHARS or not unicodedata.category(tag[0]).startswith("L"):
        return None
    if not regex.fullmatch(r"[\p{L}\p{M}\p{Nd}]+", tag):
        return None
    return tag


def hashtags(story: Story, max_tags: int = 2) -> tuple[str, ...]:
    seen: set[str] = set()
    tags: list[str] = []
    for phrase in (*story.entities, *story.keywords):
        tag = camel_tag(phrase)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
        if len(tags) >= max_tags:
            break
    return tuple(tags)


# --- counting rules -------------------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|[\ufe0f\u20e3]")


def _graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _x_length(text: str) -> int:
    return parse_tweet(text).weightedLength


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
    for cluster in _GRAPHEME.findall(text):
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


_RULES: dict[str, _Rule] = {
    "x": _Rule(_x_length, True, 2, invalid=has_invalid_characters),
    "bluesky": _Rule(_graphemes, True, 2, max_bytes=BLUESKY_MAX_BYTES),
    "mastodon": _Rule(_mastodon_length, True, 2),
    "threads": _Rule(_threads_length, True, 1, max_links=THREADS_MAX_LINKS),   # one topic tag
    "linkedin": _Rule(_utf16, False, 2),
}


def _rule(network: str) -> _Rule:
    try:
        return _RULES[network]
    except KeyError:
        raise ValueError(f"unknown network {network!r}; known: {', '.join(NETWORKS)}") from None


def post_length(text: str, network: str) -> int:
    """The length of `text` as `network` counts it."""
    return _rule(network).count(text)


_SCHEMED_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


def link_count(text: str) -> int:
    """Unique links as Threads counts them: bare domains that twitter-text knows, and every
    http(s) URL whatever its top-level domain."""
    found = {m.group(0).rstrip(".,;:!?)") for m in _SCHEMED_URL.finditer(text)}
    found |= {f["url"] for f in extract_urls_with_indices(text)
              if not any(f["url"] in u for u in found)}
    return len(found)


def is_valid(text: str, network: str, limit: int | None = None) -> bool:
    rule = _rule(network)
    limit = LIMITS[network] if limit is None else limit
    if not text or rule.count(text) > limit:
        return False
    if rule.max_links is not None and link_count(text) > rule.max_links:
        return False
    if rule.max_bytes is not None and len(text.encode("utf-8")) > rule.max_bytes:
        return False
    return not (rule.invalid and rule.invalid(text))


# --- composing and shortening ---------------------------------------------------------------

Span = tuple[int, int, str, str]      # (start, end, "link" | "tag", value) in code points
Link = tuple[str, str]                # (text shown, URL it points to)
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff01-\uff60]")
_TRAILING = " ,;:([{\u201c\u2018\"'\u2013\u2014-"


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


def _compose(body: str, link: Link | None, tags: Sequence[str]) -> tuple[str, tuple[Span, ...]]:
    text, spans = body, []
    if link:
        shown, target = link
        text += "\n\n" if text else ""
        spans.append((len(text), len(text) + len(shown), "link", target))
        text += shown
    if tags:
        text += "\n\n" if text else ""
        for k, tag in enumerate(tags):
            text += " " if k else ""
            spans.append((len(text), len(text) + 1 + len(tag), "tag", tag))
            text += "#" + tag
    return text, tuple(spans)


def _largest(points: Sequence[int], attempt: Callable[[int], Any]) -> Any:
    """Binary search for the largest point whose attempt succeeds (attempts validate their text)."""
    lo, hi, best = 0, len(points) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        result = attempt(points[mid])
        if result is not None:
            best, lo = result, mid + 1
        else:
            hi = mid - 1
    return best


def _single(prefix: str, lead: str, url: Link | None, tags: Sequence[str],
            ok: Callable[[str], bool], allow_cut: bool = True) -> tuple[str, tuple[Span, ...]]:
    for k in range(len(tags), -1, -1):
        text, spans = _compose(prefix + lead, url, tags[:k])
        if ok(text):
            return text, spans
    if not allow_cut:
        raise PostError("the whole lead does not fit")

    def shortened(point: int, k: int) -> tuple[str, tuple[Span, ...]] | None:
        cut = lead[:point].rstrip(_TRAILING)
        if not cut:
            return None
        text, spans = _compose(prefix + cut + ELLIPSIS, url, tags[:k])
        return (text, spans) if ok(text) else None

    points = [p for p in cut_points(lead) if p < len(lead)]
    for k in (min(1, len(tags)), 0):
        found = _largest(points, lambda p: shortened(p, k))
        if found:
            return found
    raise PostError("the link and the first word of the lead do not fit")


def _split(body: str, url: Link | None, tags: Sequence[str], total: int,
           ok: Callable[[str], bool]) -> list[tuple[str, tuple[Span, ...]]]:
    points = cut_points(body)
    parts: list[tuple[str, tuple[Span, ...]]] = []
    start = 0
    while start < len(body):
        number = len(parts) + 1
        first = number == 1

        def attempt(point: int) -> tuple[int, str, tuple[Span, ...]] | None:
            chunk = body[start:point].strip()
            if not chunk:
                return None
            text, spans = _compose(f"{number}/{total} {chunk}", url if first else None,
                                   tags if first else ())
            return (point, text, spans) if ok(text) else None

        found = _largest([p for p in points if p > start], attempt)
        if found is None:
            raise PostError(f"part {number} of the thread cannot hold even one word")
        start, text, spans = found
        parts.append((text, spans))
        while start < len(body) and body[start] == " ":
            start += 1
    return parts


def _thread(prefix: str, body: str, url: Link | None, tags: Sequence[str],
            ok: Callable[[str], bool]) -> list[tuple[str, tuple[Span, ...]]]:
    text, spans = _compose(prefix + body, url, tags)
    if ok(text):                      # it fits whole: no thread needed
        return [(text, spans)]
    error: PostError | None = None
    for k in range(len(tags), -1, -1):
        total = 2
        try:
            for _ in range(MAX_THREAD_ROUNDS):
                parts = _split(prefix + body, url, tags[:k], total, ok)
                if len(parts) == total:
                    return parts
                total = len(parts)
        except PostError as exc:
            error = exc
    raise error or PostError("the thread's part count did not settle")


# --- payloads -------------------------------------------------------------------------------

_LITTLE_RESERVED = frozenset("\\|{}@[]()<>#*_~")


def little_escape(text: str) -> str:
    """Backslash-escape the characters LinkedIn's "little" text format treats specially."""
    return "".join("\\" + ch if ch in _LITTLE_RESERVED else ch for ch in text)


def _linkedin_payload(text: str, spans: Sequence[Span]) -> dict[str, Any]:
    pieces, pos = [], 0
    for start, end, kind, value in spans:
        if kind == "tag":
            pieces += [little_escape(text[pos:start]), "{hashtag|\\#|" + value + "}"]
            pos = end
    pieces.append(little_escape(text[pos:]))
    # The author URN is the deliverer's to add: it belongs to the account, not to the story.
    return {
        "commentary": "".join(pieces),
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                         "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def _byte_index(text: str, start: int, end: int) -> dict[str, int]:
    begin = len(text[:start].encode("utf-8"))
    return {"byteStart": begin, "byteEnd": begin + len(text[start:end].encode("utf-8"))}


def _bluesky_record(text: str, spans: Sequence[Span], created_at: datetime,
                    language: str | None) -> dict[str, Any]:
    facets = []
    taken = [(s, e) for s, e, _, _ in spans]
    for found in extract_urls_with_indices(text, extract_urls_without_protocol=False):
        start, end = found["indices"]
        url = safe_url(found["url"])
        if url and not any(s < end and start < e for s, e in taken):
            spans = [*spans, (start, end, "link", url)]
    for start, end, kind, value in sorted(spans):
        feature = ({"$type": "app.bsky.richtext.facet#link", "uri": value} if kind == "link"
                   else {"$type": "app.bsky.richtext.facet#tag", "tag": value})
        facets.append({"index": _byte_index(text, start, end), "features": [feature]})
    stamp = created_at.astimezone(timezone.utc)
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
    }
    if language:
        record["langs"] = [language]
    record["facets"] = facets
    return record


_TEXT_TAG = regex.compile(r"(?<![\p{L}\p{M}\p{Nd}_#&/])#([\p{L}\p{M}\p{Nd}]+)")


def _text_spans(text: str, links: Sequence[Link]) -> list[Span]:
    """Hashtags written in `text`, and each (shown text, URL) of `links` whose text it still holds."""
    spans: list[Span] = [(m.start(), m.end(), "tag", m.group(1)) for m in _TEXT_TAG.finditer(text)]
    for shown, target in links:
        start = text.find(shown) if shown else -1
        while start >= 0:
            end = start + len(shown)
            if not any(s < end and start < e for s, e, _, _ in spans):
                spans.append((start, end, "link", target))
            start = text.find(shown, end)
    return sorted(spans)


def payload_for_text(network: str, text: str, *, created_at: datetime, language: str | None = None,
                     links: Sequence[Link] = ()) -> dict[str, Any] | None:
    """The network's JSON record for a post written by hand (None when the network needs none).

    Hashtags and URLs are found in `text` itself; `links` are (shown text, URL) pairs of the
    record being replaced, kept wherever their text still appears (Bluesky's short link labels).
    """
    if network == "bluesky":
        records = [_bluesky_record(part, _text_spans(part, links), created_at, language)
                   for part in text.split(THREAD_SEPARATOR)]
        return records[0] if len(records) == 1 else {"thread": records}
    if network == "linkedin":
        return _linkedin_payload(text, _text_spans(text, ()))
    return None


# --- the post -------------------------------------------------------------------------------

def lead_line(story: Story) -> str:
    """The summary's first sentence; the headline only when there is no usable summary."""
    for sentence, _ in story.summary[:1]:
        lead = clean_text(sentence, strip_markup=True)
        if lead:
            return lead
    return clean_text(story.headline, strip_markup=True)


def _link_choices(url: str | None, network: str) -> list[Link | None]:
    if not url:
        return [None]
    choices: list[Link | None] = [(url, url)]
    if network == "bluesky":
        # Bluesky counts a link in full, but its facet may carry the URL behind shorter text,
        # as its own app does: host and path, cut at BLUESKY_LINK_LABEL graphemes.
        parts = urlsplit(url)
        label = (parts.hostname or "") + parts.path.rstrip("/")
        clusters = _GRAPHEME.findall(label)
        if len(clusters) > BLUESKY_LINK_LABEL:
            label = "".join(clusters[:BLUESKY_LINK_LABEL - 1]) + ELLIPSIS
        choices.append((label, url))
    return choices


def make_post(story: Story, network: str, *, campaign: str, limit: int | None = None,
              thread: bool = False, created_at: datetime | None = None,
              language: str | None = None) -> Post:
    """One post (or thread) for `network`, valid by that network's counting rule.

    `campaign` goes into utm_campaign (the digest date, YYYY-MM-DD). `created_at` is the
    Bluesky record's createdAt (now when not given); `language` its `langs`.
    """
    rule = _rule(network)
    limit = LIMITS[network] if limit is None else limit
    if limit <= 0:
        raise ValueError(f"limit must be positive, not {limit}")
    source_url = best_link(story)
    url = add_utm(source_url, network, campaign) if source_url else None
    tags = hashtags(story, rule.max_tags)
    prefix = "Update: " if story.is_update else ""

    def ok(text: str) -> bool:
        return is_valid(text, network, limit)

    body = lead_line(story)
    if thread and rule.threadable:
        body = clean_text(story.summary_text, strip_markup=True) or body
    if not body and not url and not tags:
        raise PostError(f"story {story.id!r} has nothing to post")
    if not body:
        prefix = prefix.rstrip()
    pieces: list[tuple[str, tuple[Span, ...]]] = []
    error: PostError | None = None
    # A shorter link text (Bluesky) is preferred to a lead cut short, and a cut lead to no post.
    attempts = [(link, cut) for cut in (False, True) for link in _link_choices(url, network)]
    for link, cut in attempts:
        try:
            if thread and rule.threadable:
                pieces = _thread(prefix, body, link, tags, ok)
            else:
                pieces = [_single(prefix, body, link, tags, ok, allow_cut=cut)]
            break
        except PostError as exc:
            error = exc
    if not pieces:
        raise PostError(f"{network} post for story {story.id!r}: {error}")
    parts = tuple(text for text, _ in pieces)
    for part in parts:   # the guarantee, checked once more on exactly what is returned
        if not ok(part):
            raise PostError(f"{network} post for story {story.id!r} does not validate")
    payload = None
    if network == "bluesky":
        stamp = created_at or datetime.now(timezone.utc)
        records = [_bluesky_record(text, spans, stamp, language) for text, spans in pieces]
        payload = records[0] if len(records) == 1 else {"thread": records}
    elif network == "linkedin":
        payload = _linkedin_payload(*pieces[0])
    return Post(
        network=network,
        text=THREAD_SEPARATOR.join(parts),
        parts=parts,
        length=max(rule.count(part) for part in parts),
        limit=limit,
        payload=payload,
    )
