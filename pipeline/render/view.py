"""What the digest's templates (the e-mail, its text part, the web edition) see of a story: text
cleaned, links only where a URL is safe, the lead image sized for its place, the sources as one
line of outlets, and the footer. Pure functions of the stories and the options.
"""
from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pipeline.model import Image, SourceRef, Story
from pipeline.render.options import DigestOptions, format_when
from pipeline.render.plain import clean_text, safe_image_url, safe_url
from pipeline.render.posts import best_link
from pipeline.stories.representative import aggregated
from pipeline.stories.sentences import norm_words

# The picture's width in the e-mail: the 600 px column less the card's 20 px padding each side.
# On a narrower screen it shrinks with the card (width:100%, height:auto).
IMAGE_WIDTH = 560
# A portrait picture is shown narrower rather than taller than this, so one story does not fill
# a phone's screen with its picture.
IMAGE_MAX_HEIGHT = 420
# When the source gives no size, the picture is shown IMAGE_WIDTH wide in a 16:9 frame (the shape
# of nearly every news lead picture: og:image and media:content renditions), cropped to it
# (object-fit: cover), so the text below never moves when the picture arrives. A client that
# ignores aspect-ratio (Gmail) lays it out at its natural height once it has it.
FALLBACK_RATIO = (16, 9)
# Outlets named in the sources line before "and N more"; a story of one more outlet than this
# names that one too ("A, B, C and 1 more" says less than "A, B, C, D").
SHOWN_OUTLETS = 3


_ANGLES = re.compile(r"[<>]")
# A credit that already says what it is ("Photo: ...", "© ...") is shown as it is; any other is
# "Image: <credit>".
_LABELLED = re.compile(r"(?i)(?:photo|image|picture|illustration|graphic|credit|foto|bild)\b|©|\(c\)")


def _host(url: str | None) -> str | None:
    return urlsplit(url).hostname if url else None


def image_view(image: Image | None, headline: str, link: str | None) -> dict[str, Any] | None:
    """The picture as the templates place it: https URL, alt text (the feed's, else the
    headline), credit, the display size and the style that keeps its box fixed before it loads."""
    url = safe_image_url(image.url) if image else None
    if image is None or url is None:
        return None
    # An attribute's text: no markup, and no angle bracket at all. css_inline writes attribute
    # values with a bare "<", which an old client's or a filter's tag search may take for a tag.
    alt = _ANGLES.sub("", clean_text(image.alt, strip_markup=True) or clean_text(headline, strip_markup=True))
    alt = " ".join(alt.split()) or "picture"
    if image.width and image.height:
        width = min(IMAGE_WIDTH, image.width, round(IMAGE_MAX_HEIGHT * image.width / image.height))
        height = max(1, round(width * image.height / image.width))
        ratio = f"{image.width}/{image.height}"
    else:
        width, height = IMAGE_WIDTH, round(IMAGE_WIDTH * FALLBACK_RATIO[1] / FALLBACK_RATIO[0])
        ratio = f"{FALLBACK_RATIO[0]}/{FALLBACK_RATIO[1]}"
    credit = clean_text(image.credit, strip_markup=True)
    if credit and not _LABELLED.match(credit):
        credit = f"Image: {credit}"
    return {"url": url, "alt": alt, "credit": credit,
            "width": width, "height": height, "ratio": ratio,
            "known": bool(image.width and image.height), "link": link}


def _outlet_of(ref: SourceRef) -> str | None:
    return clean_text(ref.outlet) or _host(safe_url(ref.url))


def _outlet_key(name: str, ref: SourceRef) -> str:
    """One outlet however its feeds name it: by the host of its link when that is the
    publisher's own ("CNA", "CNA Business" and "channelnewsasia.com" all link
    channelnewsasia.com), else by its name, a domain's "www." off ("Bloomberg.com" through Google
    News is bloomberg.com, as Bloomberg's own links are)."""
    host = _host(safe_url(ref.url))
    if host and not aggregated(ref.url, ref.outlet):
        return host.casefold().removeprefix("www.")
    folded = name.casefold()
    return folded.removeprefix("www.") if "." in folded and " " not in folded else folded


def _better_name(name: str, shown: str) -> bool:
    """An outlet's name over a domain ("Reuters" over "reuters.com"), then the shorter ("CNA"
    over "CNA Business")."""
    def rank(n: str) -> tuple[bool, int]:
        return ("." in n and " " not in n, len(n))
    return rank(name) < rank(shown)


def outlets_line(sources: Sequence[SourceRef]) -> tuple[list[dict[str, Any]], int]:
    """The outlets of a story, each once (its earliest article with a usable link), in source
    order, those with a link first: (the ones named, how many more). One outlet is one site
    however its feeds name it (_outlet_key). A source with neither an outlet nor a link is named
    by its title."""
    seen: dict[str, dict[str, Any]] = {}
    for ref in sources:
        # An article file names no outlet and has no link: its title stands for it.
        name = _outlet_of(ref) or clean_text(ref.title)
        if not name:
            continue
        entry = seen.setdefault(_outlet_key(name, ref), {"name": name, "url": None})
        entry["url"] = entry["url"] or safe_url(ref.url)
        if _better_name(name, entry["name"]):
            entry["name"] = name
    # Two keys that came to show one name are one outlet too ("Reuters" linking reuters.com and
    # "Reuters" through Google News).
    named: dict[str, dict[str, Any]] = {}
    for entry in seen.values():
        kept = named.setdefault(entry["name"].casefold(), entry)
        kept["url"] = kept["url"] or entry["url"]
    # Those a reader can follow are named first (stable: source order among them).
    outlets = sorted(named.values(), key=lambda o: o["url"] is None)
    shown = outlets if len(outlets) <= SHOWN_OUTLETS + 1 else outlets[:SHOWN_OUTLETS]
    return shown, len(outlets) - len(shown)


def source_list(sources: Sequence[SourceRef]) -> list[SourceRef]:
    """The story's sources as a reader counts them: one entry per article however many feeds
    carried it. Two entries with one title are one article when they are one outlet (one
    _outlet_key or one name: "CNA" and "CNA Business" linking one page, "Reuters" and
    "reuters.com", "Reuters" through Google News) or one of them is a pool passing the other's
    on; the publisher's own link is kept, in the place of the first. Different outlets stay
    apart, one title or not (CNA republishing Reuters)."""
    kept: list[tuple[SourceRef, str, str, bool]] = []       # (ref, outlet key, name, a pool's)
    by_title: dict[str, list[int]] = {}
    for ref in sources:
        name = _outlet_of(ref) or clean_text(ref.title) or ""
        mine = (ref, _outlet_key(name, ref), name.casefold(), aggregated(None, ref.outlet))
        title = norm_words(clean_text(ref.title))
        same = next((i for i in by_title.get(title, ()) if title and (
            kept[i][1] == mine[1] or kept[i][2] == mine[2] or kept[i][3] or mine[3])), None)
        if same is None:
            by_title.setdefault(title, []).append(len(kept))
            kept.append(mine)
        elif aggregated(kept[same][0].url) and not aggregated(ref.url) and not mine[3]:
            kept[same] = mine       # the publisher's own page over a copy passed on
    return [k[0] for k in kept]


def outlets_text(outlets: Sequence[dict[str, Any]], more: int) -> str:
    """"Reuters, Bloomberg, CNA and 9 more"; "Reuters and CNA"."""
    names = [o["name"] for o in outlets]
    if more:
        return ", ".join(names) + f" and {more} more"
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _read_at(story: Story, link: str | None) -> dict[str, str] | None:
    if not link:
        return None
    ref = next((r for r in story.sources if safe_url(r.url) == link), None)
    return {"url": link, "outlet": (_outlet_of(ref) if ref else None) or _host(link) or "the source"}


def anchor(story_id: str) -> str:
    """The story's fragment in the web edition (#story-...; its sources: #sources-...)."""
    return re.sub(r"[^A-Za-z0-9_-]", "", story_id)[:64] or "story"


def story_view(story: Story, zone: ZoneInfo) -> dict[str, Any]:
    """What the templates see of one story: cleaned text, safe links only, dates as shown."""
    sources = []
    for ref in source_list(story.sources):
        url = safe_url(ref.url)
        outlet, title = clean_text(ref.outlet) or _host(url), clean_text(ref.title)
        # "Outlet — title": entries that can be told apart, and who said what.
        label = f"{outlet} \u2014 {title}" if outlet and title else (outlet or title or "source")
        sources.append({"label": label, "url": url, "title": title, "outlet": outlet,
                        "date_text": format_when(ref.published, zone)})
    shown = story.last_updated or story.first_seen or max(
        (r.published for r in story.sources if r.published), default=None)
    headline = clean_text(story.headline) or "(untitled)"
    link = best_link(story)
    outlets, more = outlets_line(story.sources)
    return {
        "id": story.id,
        "anchor": anchor(story.id),
        "headline": headline,
        "summary": clean_text(story.summary_text),
        "key_facts": [t for t in (clean_text(f) for f in story.key_facts) if t],
        "disputed": [t for t in (clean_text(f) for f in story.disputed) if t],
        "sources": sources,
        "outlets": outlets,
        "more_outlets": more,
        "outlets_text": outlets_text(outlets, more),
        "outlet_count": len(outlets) + more,
        "date_text": format_when(shown, zone),
        "is_update": story.is_update,
        "whats_new": [t for t in (clean_text(w) for w in story.whats_new) if t]
        if story.is_update else [],
        "link": link,
        "read_at": _read_at(story, link),
        "image": image_view(story.image, headline, link),
    }


def _sender(options: DigestOptions) -> str:
    name, addr = parseaddr(options.from_addr)
    return clean_text(name) or clean_text(options.title) or addr


def footer_view(options: DigestOptions, title: str) -> dict[str, Any]:
    """Who sends the digest and from where, why the reader gets it, and the links out of it."""
    address = [line for line in (clean_text(x) for x in (options.postal_address or "").splitlines()) if line]
    reminder = (clean_text(options.permission_reminder) if options.permission_reminder is not None
                else f"You are receiving this because you subscribed to {title}.")
    return {"sender": _sender(options), "postal_address": address, "permission_reminder": reminder}
