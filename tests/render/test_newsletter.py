"""The newsletter a reader opens (issue 26): a lead image per story, the sources as one line of
outlets, links that look like links, the footer, "View in your browser", the web edition with
every source; golden files for the e-mail with images and for the web edition; its size."""
from __future__ import annotations

import importlib.util
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest

from golden_files import check
from pipeline.model import Image, SourceRef, Story
from pipeline.render.digest import DigestOptions, render_digest
from pipeline.render.plain import clean_text
from pipeline.render.posts import best_link
from pipeline.render.view import IMAGE_WIDTH, image_view, outlets_line, outlets_text, source_list

spec = importlib.util.spec_from_file_location("newsletter_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

SITE = "https://news.example.org/digest/"
EDITION = "2024-05-01-morning-digest"
OPTIONS = DigestOptions(date=fixtures.DIGEST_DATE, title="Morning digest", from_addr="Desk <desk@example.org>",
                        to_addrs=("readers@example.org", "ed@example.org"),
                        unsubscribe_url="https://example.org/unsub?u=1", timezone="Europe/Berlin",
                        site_url=SITE, edition=EDITION,
                        postal_address="Example News Ltd\n1 High Street, Leeds LS1 1AA",
                        permission_reminder="You get this because you asked for it at example.org.")
STORIES = fixtures.pictures(fixtures.STORIES)
GMAIL_CLIP = 102 * 1024


def parts(stories=STORIES, options=OPTIONS) -> tuple[str, str, str]:
    (draft,) = render_digest(stories, options)
    extra = dict(draft.extra)
    return draft.content, extra["digest.txt"], extra["web.html"]


@pytest.fixture(scope="module")
def rendered() -> tuple[str, str, str]:
    return parts()


def test_email_with_images_matches_golden(rendered):
    check("digest-images.html", rendered[0])


def test_text_part_with_web_edition_matches_golden(rendered):
    check("digest-images.txt", rendered[1])


def test_web_edition_matches_golden(rendered):
    check("web.html", rendered[2])


# ---------------------------------------------------------------- the lead image

def test_every_story_with_a_picture_shows_it_with_alt_text_and_size(rendered):
    doc = lxml.html.document_fromstring(rendered[0])
    images = {img.get("src"): img for img in doc.iter("img")}
    for story in STORIES:
        img = images[story.image.url]
        assert img.get("alt") == image_view(story.image, clean_text(story.headline), None)["alt"]
        assert img.get("alt") and "<" not in img.get("alt")
        assert int(img.get("width")) <= IMAGE_WIDTH
        style = img.get("style").replace(" ", "")
        assert "height:auto" in style and "width:100%" in style
        if story.image.width:     # a stated size: both attributes, the picture's own shape
            assert abs(int(img.get("width")) / int(img.get("height"))
                       - story.image.width / story.image.height) < 0.01
        else:                     # none: the column's width in a 16:9 frame, never a jump
            assert img.get("height") is None and "aspect-ratio:16/9" in style and "object-fit:cover" in style
    assert len(images) == len(STORIES)


def test_the_credit_is_shown_under_the_picture(rendered):
    text = lxml.html.document_fromstring(rendered[0]).text_content()
    assert "Image: Jane Doe/Reuters" in text and "Image: NASA" in text


@pytest.mark.parametrize("url", ["http://img.example.com/a.jpg", "data:image/png;base64,iVBORw0KGgo=",
                                 "javascript:alert(1)", "//img.example.com/a.jpg",
                                 'https://img.example.com/a.jpg"onerror="alert(1)'])
def test_an_image_that_is_not_https_is_dropped(url):
    story = replace(fixtures.STORIES[0], image=Image(url, None, None, 1200, 675))
    assert image_view(story.image, "h", None) is None
    html, _, web = parts((story,))
    assert "<img" not in html and "<img" not in web


def test_sizes_a_portrait_narrower_and_never_stretches_a_small_picture():
    portrait = image_view(Image("https://i.example/p.jpg", width=800, height=1200), "h", None)
    assert (portrait["width"], portrait["height"]) == (280, 420)
    small = image_view(Image("https://i.example/s.jpg", width=400, height=300), "h", None)
    assert (small["width"], small["height"]) == (400, 300)
    wide = image_view(Image("https://i.example/w.jpg", width=1200, height=675), "h", None)
    assert (wide["width"], wide["height"]) == (560, 315)


def test_a_story_without_a_picture_has_no_img():
    html, text, web = parts(fixtures.STORIES)
    assert "<img" not in html and "<img" not in web


# ---------------------------------------------------------------- sources, links, footer

def _many_outlets(n: int = 12) -> Story:
    names = ["Reuters", "Bloomberg", "CNA", "AP", "AFP", "BBC", "DW", "NHK", "ABC", "CBC", "RNZ", "SBS"][:n]
    t0 = datetime(2024, 4, 30, 6, tzinfo=timezone.utc)
    refs = [SourceRef(name, f"https://{name.lower()}.example.com/story", f"Chip plant opens ({name})",
                      t0 + timedelta(minutes=i), f"a{i}") for i, name in enumerate(names)]
    refs.insert(1, SourceRef("Reuters", "https://reuters.example.com/story-update", "Chip plant: update",
                             t0 + timedelta(minutes=30), "a-r2"))      # a second Reuters article
    refs.append(SourceRef("Reuters", "https://reuters.example.com/story", "Chip plant (copy)", t0, "a-dup"))
    return Story(id="s-chips", headline="Chip plant opens (Reuters)",
                 summary=(("A chip plant opened on Tuesday.", "a0"),), sources=tuple(refs), members=())


def test_sources_are_one_line_of_outlets_each_linked_once():
    story = _many_outlets()
    shown, more = outlets_line(story.sources)
    assert outlets_text(shown, more) == "Reuters, Bloomberg, CNA and 9 more"
    html, text, web = parts((story,))
    doc = lxml.html.document_fromstring(html)
    line = next(p for p in doc.iter("p") if "src" in (p.get("class") or ""))
    assert " ".join(line.text_content().split()) == "Sources: Reuters, Bloomberg, CNA and 9 more · all sources"
    hrefs = [a.get("href") for a in line.iter("a")]
    assert hrefs == ["https://reuters.example.com/story", "https://bloomberg.example.com/story",
                     "https://cna.example.com/story", f"{SITE}{EDITION}/#sources-s-chips"]
    assert "Sources: Reuters, Bloomberg, CNA and 9 more" in text
    # The web edition lists every article behind "all sources", each a link (a copy once: the
    # second "Reuters" entry has its own title, so it is another article and stays).
    page = lxml.html.document_fromstring(web)
    listed = page.get_element_by_id("sources-s-chips")
    assert len(listed.findall(".//li")) == len(story.sources)
    assert "All sources (14)" in listed.text_content()


def test_the_web_editions_sources_list_each_article_once():
    t0 = datetime(2026, 8, 20, 6, tzinfo=timezone.utc)
    title = "Samsung to announce $72 billion shareholder return programme"
    cna = "https://channelnewsasia.com/business/samsung-return-6330"
    refs = (
        SourceRef("Reuters", "https://news.google.com/rss/articles/CBMi1", title, t0, "g1"),
        SourceRef("Reuters", "https://news.google.com/rss/articles/CBMi1", title, t0, "g2"),    # a second feed
        SourceRef("CNA Business", cna, title, t0, "c1"),          # CNA republishes Reuters: its own page
        SourceRef("channelnewsasia.com", cna, title, t0, "c2"),   # the same page through another feed
        SourceRef("Bloomberg", "https://bloomberg.com/news/a", "Samsung, SK Hynix prepare record returns", t0, "b1"),
        SourceRef("Reuters/Bloomberg resource pool", "https://bloomberg.com/news/a",
                  "Samsung, SK Hynix prepare record returns", t0, "p1"),
        SourceRef("Bloomberg", "https://bloomberg.com/news/b", "Samsung plans record payout", t0, "b2"),
    )
    assert [r.article_id for r in source_list(refs)] == ["g1", "c1", "b1", "b2"]
    # A copy passed on first, the publisher's own page later: the page is listed, in the first place.
    passed = SourceRef("Bloomberg", "https://news.google.com/rss/articles/CBMi9", "Samsung plans record payout", t0, "g9")
    assert [r.article_id for r in source_list((passed, refs[6]))] == ["b2"]


def test_four_outlets_are_all_named():
    shown, more = outlets_line(_many_outlets(4).sources)
    assert (outlets_text(shown, more), more) == ("Reuters, Bloomberg, CNA and AP", 0)


def test_headline_looks_like_a_link_and_read_at_names_the_outlet(rendered):
    doc = lxml.html.document_fromstring(rendered[0])
    story = STORIES[0]
    h2 = next(h for h in doc.iter("h2") if story.headline in h.text_content())
    (a,) = h2.iter("a")
    style = a.get("style").replace(" ", "")
    assert "text-decoration:underline" in style and "color:#0b57d0" in style
    read = next(a for a in doc.iter("a") if a.text_content().startswith("Read at Health Wire"))
    assert read.get("href") == a.get("href") == best_link(story)


def test_footer_has_sender_address_reason_and_unsubscribe(rendered):
    doc = lxml.html.document_fromstring(rendered[0])
    footer = " ".join(next(td for td in doc.iter("td") if td.get("class") == "footer").text_content().split())
    for want in ("sent by Desk.", "Example News Ltd", "1 High Street, Leeds LS1 1AA",
                 "You get this because you asked for it at example.org.", "Unsubscribe",
                 "View in your browser", "Past editions"):
        assert want in footer, want
    assert "Example News Ltd" in rendered[1] and "1 High Street, Leeds LS1 1AA" in rendered[1]


@pytest.mark.parametrize("address", [None, ""])
def test_no_address_line_without_one(address):
    html = parts(STORIES[:1], replace(OPTIONS, postal_address=address, permission_reminder=None))[0]
    footer = next(td for td in lxml.html.document_fromstring(html).iter("td") if td.get("class") == "footer")
    assert [p.text_content() for p in footer.iter("p")][:2] == [
        "Morning digest for Wednesday 1 May 2024, sent by Desk.",
        "You are receiving this because you subscribed to Morning digest."]


def test_view_in_browser_at_the_top_only_with_a_site_url(rendered):
    doc = lxml.html.document_fromstring(rendered[0])
    first = next(a for a in doc.iter("a"))
    assert (first.text_content(), first.get("href")) == ("View in your browser", f"{SITE}{EDITION}/")
    assert rendered[1].splitlines()[2:4] == ["View in your browser:", f"{SITE}{EDITION}/"]
    html, text, _ = parts(STORIES, replace(OPTIONS, site_url=None))
    assert "View in your browser" not in html and "View in your browser" not in text
    assert "all sources" not in html


# ---------------------------------------------------------------- what a feed may not do

ALLOWED = {"html", "head", "meta", "title", "style", "body", "div", "table", "tr", "td", "h1", "h2", "h3",
           "p", "a", "span", "ul", "li", "br", "img", "figure", "figcaption", "header", "main",
           "article", "section", "footer", "link", "tbody"}


@pytest.mark.parametrize("which", [0, 2], ids=["email", "web"])
def test_feed_text_cannot_add_markup(rendered, which):
    doc = lxml.html.document_fromstring(rendered[which])
    assert {el.tag for el in doc.iter() if isinstance(el.tag, str)} <= ALLOWED
    assert not [el for el in doc.iter() if isinstance(el.tag, str) and any(k.startswith("on") for k in el.attrib)]
    hostile = next(img for img in doc.iter("img") if "pic-1" in img.get("src"))
    assert hostile.get("alt") == '" alert(1)'      # in an attribute: no markup, no angle bracket
    assert "<b>Credit</b>" not in rendered[which] and "\u202e" not in rendered[which]
    for a in doc.iter("a"):
        assert re.match(r"https?://|\.\./|#", a.get("href")), a.get("href")


# ---------------------------------------------------------------- size

def test_ten_stories_with_pictures_stay_under_gmail_clipping():
    stories = fixtures.pictures(fixtures.many_stories(10))
    html = parts(stories)[0]
    size = len(html.encode("utf-8"))
    print(f"10-story e-mail with pictures: {size} bytes of HTML ({size / 1024:.1f} KB; Gmail clips "
          f"over {GMAIL_CLIP // 1024} KB)")
    assert size < GMAIL_CLIP
    assert html.count("<img") == 10


def test_one_outlet_however_its_feeds_name_it():
    t0 = datetime(2026, 8, 20, 6, tzinfo=timezone.utc)
    refs = (SourceRef("CNA", "https://www.channelnewsasia.com/singapore/radiant", "Police look into trader", t0, "a"),
            SourceRef("CNA Business", "https://www.channelnewsasia.com/singapore/radiant", "Police look into trader",
                      t0, "b"),
            SourceRef("channelnewsasia.com", "https://www.channelnewsasia.com/singapore/radiant", "Police …", t0, "c"),
            SourceRef("Reuters", "https://www.reuters.com/world/radiant", "Police probe trader", t0, "d"),
            SourceRef("Reuters", "https://news.google.com/rss/articles/CBMi", "Police probe trader", t0, "e"),
            SourceRef("reuters.com", "https://www.reuters.com/world/radiant", "Police probe trader", t0, "f"),
            SourceRef("Bloomberg", "https://www.bloomberg.com/news/radiant", "Singapore police look", t0, "g"),
            SourceRef("Bloomberg.com", "https://news.google.com/rss/articles/CBMj", "Singapore police look", t0, "h"))
    shown, more = outlets_line(refs)
    assert (outlets_text(shown, more), more) == ("CNA, Reuters and Bloomberg", 0)
    assert [o["url"] for o in shown] == ["https://www.channelnewsasia.com/singapore/radiant",
                                         "https://www.reuters.com/world/radiant", "https://www.bloomberg.com/news/radiant"]
