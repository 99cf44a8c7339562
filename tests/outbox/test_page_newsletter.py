"""The review page and the newsletter (issue 26): each story's picture on its card, Bluesky's
card with the picture it will carry, the web edition previewed, and the archive linked and served
read only under /archive/ (nothing outside it, nothing hidden)."""
from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from starlette.testclient import TestClient

from pipeline import outbox
from pipeline.archive import publish
from pipeline.config import load_settings
from pipeline.outbox.page import ARCHIVE_CSP, DIGEST_CSP, PAGE_CSP, create_app
from pipeline.render.digest import render_digest, render_posts
from pipeline.render.options import DigestOptions, edition_name

_spec = importlib.util.spec_from_file_location(
    "page_newsletter_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

PORT = 8124
ORIGIN = f"http://127.0.0.1:{PORT}"
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
SITE = "https://news.example.org/digest/"


@pytest.fixture
def project(tmp_path: Path):
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text(f'title = "Morning digest"\n[archive]\nsite_url = "{SITE}"\n', encoding="utf-8")
    settings = load_settings(cfg, env={})
    day = fixtures.DIGEST_DATE
    stories = fixtures.pictures(fixtures.STORIES[:2])
    options = DigestOptions(date=day, title=settings.title, site_url=SITE, edition=edition_name(day, settings.title))
    drafts = list(render_digest(stories, options))
    for story in stories:
        drafts += render_posts(story, options, ("bluesky", "mastodon"))
    folder = outbox.write_digest(settings.outbox, day, "morning-digest", stories, drafts, settings.to_json(),
                                 now=T0).folder
    return settings, folder


def client(settings, archive: bool = True) -> TestClient:
    app = create_app(settings.outbox, port=PORT, token="t", session="s", key="k", by="ann",
                     archive=settings.archive if archive else None)
    c = TestClient(app, base_url=ORIGIN, follow_redirects=False)
    assert c.get("/?token=t").status_code == 303
    return c


def test_each_story_card_shows_its_picture_and_bluesky_its_thumbnail(project):
    settings, folder = project
    page = client(settings).get("/")
    assert "img-src 'self' https:" in page.headers["content-security-policy"] == PAGE_CSP
    doc = lxml.html.document_fromstring(page.text)
    cards = {a.get("id"): a for a in doc.iter("article")}
    img = cards["story-s-cart"].find(".//figure/img")
    assert img.get("src") == "https://img.example.com/pic-0.png" and img.get("referrerpolicy") == "no-referrer"
    assert (img.get("width"), img.get("height")) == ("1200", "675")
    assert "Image: Jane Doe/Reuters" in cards["story-s-cart"].text_content()
    hostile = cards["story-s-hostile"].find(".//figure/img")
    assert hostile.get("alt") == '"><script>alert(1)</script>'       # an attribute's text, escaped
    assert not doc.findall(".//script[@src!='/static/review.js']")
    thumbs = [i.get("src") for i in doc.iter("img") if i.get("class") == "thumb"]
    assert thumbs == ["https://img.example.com/pic-0.png", "https://img.example.com/pic-1.png"]   # Bluesky only


def test_the_previews_show_the_pictures_as_the_e_mail_does(project):
    settings, folder = project
    c = client(settings)
    assert "img-src https:" in DIGEST_CSP and "sandbox" in DIGEST_CSP
    for path in (f"/d/{folder.name}/digest.html", f"/d/{folder.name}/web.html"):
        r = c.get(path)
        assert r.status_code == 200 and r.headers["content-security-policy"] == DIGEST_CSP
        assert "https://img.example.com/pic-0.png" in r.text


def test_the_web_edition_is_linked_before_and_after_it_is_published(project):
    settings, folder = project
    c = client(settings)
    before = lxml.html.document_fromstring(c.get("/").text)
    web = " ".join(next(p for p in before.iter("p") if p.get("class") == "web").text_content().split())
    assert "Preview it" in web and "Not in the archive yet" in web and f"{SITE}{folder.name}/" in web
    e = next(d for d in outbox.load_digest(folder).drafts if d.channel == "email")
    outbox.set_status(settings.outbox, [e.id], outbox.APPROVED, by="ann", now=T0)
    publish(settings, now=T0)
    after = lxml.html.document_fromstring(c.get("/").text)
    hrefs = [a.get("href") for a in after.iter("a")]
    assert f"/archive/{folder.name}/" in hrefs and "/archive/" in hrefs and f"{SITE}{folder.name}/" in hrefs
    page = c.get(f"/archive/{folder.name}/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == ARCHIVE_CSP
    assert page.content == (folder / "web.html").read_bytes()
    assert c.get("/archive/").content == (settings.archive / "index.html").read_bytes()
    feed = c.get("/archive/feed.xml")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert c.get(f"/archive/{folder.name}").status_code == 303       # a folder, as a static host does


@pytest.mark.parametrize("path", ["/archive/../outbox/2024-05-01-morning-digest/manifest.json",
                                  "/archive/%2e%2e/newsdesk.toml", "/archive/..%2fnewsdesk.toml",
                                  "/archive/.hidden.html", "/archive/nothing.html", "/archive/x.txt"])
def test_the_archive_route_serves_nothing_outside_the_archive(project, path):
    settings, folder = project
    settings.archive.mkdir(parents=True, exist_ok=True)
    (settings.archive / ".hidden.html").write_text("secret")
    (settings.archive / "x.txt").write_text("not a page")
    r = client(settings).get(path)
    assert r.status_code == 404 and "secret" not in r.text and "drafts" not in r.text


def test_without_an_archive_folder_the_route_says_so(project):
    settings, folder = project
    assert client(settings, archive=False).get("/archive/").status_code == 404
