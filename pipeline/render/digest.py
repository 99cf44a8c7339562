"""Render merged stories: the email digest (HTML, plain text, .eml) and one folder of posts per story.

Pure functions of their inputs. Templates come from templates/ in the repository (or the
installed package); a user's own template folder overrides them file by file.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import css_inline
import jinja2
from slugify import slugify

from pipeline.render.options import DigestOptions, format_day
from pipeline.render.templates import template_dirs
from pipeline.render.text import TEXT_WIDTH, overlong_lines, wrap_text
from pipeline.model import Draft, Story
from pipeline.render.plain import clean_text, safe_url
from pipeline.render.posts import NETWORKS, make_posts
from pipeline.render.view import footer_view, story_view

log = logging.getLogger(__name__)

DEFAULT_NETWORKS: tuple[str, ...] = NETWORKS
SLUG_WORDS_MAX = 60                # characters of headline kept in a story folder name
PREHEADER_PAD = "\u034f\u200c\u00a0" * 60   # keeps clients from pulling body text into the preview

# Colours of the digest, light and dark. tests/test_render.py checks every pair in CONTRAST_PAIRS
# reaches WCAG AA (4.5:1) and that the rendered HTML uses no colour outside this table.
PALETTE: dict[str, dict[str, str]] = {
    "light": {"page": "#eef1f5", "card": "#ffffff", "text": "#1b1f24", "muted": "#4f5864",
              "link": "#0b57d0", "badge_bg": "#fde7d4", "badge_text": "#7a2e00"},
    "dark": {"page": "#0d1117", "card": "#161b22", "text": "#e6edf3", "muted": "#a3adb8",
             "link": "#8cc4ff", "badge_bg": "#4a2a12", "badge_text": "#ffd8b5"},
}
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "card"), ("muted", "card"), ("link", "card"), ("badge_text", "badge_bg"),
    ("text", "page"), ("muted", "page"), ("link", "page"),
)


# --- templates ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def environment(user_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(user_dir)]),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = wrap_text
    return env


# --- what the templates see -------------------------------------------------------------

def _context(stories: Sequence[Story], options: DigestOptions) -> dict[str, Any]:
    views = [story_view(s, options.zone) for s in stories]
    preheader = clean_text(options.preheader) if options.preheader else ""
    if not preheader and views:
        preheader = "; ".join(v["headline"] for v in views[:2])
    title = clean_text(options.title) or "Newsdesk digest"
    site_url = safe_url(options.site_url)
    return {
        "title": title,
        "date_text": format_day(options.date),
        "date_iso": options.date.isoformat(),
        "language": options.language,
        "preheader": preheader,
        "preheader_pad": PREHEADER_PAD,
        "stories": views,
        "unsubscribe_url": safe_url(options.unsubscribe_url),
        "site_url": site_url,
        "web_url": safe_url(options.web_url) if site_url else None,   # "View in your browser"
        "footer": footer_view(options, title),
        "palette": PALETTE,
    }


# --- the digest and the posts ---------------------------------------------------------------

_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE)


def render_html(stories: Sequence[Story], options: DigestOptions) -> str:
    return _html(_context(stories, options), options)


def _html(context: dict[str, Any], options: DigestOptions) -> str:
    html = environment(options.template_dir).get_template("digest.html").render(context)
    # Before inlining, every "<" from feed text is still escaped, so "<img" can only be a tag of
    # the template; after it, css_inline writes attribute values with a bare "<".
    if _IMG_WITHOUT_ALT.search(html):
        log.warning("template %s has <img> without alt; adding alt=\"\"", "digest.html")
        html = _IMG_WITHOUT_ALT.sub('<img alt=""', html)
    # Inline for clients that drop <style>; keep the block so the dark-mode @media rules survive.
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False).inline(html)


def render_text(stories: Sequence[Story], options: DigestOptions) -> str:
    return _text(_context(stories, options), options)


def _text(context: dict[str, Any], options: DigestOptions) -> str:
    text = environment(options.template_dir).get_template("digest.txt").render(context)
    for line in overlong_lines(text):
        log.warning("digest.txt line wider than %d columns: %.40r", TEXT_WIDTH, line)
    return text


def render_web(stories: Sequence[Story], options: DigestOptions) -> str:
    return _web(_context(stories, options), options)


def _web(context: dict[str, Any], options: DigestOptions) -> str:
    """The web edition: the e-mail's stories as a page of the archive, every source listed."""
    return environment(options.template_dir).get_template("web.html").render(context)


EMAIL_HTML, EMAIL_TEXT, WEB_EDITION = "digest.html", "digest.txt", "web.html"


def render_digest(stories: Sequence[Story], options: DigestOptions) -> tuple[Draft]:
    """The e-mail as one draft for review: digest.html with digest.txt beside it (its plain-text
    part) and web.html (its web edition, which `deliver` and `publish` copy into the archive),
    approved once. `newsdesk deliver` builds the message from them when it sends
    (pipeline.render.mail.build_message); ids are the outbox's to assign."""
    # One view of the stories for every template (templates only read it).
    context = _context(stories, options)
    html, text, web = _html(context, options), _text(context, options), _web(context, options)
    return (Draft(id="", channel="email", path=EMAIL_HTML, content=html,
                  extra=((EMAIL_TEXT, text), (WEB_EDITION, web))),)


_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{p}{i}" for p in ("com", "lpt") for i in range(10)])


def story_slug(story: Story) -> str:
    """A folder name from the headline plus a short hash of the id: safe and unique per story."""
    digest = hashlib.sha256(story.id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    words = slugify(clean_text(story.headline), max_length=SLUG_WORDS_MAX, word_boundary=True,
                    save_order=True)
    words = re.sub(r"[^a-z0-9-]+", "", words).strip("-")   # belt and braces for odd input
    if not words or words in _RESERVED_NAMES:
        words = "story"
    return f"{words}-{digest}"


def _created_at(options: DigestOptions) -> datetime:
    # Deterministic, so a repeated run writes the same payload; the deliverer stamps the real time.
    return datetime.combine(options.date, time(0, 0), options.zone).astimezone(timezone.utc)


def render_posts(story: Story, options: DigestOptions, networks: Iterable[str] = DEFAULT_NETWORKS,
                 *, limits: Mapping[str, int] | None = None, thread: bool = False
                 ) -> tuple[Draft, ...]:
    """posts/<story-slug>/<network>.txt for each network (+ <network>.json where one is needed)."""
    slug = story_slug(story)
    drafts = []
    networks = tuple(networks)
    posts = make_posts(story, networks, campaign=options.date.isoformat(), limits=limits,
                       thread=thread, created_at=_created_at(options), language=options.language)
    for network, post in zip(networks, posts):
        folder = f"posts/{slug}"
        extra: tuple[tuple[str, str], ...] = ()
        if post.payload is not None:
            body = json.dumps(post.payload, ensure_ascii=False, indent=2) + "\n"
            extra = ((f"{folder}/{network}.json", body),)
        drafts.append(Draft(id="", channel=network, path=f"{folder}/{network}.txt",
                            content=post.text + "\n", story_id=story.id, extra=extra))
    return tuple(drafts)
