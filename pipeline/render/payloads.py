"""The records a network needs beside a post's text: Bluesky's app.bsky.feed.post (facets for
links and tags, byte-indexed) and LinkedIn's post body in its "little" text format; for posts
composed here (their spans are known) and for posts written by hand (payload_for_text).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

import regex

from pipeline.render.plain import safe_url
from pipeline.render.rules import THREAD_SEPARATOR, extract_urls_with_indices

Span = tuple[int, int, str, str]      # (start, end, "link" | "tag", value) in code points
Link = tuple[str, str]                # (text shown, URL it points to)

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
