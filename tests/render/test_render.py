"""The digest from a fixed set of stories: golden files for HTML and text, the message built from
them (as deliver builds it) parsed back,
size for 20 stories, contrast of the colours used, and what a reader must see per story."""
import email
import email.policy
import importlib.util
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest

from golden_files import check
from rendered import rendered_email
from pipeline.render.digest import (CONTRAST_PAIRS, PALETTE as COLORS, DigestOptions, render_digest, render_posts,
                             story_slug)

spec = importlib.util.spec_from_file_location("render_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)
STORIES = fixtures.STORIES
OPTIONS = DigestOptions(date=fixtures.DIGEST_DATE, title="Morning digest", from_addr="Desk <desk@example.org>",
                        to_addrs=("readers@example.org",), unsubscribe_url="https://example.org/unsub?u=1",
                        timezone="Europe/Berlin")


@pytest.fixture(scope="module")
def digest():
    html, text, eml = rendered_email(STORIES, OPTIONS)
    return html.content, text.content, eml.content


def test_html_matches_golden(digest):
    check("digest.html", digest[0])


def test_text_matches_golden(digest):
    check("digest.txt", digest[1])


def test_eml_matches_golden(digest):
    check("digest.eml", digest[2])


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon", "threads", "linkedin"])
def test_posts_match_golden(network):
    out = []
    for story in STORIES:
        for draft in render_posts(story, OPTIONS, (network,)):
            out.append(f"== {draft.path}\n{draft.content}")
            for path, body in draft.extra:
                out.append(f"== {path}\n{body}")
    check(f"posts-{network}.txt", "".join(out))


def test_eml_parses_back(digest):
    msg = email.message_from_string(digest[2], policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert msg["Subject"].startswith("Morning digest")
    assert msg["From"] == "Desk <desk@example.org>" and msg["To"] == "readers@example.org"
    assert msg["Date"] and msg["Message-ID"].startswith("<digest-20240501-")
    assert msg["List-Unsubscribe"] == "<https://example.org/unsub?u=1>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == digest[1]
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n") == digest[0].rstrip("\n")


def test_no_unsubscribe_headers_without_a_url():
    eml = rendered_email(STORIES[:1], replace(OPTIONS, unsubscribe_url=None))[2].content
    msg = email.message_from_string(eml, policy=email.policy.default)
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None


def test_html_structure(digest):
    doc = lxml.html.document_fromstring(digest[0])
    assert doc.get("lang") == "en"
    assert doc.find(".//style") is not None and "prefers-color-scheme: dark" in doc.find(".//style").text
    hidden = [d for d in doc.iter("div") if "display:none" in (d.get("style") or "").replace(" ", "")]
    assert hidden and hidden[0].text_content().strip(), "hidden preheader"
    assert all(img.get("alt") is not None for img in doc.iter("img"))
    wrap = next(t for t in doc.iter("table") if "wrap" in (t.get("class") or ""))
    assert "max-width:600px" in wrap.get("style", "").replace(" ", "") and wrap.get("width") == "100%"
    assert any("unsub" in (a.get("href") or "") for a in doc.iter("a"))
    for a in doc.iter("a"):
        assert (a.get("href") or "").startswith(("https://", "http://", "mailto:"))


def test_each_story_shows_headline_summary_facts_and_every_outlet(digest):
    html, text = digest[0], digest[1]
    story = STORIES[0]
    doc = lxml.html.document_fromstring(html)
    page_text = doc.text_content()
    assert story.headline in page_text and story.headline in text
    assert story.summary[0][0] in " ".join(page_text.split())
    for fact in story.key_facts:
        assert fact in page_text
    # One line of outlets, each linked once (every source is on the web edition: test_newsletter).
    assert f"Sources: {', '.join(story.outlets[:-1])} and {story.outlets[-1]}" in " ".join(page_text.split())
    hrefs = [a.get("href") for a in doc.iter("a")]
    for src in story.sources:
        assert sum(h.startswith(src.url.split("?")[0]) for h in hrefs if h) >= 1, src.url


def test_update_is_marked():
    upd = replace(STORIES[0], is_update=True, whats_new=("new coverage: Metro Times",))
    html, text, _ = rendered_email([upd], OPTIONS)
    assert "Update" in lxml.html.document_fromstring(html.content).text_content()
    assert "Update" in text.content


def test_text_is_wrapped_within_78_columns(digest):
    # A URL is never broken, so a line may be longer only when it ends in one unbreakable word.
    for line in digest[1].splitlines():
        assert len(line) <= 78 or len(line.split()[-1]) > 60, line


def test_twenty_stories_stay_under_gmail_clipping():
    html = render_digest(fixtures.many_stories(20), OPTIONS)[0].content
    assert len(html.encode("utf-8")) < 100 * 1024


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("fg,bg", CONTRAST_PAIRS)
def test_wcag_aa_contrast(scheme, fg, bg):
    a, b = sorted((_luminance(COLORS[scheme][fg]), _luminance(COLORS[scheme][bg])), reverse=True)
    assert (a + 0.05) / (b + 0.05) >= 4.5


def test_the_digest_uses_only_the_checked_colours(digest):
    import re
    used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", digest[0])}
    checked = {c.lower() for scheme in COLORS.values() for c in scheme.values()}
    assert used and used <= checked


@pytest.mark.parametrize("headline", ["../../etc/passwd", "CON", "a/b\\c", "\x00\x00", "", "...", "NUL.txt",
                                      "日本語の見出し", "x" * 500])
def test_story_slug_is_a_safe_folder_name(headline):
    slug = story_slug(replace(STORIES[0], headline=headline))
    assert slug and "/" not in slug and "\\" not in slug and ".." not in slug and "\x00" not in slug
    assert len(slug) <= 80 and slug.split(".")[0].lower() not in ("con", "nul", "aux", "prn")


def test_a_users_template_folder_overrides_per_file(tmp_path):
    (tmp_path / "digest.txt").write_text("MY DIGEST {{ stories|length }}\n")
    html, text, _ = rendered_email(STORIES[:2], replace(OPTIONS, template_dir=tmp_path))
    assert text.content == "MY DIGEST 2\n"
    assert "<html" in html.content  # digest.html falls back to the packaged template


# --- properties: nothing from a story becomes markup; the text stays within 78 columns ----------

from datetime import datetime, timezone  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.model import Member, SourceRef, Story  # noqa: E402
from pipeline.render.digest import render_html, render_text  # noqa: E402
from pipeline.render.posts import clean_text  # noqa: E402
from pipeline.render.text import display_width, overlong_lines, wrap_text  # noqa: E402

HOSTILE_URLS = ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
                "vbscript:msgbox", "//evil.example/x", "/relative", "https://ok.example/a?b=\"><script>x</script>",
                "https://ok.example/a b", "http://ok.example/\u202eevil", "mailto:a@b.example", "https://ok.example/fine")
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
hostile_text = st.one_of(any_text, st.sampled_from(
    ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "<a href='javascript:x'>x</a>",
     "&lt;script&gt;", "]]><!--", "<style>body{display:none}</style>", "\u202e\u2066RTL\u2069", "' onmouseover='x"]))


@st.composite
def hostile_story(draw) -> Story:
    n = draw(st.integers(min_value=1, max_value=4))
    refs = tuple(SourceRef(draw(st.one_of(st.none(), hostile_text)), draw(st.one_of(st.none(), st.sampled_from(HOSTILE_URLS), any_text)),
                           draw(hostile_text), datetime(2024, 4, 30, 12, tzinfo=timezone.utc), f"a{i}")
                 for i in range(n))
    return Story(id=draw(any_text), headline=draw(hostile_text),
                 summary=tuple((draw(hostile_text), f"a{i}") for i in range(draw(st.integers(0, 3)))),
                 sources=refs, members=tuple(Member(r.article_id, "seed") for r in refs),
                 key_facts=tuple(draw(st.lists(hostile_text, max_size=3))),
                 disputed=tuple(draw(st.lists(hostile_text, max_size=2))),
                 is_update=draw(st.booleans()), whats_new=tuple(draw(st.lists(hostile_text, max_size=2))))


ACTIVE_TAGS = {"script", "iframe", "object", "embed", "form", "input", "img", "svg", "math", "base", "link"}


def assert_no_active_markup(page: str) -> None:
    doc = lxml.html.document_fromstring(page)
    tags = {el.tag for el in doc.iter() if isinstance(el.tag, str)}
    assert not tags & ACTIVE_TAGS, tags
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name, value)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert value.startswith(("https://", "http://")), (el.tag, name, value)
    assert len(doc.findall(".//style")) == 1 and len(doc.findall(".//body")) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories=st.lists(hostile_story(), min_size=1, max_size=3), title=hostile_text,
       preheader=st.one_of(st.none(), hostile_text), unsubscribe=st.sampled_from(HOSTILE_URLS))
def test_no_story_text_or_link_becomes_markup(stories, title, preheader, unsubscribe):
    options = replace(OPTIONS, title=title, preheader=preheader, unsubscribe_url=unsubscribe)
    page = render_html(stories, options)
    assert_no_active_markup(page)
    text = render_text(stories, options)
    assert overlong_lines(text) == [], overlong_lines(text)


def test_the_markup_check_sees_what_it_must():
    # The property above is only as good as this check: it must fail on the real thing.
    for bad in ('<p onclick="x">a</p>', '<a href="javascript:x">a</a>', "<script>x</script>", '<img src="https://a/">'):
        with pytest.raises(AssertionError):
            assert_no_active_markup(f"<html><head><style></style></head><body>{bad}</body></html>")


url_st = st.sampled_from(["https://example.com/" + "a" * 90, "http://x.example/?q=1&r=2", "https://t.example/\u6771\u4eac"])
wrap_words = st.lists(st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=100),
                                url_st), max_size=60)


@settings(max_examples=150, deadline=None)
@given(words=wrap_words, initial=st.sampled_from(["", "  - ", "12. Update: "]), subsequent=st.sampled_from(["", "    "]))
def test_wrapping_keeps_every_character_and_every_url_whole(words, initial, subsequent):
    out = wrap_text(" ".join(words), 78, initial, subsequent)
    for line in out.splitlines():
        body = line.strip().removeprefix("- ")
        assert display_width(line) <= 78 or ("://" in body and " " not in body), line
    for word in words:
        if "://" in word:      # a URL sits whole on a line of its own
            assert any(line.strip().removeprefix("- ") == word
                       for line in out.splitlines()), (word, out)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    # Every character the digest's text rule keeps (it drops controls, bidi and zero-width marks).
    kept = clean_text(" ".join(words).replace("\u0085", " "))
    assert squeeze(out) == squeeze(initial) + squeeze(kept)


def test_whats_new_is_shown_for_an_update(digest):
    update = next(s for s in STORIES if s.is_update and s.whats_new)
    for page in (" ".join(lxml.html.document_fromstring(digest[0]).text_content().split()), digest[1]):
        for item in update.whats_new:
            assert item in " ".join(page.split())
