"""Property and fuzz tests (hypothesis): arbitrary Unicode, HTML fragments and feed entries
through parse_feed, the JSON Feed reader, normalize, render and social.make_post. Never a crash,
never a post over its limit, never markup escaping into the digest.

Examples per test are modest (the whole file runs in well under a minute); a failure prints the
smallest input hypothesis found.
"""
from __future__ import annotations

import importlib.util
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.extract import html_to_text
from pipeline.model import Member, SourceRef, Story
from pipeline.ingest.normalize import canonical_url, clean_inline, clean_text, clean_title
from pipeline.render.digest import DigestOptions, render_digest, render_posts
from rendered import rendered_email
from pipeline.render.posts import LIMITS, NETWORKS, THREAD_SEPARATOR, PostError, is_valid, make_post, post_length
from pipeline.ingest.sources.feed import parse_feed, parse_json_feed

_spec = importlib.util.spec_from_file_location(
    "hostile_safety", Path(__file__).parent / "fixtures" / "hostile" / "safety.py")
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")
NOW = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
OPTIONS = DigestOptions(date=date(2024, 5, 1))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies ------------------------------------------------------------------------------------

# Any code point but surrogates (which no decoder gives us), with the troublesome ones made likely.
TRICKY = st.sampled_from(list("\x00\x01\x1b\x7f\x85\x9b\u200b\u200d\u200e\u202e\u2066\u2069\ufeff\ufffe"
                              "\u0301\u0336<>&\"'/\\:;#%?=\t\n\r ") + ["\U0001f680", "\u0627", "\u4e2d", "&amp;",
                                                                      "&lt;", "&#0;", "&#x202e;", "javascript:"])
TEXT = st.lists(st.one_of(st.characters(exclude_categories=("Cs",)), TRICKY), max_size=60).map("".join)
WORDS = st.lists(st.text(st.characters(categories=("L", "N")), min_size=1, max_size=14), min_size=1, max_size=25)
TAGS = ["p", "div", "a", "b", "i", "script", "style", "img", "svg", "iframe", "table", "td", "br", "math",
        "noscript", "template", "textarea", "title", "object", "span", "xmp"]
ATTRS = ["href", "src", "onerror", "onload", "style", "title", "class", "srcdoc", "xlink:href", "data"]
ATTR_VALUES = st.one_of(TEXT, st.sampled_from(["javascript:alert(1)", "JaVa\tScRiPt:x", "data:text/html,<b>",
                                               "vbscript:x", "expression(alert(1))", "https://ok.example/"]))


@st.composite
def html_fragment(draw, depth: int = 0) -> str:
    """Nested, broken and hostile HTML: tags (closed or not), attributes, entities, comments."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 5))
        if kind == 0 or depth > 3:
            parts.append(draw(TEXT))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "</", "<", ">", "&", "&#",
                                               "<!DOCTYPE x>", "<?php ?>"])))
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(f' {draw(st.sampled_from(ATTRS))}="{draw(ATTR_VALUES)}"'
                            for _ in range(draw(st.integers(0, 2))))
            inner = draw(html_fragment(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag.upper()}>"]))
            parts.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(parts)


HTML = html_fragment()
FIELD = st.one_of(TEXT, HTML)
URLS = st.one_of(
    TEXT,
    st.builds(lambda host, path, q: f"https://{host}/{path}?{q}",
              st.sampled_from(["example.com", "www.example.com", "amp.news.example", "EXAMPLE.org:443",
                               "[::1]:8080", "xn--80ak6aa92e.com", "ex\u0430mple.com"]),
              TEXT, TEXT),
    st.sampled_from(["javascript:alert(1)", "//evil.example/x", "http://[::1", "https://", "/relative",
                     "http://a b.example/", "https://example.com/%E2%80%AE%00%3C"]),
)


@st.composite
def rss_document(draw) -> bytes:
    """An RSS 2.0 document whose fields are generated: escaped (the usual case) or raw (markup
    inside the XML, which makes it malformed more often than not)."""
    raw = draw(st.booleans())
    def put(value: str) -> str:
        return value if raw else escape(value)
    items = []
    for _ in range(draw(st.integers(0, 3))):
        items.append(f"<item><title>{put(draw(FIELD))}</title><link>{put(draw(URLS))}</link>"
                     f"<guid>{put(draw(TEXT))}</guid><description>{put(draw(FIELD))}</description>"
                     f"<pubDate>{put(draw(TEXT))}</pubDate></item>")
    head = draw(st.sampled_from(['<?xml version="1.0" encoding="utf-8"?>', "", '<?xml version="1.0"?>\ufeff']))
    return (f'{head}<rss version="2.0"><channel><title>{put(draw(TEXT))}</title>'
            f"<link>{put(draw(URLS))}</link>{''.join(items)}</channel></rss>").encode("utf-8", "surrogatepass")


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)
JSON_ITEM = st.fixed_dictionaries({}, optional={
    k: st.one_of(FIELD, URLS, JSON_VALUES) for k in
    ("id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
     "banner_image", "date_published", "date_modified", "authors", "author", "language", "tags")})


# --- the properties ---------------------------------------------------------------------------------

def assert_clean_article(a) -> None:
    for value in (a.title, a.source or "", a.author or ""):
        assert "\n" not in value and not S.bad_chars(value), repr(value)
    for value in (a.text, a.summary or ""):
        assert not S.bad_chars(value, allow="\n"), repr(value)
    for value in (a.link, a.image):
        assert value is None or S._scheme_ok(value, S.URL_SCHEMES), repr(value)
    assert a.url is None or canonical_url(a.url) == a.url, repr(a.url)
    assert a.published is not None and a.published.tzinfo is not None


@FAST
@given(rss_document())
def test_parse_feed_never_raises_and_gives_clean_articles(doc):
    articles, errors = parse_feed(doc, "https://feed.example/fuzz", now=NOW)
    for a in articles:
        assert_clean_article(a)
    for e in errors:
        assert e.origin == "https://feed.example/fuzz" and e.message


@FAST
@given(st.one_of(
    st.builds(lambda items, title: {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items},
              st.lists(st.one_of(JSON_ITEM, JSON_VALUES), max_size=4), JSON_VALUES),
    JSON_VALUES))
def test_json_feed_never_raises_and_gives_clean_articles(data):
    doc = json.dumps(data).encode()
    articles, errors = parse_json_feed(doc, "https://feed.example/fuzz.json", now=NOW)
    for a in articles:
        assert_clean_article(a)
    assert articles or errors or (isinstance(data, dict) and data.get("items") == [])


@settings(max_examples=100, deadline=None)
@given(st.one_of(TEXT, HTML))
def test_text_cleanup_never_raises_and_leaves_no_controls(value):
    text = clean_text(value)
    assert not S.bad_chars(text, allow="\n") and "\r" not in text and text == text.strip()
    inline = clean_inline(value)
    assert "\n" not in inline and not S.bad_chars(inline) and "  " not in inline
    title = clean_title(value, outlet="Example News", url="https://example.com/x")
    assert "\n" not in title and not S.bad_chars(title)


@settings(max_examples=100, deadline=None)
@given(HTML)
def test_html_to_text_keeps_no_tags(fragment):
    text = html_to_text(fragment)
    assert not S.bad_chars(text, allow="\n")
    if "&" not in fragment:      # an entity may spell '<' as text, which is then only text
        assert not S.BAD_TAG_START.search(text), text


@settings(max_examples=200, deadline=None)
@given(URLS)
def test_canonical_url_is_a_real_url_and_stable(link):
    url = canonical_url(link)
    if url is None:
        return
    assert url.startswith("https://") and S._scheme_ok(url, ("https",))
    assert not re.search(r'[\x00-\x20"<>\\^`{|}\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]', url), url
    assert canonical_url(url) == url


@st.composite
def stories(draw) -> Story:
    n = draw(st.integers(1, 3))
    refs = tuple(SourceRef(draw(st.one_of(st.none(), FIELD)), draw(st.one_of(st.none(), URLS)), draw(FIELD),
                           draw(st.one_of(st.none(), st.just(NOW))), f"a{i}") for i in range(n))
    summary = tuple((draw(st.one_of(FIELD, WORDS.map(" ".join))), f"a{draw(st.integers(0, n - 1))}")
                    for _ in range(draw(st.integers(0, 3))))
    return Story(id=draw(TEXT) or "s", headline=draw(st.one_of(FIELD, WORDS.map(" ".join))), summary=summary,
                 sources=refs, members=tuple(Member(r.article_id, "seed") for r in refs),
                 key_facts=tuple(draw(st.lists(FIELD, max_size=2))), disputed=tuple(draw(st.lists(FIELD, max_size=2))),
                 entities=tuple(draw(st.lists(TEXT, max_size=3))), keywords=tuple(draw(st.lists(TEXT, max_size=3))),
                 is_update=draw(st.booleans()))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(stories(), min_size=0, max_size=3), TEXT)
def test_render_digest_never_lets_markup_through(items, title):
    html_draft, text_draft, eml_draft = rendered_email(items, DigestOptions(date=date(2024, 5, 1), title=title))
    S.assert_safe_html(html_draft.content)
    S.assert_plain_text(text_draft.content, "digest.txt", markup_ok=True, check_links=False)
    S.assert_safe_eml(eml_draft.content, html_draft.content)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories(), st.sampled_from(NETWORKS), st.one_of(st.none(), st.integers(40, 600)), st.booleans())
def test_make_post_is_never_over_its_limit(story, network, limit, thread):
    try:
        post = make_post(story, network, campaign="2024-05-01", limit=limit, thread=thread, created_at=NOW)
    except PostError:
        return                      # a clear refusal (that it stops a run: P1 in test_hostile.py)
    bound = limit or LIMITS[network]
    assert post.limit == bound and post.parts
    for part in post.parts:
        assert post_length(part, network) <= bound and is_valid(part, network, bound)
        assert not S.bad_chars(part, allow="\n")
    assert post.text == THREAD_SEPARATOR.join(post.parts)
    if post.payload is not None:
        S.assert_safe_payload(post.payload, network)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_render_posts_paths_stay_in_their_folder(story):
    try:
        drafts = render_posts(story, OPTIONS)
    except PostError:
        return
    for d in drafts:
        for path in [d.path, *(p for p, _ in d.extra)]:
            assert re.fullmatch(r"posts/[a-z0-9]+(?:-[a-z0-9]+)*/[a-z]+\.(?:txt|json)", path), path
