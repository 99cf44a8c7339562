"""A feed item's lead image (pipeline.ingest.images): named cases of where feeds put a picture,
which one is taken, and what is dropped (http:, data:, pixels, video)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pipeline.ingest.images import https_url, make_image
from pipeline.ingest.sources.feed import parse_feed
from pipeline.model import Image

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
HEAD = ('<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Wire</title>'
        '<link>https://wire.example/</link>')


def item(inner: str) -> bytes:
    return (HEAD + f"<item><title>Port strike ends</title><link>https://wire.example/news/port</link>"
            f"<description>The strike ended.</description>{inner}</item></channel></rss>").encode()


CASES = {
    "media:content with its size and media:credit": (
        '<media:content url="https://img.wire.example/a.jpg" medium="image" width="1200" height="675">'
        '<media:credit role="photographer">Jane Doe/Reuters</media:credit></media:content>',
        Image("https://img.wire.example/a.jpg", None, "Jane Doe/Reuters", 1200, 675)),
    "the largest of several renditions": (
        '<media:group><media:content url="https://img.wire.example/s.jpg" medium="image" width="320" height="180"/>'
        '<media:content url="https://img.wire.example/l.jpg" medium="image" width="1280" height="720"/></media:group>',
        Image("https://img.wire.example/l.jpg", None, None, 1280, 720)),
    "an http: rendition is skipped for an https one": (
        '<media:content url="http://img.wire.example/big.jpg" medium="image" width="2000" height="1000"/>'
        '<media:content url="https://img.wire.example/ok.jpg" medium="image" width="800" height="450"/>',
        Image("https://img.wire.example/ok.jpg", None, None, 800, 450)),
    "a video media:content is not a picture": (
        '<media:content url="https://img.wire.example/clip.mp4" medium="video"/>'
        '<media:thumbnail url="https://img.wire.example/clip.jpg" width="640" height="360"/>',
        Image("https://img.wire.example/clip.jpg", None, None, 640, 360)),
    "media:content by type alone": (
        '<media:content url="https://img.wire.example/t.webp" type="image/webp"/>',
        Image("https://img.wire.example/t.webp")),
    "an image enclosure": (
        '<enclosure url="https://img.wire.example/e.png" type="image/png" length="1234"/>',
        Image("https://img.wire.example/e.png")),
    "an audio enclosure is not": (
        '<enclosure url="https://wire.example/a.mp3" type="audio/mpeg" length="1"/>', None),
    "itunes:image": (
        '<itunes:image href="https://img.wire.example/cover.jpg"/>', Image("https://img.wire.example/cover.jpg")),
    "the first <img> of the content, relative, with alt and size": (
        '<content:encoded><![CDATA[<p>Text <img src="/pix/1.jpg" alt="Dockers at the gate" width="640" '
        'height="480"> more <img src="https://x.example/2.jpg"></p>]]></content:encoded>',
        Image("https://wire.example/pix/1.jpg", "Dockers at the gate", None, 640, 480)),
    "a tracking pixel is not a lead picture": (
        '<content:encoded><![CDATA[<img src="https://feeds.example/~r/pixel.gif" width="1" height="1">'
        '<p>Text</p><img src="https://img.wire.example/real.jpg" alt="Real"></p>]]></content:encoded>',
        Image("https://img.wire.example/real.jpg", "Real")),
    "a lazy-loaded <img>: data-src behind a data: placeholder": (
        '<content:encoded><![CDATA[<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        'data-src="https://img.wire.example/lazy.jpg" alt="Lazy">]]></content:encoded>',
        Image("https://img.wire.example/lazy.jpg", "Lazy")),
    "an http: <img> is dropped": (
        '<content:encoded><![CDATA[<img src="http://img.wire.example/plain.jpg">]]></content:encoded>', None),
    "a data: <img> is dropped": (
        '<content:encoded><![CDATA[<img src="data:image/png;base64,iVBORw0KGgo=">]]></content:encoded>', None),
    "a javascript: <img> is dropped": (
        "<content:encoded><![CDATA[<img src=\"javascript:alert(1)\">]]></content:encoded>", None),
    "an https URL that would end its attribute is dropped": (
        '<media:content url="https://img.wire.example/a.jpg&quot;onerror=&quot;x" medium="image"/>', None),
    "no picture at all": ("", None),
}


@pytest.mark.parametrize("name", CASES)
def test_lead_image(name):
    inner, want = CASES[name]
    (article,), errors = parse_feed(item(inner), "https://wire.example/feed.xml", now=NOW)
    assert not [e for e in errors if not e.warning]
    assert article.lead_image == want
    assert article.image is None or article.image.startswith("https://")


def test_json_feed_image_banner_and_content():
    def one(fields: dict) -> Image | None:
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
            {"id": "1", "url": "https://j.example/a", "title": "T", "content_text": "Body.", **fields}]}
        (article,), _ = parse_feed(json.dumps(doc).encode(), "https://j.example/feed.json", now=NOW)
        return article.lead_image

    assert one({"image": "https://j.example/i.jpg"}) == Image("https://j.example/i.jpg")
    assert one({"image": "http://j.example/i.jpg", "banner_image": "https://j.example/b.jpg"}) == \
        Image("https://j.example/b.jpg")
    assert one({"image": "data:image/png;base64,AAAA"}) is None
    assert one({"content_html": '<p>x <img src="/p.jpg" alt="P"></p>'}) == Image("https://j.example/p.jpg", "P")


@pytest.mark.parametrize("url,want", [
    ("https://i.example/a.jpg", "https://i.example/a.jpg"), ("  https://i.example/a.jpg ", "https://i.example/a.jpg"),
    ("http://i.example/a.jpg", None), ("data:image/png;base64,AA", None), ("//i.example/a.jpg", None),
    ("https:///a.jpg", None), ("https://i.example/a b.jpg", None), ("https://[::1/a.jpg", None),
    ("https://i.example:99999/a.jpg", None), (None, None), (42, None)])
def test_https_url(url, want):
    assert https_url(url) == want


def test_long_alt_and_credit_are_cut_and_a_lone_side_is_dropped():
    image = make_image("https://i.example/a.jpg", alt="word " * 100, credit="c" * 300, width="640")
    assert image.alt.endswith("\u2026") and len(image.alt) <= 301
    assert image.credit == "c" * 120 + "\u2026" or len(image.credit) <= 121
    assert (image.width, image.height) == (None, None)
    assert make_image("https://i.example/a.jpg", width="640px", height="360").width == 640
