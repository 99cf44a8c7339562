"""The render helpers' fast paths (ASCII shortcuts, one regex for the dropped characters,
remembered answers, work shared by a story's posts) give what their character-by-character
definitions give: those definitions are written out here as they stood before the fast paths,
and compared on every code point and on random text."""
from __future__ import annotations

import importlib.util
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from pipeline.render.plain import _BIDI, _DROP, _DROPPED, _MARKUP, clean_text, safe_url
from pipeline.render.posts import NETWORKS, PostError, make_post, make_posts
from pipeline.render.tags import _key
from pipeline.render.text import _chunks, display_width, wrap_text

ALL = [chr(c) for c in range(0x110000)]


def reference_clean_text(text, *, strip_markup=False):
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if strip_markup:
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


def reference_safe_url(url):
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn") for ch in url):
        return None
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


def reference_width(text):
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def test_clean_text_drops_what_it_dropped_on_every_code_point():
    # The one regex holds exactly the characters the loop of reference_clean_text skips.
    skipped = {ch for ch in ALL if ch in _BIDI or ch in _DROP or unicodedata.category(ch) == "Cs"
               or (unicodedata.category(ch) == "Cc" and not ch.isspace())}
    assert {ch for ch in ALL if _DROPPED.match(ch)} == skipped
    text = "".join(ch + "x" for ch in ALL[:0x3000])
    assert clean_text(text) == reference_clean_text(text)


def test_outlet_keys_keep_what_isalnum_keeps_on_every_code_point():
    text = "".join(ALL)
    assert _key(text) == "".join(ch for ch in text.casefold() if ch.isalnum())


def test_display_width_counts_every_code_point_as_before():
    assert [display_width(ch) for ch in ALL] == [reference_width(ch) for ch in ALL]


def test_safe_url_refuses_what_it_refused_on_the_first_code_points():
    # The ASCII shortcut is the new part (beyond ASCII the check is the loop it always was).
    for where in ("https://example.org/a{}b", "{}https://example.org/", "https://exa{}mple.org/"):
        for ch in ALL[:0x3000]:
            url = where.format(ch)
            assert safe_url(url) == reference_safe_url(url), url


def test_a_remembered_url_keeps_its_type():
    # The cache is keyed by the string alone: a str subclass is checked afresh, never given
    # the plain str remembered for an equal string (or the other way round).
    plain = safe_url(" https://example.org/m ")
    marked = safe_url(Markup(" https://example.org/m "))
    assert plain == marked == "https://example.org/m"
    assert type(plain) is str and type(marked) is Markup
    assert type(safe_url("https://example.org/m")) is str


mixed = st.text(st.one_of(st.characters(), st.sampled_from(list("ab <>/:.\t\n\u00e9\u0301\u6771\u202e\ufeff"))),
                max_size=80)


@settings(max_examples=300, deadline=None)
@given(text=mixed, strip=st.booleans())
def test_clean_text_as_before_on_random_text(text, strip):
    assert clean_text(text, strip_markup=strip) == reference_clean_text(text, strip_markup=strip)


@settings(max_examples=300, deadline=None)
@given(rest=mixed, scheme=st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", " http://", ""]))
def test_safe_url_as_before_on_random_text(rest, scheme):
    url = scheme + "example.org/" + rest
    assert safe_url(url) == reference_safe_url(url)
    assert safe_url(url) == reference_safe_url(url)   # and once more, from the cache


def reference_chunks(word, room):
    out, cur = [], ""
    for ch in word:
        if cur and reference_width(cur + ch) > room and not unicodedata.combining(ch):
            out.append(cur)
            cur = ""
        cur += ch
    return out + ([cur] if cur else [])


@settings(max_examples=300, deadline=None)
@given(text=mixed, room=st.integers(1, 30))
def test_width_and_chunks_as_before_on_random_text(text, room):
    assert display_width(text) == reference_width(text)
    assert _chunks(text, room) == reference_chunks(text, room)


def reference_wrap(text, width=78, initial="", subsequent=""):
    # wrap_text's loop alone, without its shortcuts for a text that fits and a lone URL.
    lines, line, has_words = [], initial, False

    def flush():
        nonlocal line, has_words
        lines.append(line.rstrip())
        line, has_words = subsequent, False

    for token in reference_clean_text(str(text)).split(" "):
        if not token:
            continue
        if "://" in token:
            if has_words or line.strip() not in ("", "-"):
                flush()
            line += token
            has_words = True
            flush()
            continue
        candidate = line + (" " if has_words else "") + token
        if reference_width(candidate) <= width:
            line, has_words = candidate, True
            continue
        if has_words:
            flush()
        room = max(width - reference_width(line), 1)
        pieces = reference_chunks(token, room) if reference_width(token) > room else [token]
        for piece in pieces[:-1]:
            line += piece
            has_words = True
            flush()
        line += pieces[-1]
        has_words = True
    if has_words or not lines:
        lines.append(line.rstrip())
    return "\n".join(lines)


words = st.lists(st.one_of(mixed, st.sampled_from(["https://example.org/a", "x://y", "\u6771\u4eac" * 9, " "])),
                 max_size=12)


@settings(max_examples=500, deadline=None)
@given(parts=words, width=st.sampled_from([1, 5, 20, 78]),
       initial=st.sampled_from(["", " ", "  - ", "-", "12. Update: ", "   ", "x" * 90]),
       subsequent=st.sampled_from(["", "    "]))
def test_wrap_text_as_before_on_random_text(parts, width, initial, subsequent):
    text = " ".join(parts)
    assert wrap_text(text, width, initial, subsequent) == reference_wrap(text, width, initial, subsequent)


def test_a_remembered_wrap_is_never_given_for_a_markup_prefix():
    # Markup + str escapes the str: a Markup prefix must not get the answer of an equal str.
    assert wrap_text("a < b", 78, "- ") == "- a < b"
    assert wrap_text("a < b", 78, Markup("- ")) == "- a &lt; b"
    assert wrap_text("a < b", 78, "- ") == "- a < b"


def test_posts_made_together_are_the_posts_made_one_by_one():
    # make_posts finds a story's link and outlets once for all networks.
    spec = importlib.util.spec_from_file_location(
        "render_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    when = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for story in fixtures.STORIES:
        for thread in (False, True):
            try:
                alone = tuple(make_post(story, n, campaign="c", thread=thread, created_at=when)
                              for n in NETWORKS)
            except PostError:
                continue
            assert make_posts(story, NETWORKS, campaign="c", thread=thread, created_at=when) == alone
