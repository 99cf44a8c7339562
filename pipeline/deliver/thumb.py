"""A story's lead image, fetched for a link card that must carry the picture itself: Bluesky's
``app.bsky.embed.external`` takes a thumbnail only as a blob uploaded to the account's PDS
(``com.atproto.repo.uploadBlob``), never as a URL.

The URL comes from a feed, so nobody configured its host: it is fetched the way ingest follows a
feed's redirect (pipeline.ingest.addresses), https only at every hop, to a public address (or
the configured PDS's own, for a PDS on a private network), the connection pinned to the address
checked; the body capped at the thumbnail's size limit and sniffed, so only a picture is
uploaded. Any failure leaves the card without a picture: a post never fails for its image.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from pipeline.errors import FetchError
from pipeline.ingest.addresses import IPAddress, open_connection, origin_addresses, redirect_addresses
from pipeline.ingest.fetch import fetch

log = logging.getLogger(__name__)

# app.bsky.embed.external#external: thumb is a blob of accept "image/*", maxSize 1,000,000 bytes.
THUMB_MAX_BYTES = 1_000_000
# What a picture's first bytes are, by type: the server's Content-Type is not trusted alone.
_MAGIC = (("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"), ("image/gif", b"GIF8"),
          ("image/webp", b"RIFF"))


def sniff(data: bytes) -> str | None:
    """The picture's media type from its first bytes (JPEG, PNG, GIF, WebP); None otherwise."""
    for kind, magic in _MAGIC:
        if data.startswith(magic) and (kind != "image/webp" or data[8:12] == b"WEBP"):
            return kind
    return None


def home_addresses(service: str) -> list[IPAddress]:
    """The configured PDS's addresses: a picture may come from there even when not public."""
    return origin_addresses(urlsplit(service))


def fetch_picture(url: str, *, timeout: float, home: list[IPAddress]) -> tuple[bytes, str] | None:
    """(bytes, media type) of the picture at `url`, or None (logged) when it cannot be had."""
    def opener(parts, t):  # noqa: ANN001 - fetch's Opener
        target = urlunsplit(parts)
        if parts.scheme.lower() != "https":
            raise FetchError(url, f"refused {target}: a picture is fetched over https only")
        pinned = redirect_addresses(url, target, home, proxied=False)   # raises when refused
        return open_connection(parts, t, None, pinned)

    try:
        if urlsplit(url).scheme.lower() != "https":
            raise FetchError(url, "a picture is fetched over https only")
        got = fetch(url, timeout=timeout, max_bytes=THUMB_MAX_BYTES, retries=1, backoff=0.5,
                    opener=opener)
    except (FetchError, ValueError) as exc:
        log.warning("link card without its picture: %s", exc)
        return None
    data = got.content or b""
    kind = sniff(data)
    if kind is None:
        log.warning("link card without its picture: %s is not a JPEG, PNG, GIF or WebP picture "
                    "(Content-Type %s)", url, got.content_type)
        return None
    return data, kind
