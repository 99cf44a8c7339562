"""A feed item's lead image: the first usable one of media:content, media:thumbnail, an image
enclosure, the item's own image (itunes:image, JSON Feed `image` / `banner_image`) and the first
<img> of its content, in that order (an editor's choice of picture comes before one that happens
to stand in the text).

Only https URLs are kept: the e-mail's reader fetches the picture from its own host, and an
http: picture is refused or flagged by mail clients as insecure content, while a data: one is
dropped by Gmail and makes the message heavy. The width and height are kept when the feed
states them, the credit when it gives one (media:credit), and the alt text of an <img>; the
headline stands in for a missing alt when the digest is rendered.
"""
from __future__ import annotations

import html
import re
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

from pipeline.ingest.normalize import clean_inline
from pipeline.model import Image

# A declared side smaller than this is not a lead picture: tracking pixels (1x1), icons, share
# buttons and emoji images (72x72 at most in WordPress feeds) are all well under it, while the
# smallest thumbnails feeds offer as a story's picture (BBC's media:thumbnail, 240x135) are over.
MIN_SIDE = 100
# Longer alt or credit text is a caption pasted into the wrong field: cut at a word.
ALT_MAX, CREDIT_MAX = 300, 120
# Characters never seen in a URL a feed means as a picture (they end or break an attribute).
_REFUSED = re.compile(r'[\x00-\x20\x7f<>"\'\\`]')
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_IMAGE_PATH = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)


def https_url(url: Any, base: str | None = None) -> str | None:
    """`url` (resolved against `base` when relative) when it is an https URL with a host and
    nothing that could end an attribute; else None (http:, data:, javascript:, broken)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or url.lower().startswith("data:"):
        return None
    if base and not urlsplit(url).scheme:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    if _REFUSED.search(url) or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() != "https" or not parts.hostname:
            return None
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    return url


def _side(value: Any) -> int | None:
    """A declared width or height in pixels ("640", "640px", 640); None when not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d{1,5}\s*(?:px)?\s*", value):
        n = int(re.sub(r"\D", "", value))
    else:
        return None
    return n if 0 < n <= 20000 else None


def _short(text: Any, limit: int) -> str | None:
    text = clean_inline(text) if isinstance(text, str) else ""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "\u2026"
    return text or None


def make_image(url: Any, *, base: str | None = None, alt: Any = None, credit: Any = None,
               width: Any = None, height: Any = None) -> Image | None:
    """An Image when `url` is usable and not declared too small for a lead picture."""
    url = https_url(url, base)
    if url is None:
        return None
    w, h = _side(width), _side(height)
    if (w is not None and w < MIN_SIDE) or (h is not None and h < MIN_SIDE):
        return None
    if (w is None) != (h is None):       # one side alone gives no shape: keep neither
        w = h = None
    return Image(url, _short(alt, ALT_MAX), _short(credit, CREDIT_MAX), w, h)


def _credit(entry: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> str | None:
    for source in (item or {}, entry):
        credits = source.get("media_credit")
        if isinstance(credits, list):
            for c in credits:
                if isinstance(c, Mapping) and isinstance(c.get("content"), str) and c["content"].strip():
                    return c["content"]
    return None


def _is_picture(m: Mapping[str, Any]) -> bool:
    kind = str(m.get("type") or "").lower()
    medium = str(m.get("medium") or "").lower()
    if medium:
        return medium == "image"
    if kind:
        return kind.startswith("image/")
    return bool(_IMAGE_PATH.search(urlsplit(str(m.get("url") or "")).path or ""))


def first_img(markup: str | None, base: str | None = None) -> Image | None:
    """The first usable <img> of a piece of HTML (its src, or data-src where src is a lazy-load
    placeholder), with its alt text and declared size."""
    if not markup or "<img" not in markup.lower():
        return None
    for tag in _IMG.finditer(markup[:200_000]):
        attrs = {k.lower(): html.unescape(v.strip("\"'")) for k, v in _ATTR.findall(tag.group(0))}
        for key in ("src", "data-src"):
            found = make_image(attrs.get(key), base=base, alt=attrs.get("alt"),
                               width=attrs.get("width"), height=attrs.get("height"))
            if found is not None:
                return found
    return None


def image_of_entry(entry: Mapping[str, Any], link: str | None) -> Image | None:
    """The lead image of a feedparser entry; `link` resolves a relative <img> in its content."""
    credit = _credit(entry)
    candidates: list[Image | None] = []
    media = [m for m in entry.get("media_content") or [] if isinstance(m, Mapping) and _is_picture(m)]
    # The largest stated picture first: feeds list renditions smallest first as often as not.
    media.sort(key=lambda m: -((_side(m.get("width")) or 0) * (_side(m.get("height")) or 0)))
    candidates += [make_image(m.get("url"), credit=credit, width=m.get("width"), height=m.get("height"))
                   for m in media]
    candidates += [make_image(m.get("url"), credit=credit, width=m.get("width"), height=m.get("height"))
                   for m in entry.get("media_thumbnail") or [] if isinstance(m, Mapping)]
    candidates += [make_image(e.get("href"), credit=credit) for e in entry.get("enclosures") or []
                   if isinstance(e, Mapping) and str(e.get("type", "")).lower().startswith("image/")]
    own = entry.get("image")
    if isinstance(own, Mapping):
        candidates.append(make_image(own.get("href"), credit=credit))
    for c in candidates:
        if c is not None:
            return c
    for part in [*(entry.get("content") or []), {"value": entry.get("summary")}]:
        found = first_img(part.get("value") if isinstance(part, Mapping) else None, link)
        if found is not None:
            return found
    return None


def image_of_json_item(item: Mapping[str, Any], link: str | None) -> Image | None:
    """JSON Feed 1.1: `image`, then `banner_image`, then the first <img> of `content_html`."""
    for key in ("image", "banner_image"):
        found = make_image(item.get(key), base=link)
        if found is not None:
            return found
    content = item.get("content_html")
    return first_img(content if isinstance(content, str) else None, link)
