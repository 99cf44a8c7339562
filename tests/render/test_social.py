"""Posts per network within each network's real counting rule, for any Unicode input."""
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from pipeline.model import Member, SourceRef, Story
from pipeline.render.posts import (LIMITS, NETWORKS, PostError, add_utm, camel_tag, clean_text, little_escape, make_post,
                                   post_length)

WHEN = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
URL = "https://news.example.com/2026/11/20/lupus-car-t?ref=home&utm_source=rss"


def story(headline="Five lupus patients in remission after CAR-T cell therapy",
          lead="Five patients with severe lupus went into drug-free remission after CAR-T cell therapy, "
               "doctors in Erlangen reported in Nature Medicine.",
          url=URL, entities=("Nature Medicine", "Georg Schett"), keywords=("lupus",), **kw) -> Story:
    refs = (SourceRef("Health Wire", url, headline, WHEN, "a1"),) if url else (SourceRef("Health Wire", None, headline, WHEN, "a1"),)
    return Story(id="s1", headline=headline, summary=((lead, "a1"),) if lead else (), sources=refs,
                 members=(Member("a1", "seed"),), first_seen=WHEN, last_updated=WHEN,
                 entities=tuple(entities), keywords=tuple(keywords), **kw)


def test_lengths_follow_each_networks_rule():
    text = "Caf\u00e9 \U0001F680 na\u00efve " + "https://example.com/" + "a" * 100
    assert post_length(text, "x") == parse_tweet(text).weightedLength
    assert post_length(text, "bluesky") == len(regex.findall(r"\X", text))
    assert post_length(text, "mastodon") == len("Caf\u00e9 \U0001F680 na\u00efve ") + 23
    assert post_length("\U0001F469\u200d\U0001F469\u200d\U0001F467", "bluesky") == 1  # one family grapheme


@pytest.mark.parametrize("network", NETWORKS)
def test_post_has_lead_link_with_utm_and_hashtags(network):
    post = make_post(story(), network, campaign="2026-11-20")
    assert post.length <= LIMITS[network] == post.limit
    # X a short hook (the headline); LinkedIn the headline, then the summary; the others the lead.
    opening = "Five lupus patients in remission" if network in ("x", "linkedin") else "Five patients with severe lupus"
    assert post.text.startswith(opening)
    assert network == "x" or "Five patients with severe lupus went" in post.text
    link = next(w for w in post.text.split() if w.startswith("https://"))
    q = parse_qs(urlsplit(link).query)
    assert q["utm_source"] == [network] and q["utm_medium"] == ["social"] and q["utm_campaign"] == ["2026-11-20"]
    assert q["ref"] == ["home"]                       # existing parameters kept, old utm replaced
    assert "#NatureMedicine" in post.text


def test_add_utm_keeps_and_replaces():
    url = add_utm("https://a.example/x?b=2&utm_source=rss#frag", "bluesky", "2026-11-20")
    q = parse_qs(urlsplit(url).query)
    assert q == {"b": ["2"], "utm_source": ["bluesky"], "utm_medium": ["social"], "utm_campaign": ["2026-11-20"]}


@pytest.mark.parametrize("phrase,tag", [("Nature Medicine", "NatureMedicine"), ("CAR-T cell", "CARTCell"),
                                            ("ＥＣＢ", "ECB"), ("NEW YORK", "NewYork"),
                                        ("2024 election", None), ("", None)])
def test_camel_case_hashtags(phrase, tag):
    assert camel_tag(phrase) == tag  # a tag never starts with a digit: no tag rather than a bad one


def test_bluesky_facets_use_utf8_byte_offsets():
    post = make_post(story(headline="Caf\u00e9 owners in M\u00fcnchen reopen",
                           lead="Caf\u00e9 \U0001F680 owners in M\u00fcnchen reopen after the strike ended on Monday.",
                           entities=("M\u00fcnchen",)),
                     "bluesky", campaign="2026-11-20", created_at=WHEN)
    record = post.payload
    assert record["$type"] == "app.bsky.feed.post" and record["text"] == post.text
    raw = record["text"].encode("utf-8")
    kinds = set()
    for facet in record["facets"]:
        span = raw[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode("utf-8")
        feature = facet["features"][0]
        kinds.add(feature["$type"])
        if feature["$type"] == "app.bsky.richtext.facet#link":
            assert feature["uri"].startswith("https://news.example.com/") and span in feature["uri"] or span.endswith("\u2026")
        else:
            assert span == "#" + feature["tag"]
    assert kinds == {"app.bsky.richtext.facet#link", "app.bsky.richtext.facet#tag"}


def test_linkedin_payload_escapes_little_text():
    post = make_post(story(lead="Shares (A) rose 5% [report] on {Monday} @noon #1 *so* _far_ ~ok | <b> \\ end."),
                     "linkedin", campaign="2026-11-20")
    commentary = post.payload["commentary"]
    for ch in "()[]{}@*_~|":
        assert f"\\{ch}" in commentary
    assert "<b>" not in commentary            # markup from a feed never reaches a post
    assert little_escape("a(b)<c>") == "a\\(b\\)\\<c\\>"
    json.dumps(post.payload)


def test_threads_allows_at_most_five_links():
    many = " ".join(f"https://l{i}.example/x" for i in range(8))
    post = make_post(story(lead=f"Links everywhere: {many} in one lead."), "threads", campaign="2026-11-20")
    assert len(set(w for w in post.text.split() if w.startswith("https://"))) <= 5


def test_mastodon_limit_is_configurable():
    long_lead = "The council said " + "the plan " * 80 + "passed."
    post = make_post(story(lead=long_lead), "mastodon", campaign="2026-11-20", limit=1000)
    assert post.limit == 1000 and post_length(post.text, "mastodon") <= 1000
    assert post_length(make_post(story(lead=long_lead), "mastodon", campaign="d").text, "mastodon") <= 500


def test_thread_split_marks_parts_and_keeps_each_within_the_limit():
    long_lead = " ".join(f"Sentence number {i} says something about the vote." for i in range(30))
    post = make_post(story(lead=long_lead), "x", campaign="2026-11-20", thread=True)
    assert len(post.parts) > 1
    n = len(post.parts)
    for i, part in enumerate(post.parts, 1):
        assert f"{i}/{n}" in part and parse_tweet(part).weightedLength <= 280


def test_update_posts_say_so():
    assert make_post(story(is_update=True), "x", campaign="d").text.startswith("Update:")


def test_a_lead_too_long_gives_way_to_the_whole_headline():
    lead = "Officials of the CAR-T trial " + "announced " * 60 + "the result."   # names the subject
    post = make_post(story(lead=lead), "bluesky", campaign="2026-11-20")
    assert post.text.startswith("Five lupus patients in remission after CAR-T cell therapy\n\n")
    assert "\u2026" not in post.text.split("\n\n")[0]


def test_no_word_or_url_is_cut():
    lead = "Officials of the CAR-T trial " + "announced " * 60 + "the result."   # names the subject
    headline = "CAR-T trial officials " + "announced " * 40          # too long to fit whole either
    post = make_post(story(lead=lead, headline=headline), "bluesky", campaign="2026-11-20")
    assert "\u2026" in post.text
    words = set(lead.split()) | {"\u2026"}
    link = add_utm(URL, "bluesky", "2026-11-20")
    for w in post.text.split():
        assert w in words or w == link or w.startswith("#") or w.rstrip("\u2026") in words


def test_nothing_to_post_is_a_clear_error():
    with pytest.raises(PostError, match="nothing to post"):
        make_post(story(headline="", lead="", url=None, entities=(), keywords=()), "x", campaign="d")


text_st = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headline=text_st, lead=text_st, entities=st.lists(st.text(max_size=40), max_size=4),
       network=st.sampled_from(NETWORKS), thread=st.booleans())
def test_no_post_ever_exceeds_its_limit(headline, lead, entities, network, thread):
    s = story(headline=headline, lead=lead, entities=entities)
    try:
        post = make_post(s, network, campaign="2026-11-20", thread=thread)
    except PostError:
        return  # refusing is allowed; an over-long post is not
    for part in post.parts:
        assert post_length(part, network) <= LIMITS[network]
        assert "\u202e" not in part and "\x00" not in part
        assert "<script" not in part.lower()


# --- no word and no URL is ever cut ---------------------------------------------------------

from pipeline.render.posts import ELLIPSIS, THREAD_SEPARATOR, body_for  # noqa: E402

# Where an unspaced script may be cut: between two Han/kana/CJK-punctuation characters.
CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff01-\uff60]")
TRAILING = " ,;:([{\u201c\u2018\"'\u2013\u2014-"   # what may be dropped before the "…"
LINKS = ("https://news.example.com/a?ref=home&utm_source=rss",
         "http://b.example.org/" + "long-path/" * 12 + "story.html?id=" + "9" * 40,
         "https://xn--80ak6aa92e.example/\u0441\u0442\u0430\u0442\u044c\u044f")
word_st = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12),
    st.sampled_from(["the", "vote", "\u6771\u4eac\u90fd\u306f\u6728\u66dc\u65e5", "\u0627\u0644\u0644\u062c\u0646\u0629",
                     "\U0001F680", "https://in.example.com/a_b?c=d", "(Reuters)", "\u2014", "U.S.", "\u0928\u0908"]))
lead_st = st.lists(word_st, min_size=1, max_size=90).map(" ".join)
# Long enough that X (and often Bluesky and Threads) must shorten it.
long_lead_st = st.lists(word_st, min_size=45, max_size=120).map(" ".join)


def assert_clean_cut(shown: str, original: str) -> None:
    """`shown` is `original` whole, or a prefix of it ending at a word boundary plus '…'."""
    if shown == original:
        return
    assert shown.endswith(ELLIPSIS), (shown, original)
    prefix = shown[: -len(ELLIPSIS)]
    assert prefix and original.startswith(prefix), (shown, original)
    k = len(prefix)
    while k < len(original) and original[k] in TRAILING and original[k] != " ":
        k += 1
    assert k == len(original) or original[k] == " " or (
        CJK.match(original[k - 1]) and CJK.match(original[k])), (prefix, original[len(prefix):][:40])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lead=st.one_of(lead_st, long_lead_st), url=st.sampled_from(LINKS), network=st.sampled_from(NETWORKS),
       update=st.booleans(), entities=st.lists(st.text(max_size=30), max_size=3))
def test_no_word_or_url_is_ever_cut(lead, url, network, update, entities):
    s = story(lead=lead, url=url, entities=entities, is_update=update)
    post = make_post(s, network, campaign="2026-11-20", created_at=WHEN)
    assert post.parts == (post.text,)
    body = body_for(s, network)           # what this network's post says (see test_posts_differ)
    text = post.text.removeprefix("Update: ") if update else post.text
    n = body.count("\n\n") + 1
    blocks = ["\n\n".join(text.split("\n\n")[:n]), *text.split("\n\n")[n:]]
    assert_clean_cut(blocks[0], body)
    full = add_utm(url, network, "2026-11-20")
    if network == "bluesky":   # the facet carries the whole URL, whatever text shows it
        links = [f["features"][0]["uri"] for f in post.payload["facets"]
                 if f["features"][0]["$type"].endswith("#link")]
        assert links[-1] == full
        assert full in post.text.split() or blocks[1].endswith(ELLIPSIS) or full.startswith(
            "http://" + blocks[1]) or full.startswith("https://" + blocks[1])
    else:
        assert full in post.text.split("\n\n")
    assert post_length(post.text, network) <= LIMITS[network]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lead=long_lead_st, network=st.sampled_from(["x", "bluesky", "mastodon", "threads"]),
       limit=st.integers(min_value=120, max_value=500))
def test_a_thread_loses_no_text_and_keeps_every_part_valid(lead, network, limit):
    s = story(lead=lead)
    try:
        post = make_post(s, network, campaign="2026-11-20", limit=limit, thread=True)
    except PostError:
        # Refusing is right only when the link, a part marker and a tag leave no room for a word.
        link = add_utm(URL, network, "2026-11-20")
        assert post_length(link, network) + len("1/99 ") + 20 > limit
        return
    assert post.text == THREAD_SEPARATOR.join(post.parts)
    if len(post.parts) == 1:
        return
    n = len(post.parts)
    chunks = []
    for i, part in enumerate(post.parts, 1):
        assert part.startswith(f"{i}/{n} ")
        assert post_length(part, network) <= limit
        chunks.append(part.split("\n\n")[0].removeprefix(f"{i}/{n} "))
    # The parts, put together, are the whole summary: nothing dropped, nothing cut off.
    assert "".join(chunks).replace(" ", "") == clean_text(s.summary_text, strip_markup=True).replace(" ", "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lead=lead_st, entities=st.lists(st.text(max_size=30), max_size=3))
def test_bluesky_facets_point_at_what_they_say(lead, entities):
    post = make_post(story(lead=lead, entities=entities), "bluesky", campaign="2026-11-20", created_at=WHEN)
    raw = post.payload["text"].encode("utf-8")
    assert len(regex.findall(r"\X", post.payload["text"])) <= 300 and len(raw) <= 3000
    for facet in post.payload["facets"]:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        span = raw[start:end].decode("utf-8")          # offsets fall on character boundaries
        feature = facet["features"][0]
        if feature["$type"].endswith("#tag"):
            assert span == "#" + feature["tag"] and regex.fullmatch(r"\p{L}[\p{L}\p{M}\p{Nd}]*", feature["tag"])
        else:
            assert feature["uri"].startswith(("https://", "http://"))


@pytest.mark.parametrize("url", ["https://example.com/?\ufffe", "https://example.com/\uffff",
                                 "https://example.com/a\u202eb", "https://example.com/\x00",
                                 "javascript:alert(1)", "https://"], ids=["fffe", "ffff", "bidi", "nul", "js", "nohost"])
def test_safe_url_refuses_invisible_or_hostile_characters(url):
    from pipeline.render.posts import safe_url
    assert safe_url(url) is None
