"""The web archive (pipeline.archive): each approved or sent digest's web edition, the index of
them and the Atom feed, written from the approved files only and never rewritten when unchanged.
The feed is read back with feedparser and checked against RFC 4287's required elements."""
from __future__ import annotations

import importlib.util
import json
import logging
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest

from golden_files import check
from pipeline import outbox
from pipeline.archive import publish
from pipeline.config import load_settings
from pipeline.model import Edition
from pipeline.render.archive import render_feed, render_index
from pipeline.render.digest import render_digest
from pipeline.render.options import DigestOptions, edition_name

_spec = importlib.util.spec_from_file_location(
    "archive_stories", Path(__file__).parents[1] / "fixtures" / "render" / "stories.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

SITE = "https://news.example.org/digest/"
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=timezone.utc)
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def project(tmp_path: Path, site_url: str | None = SITE):
    archive = f'[archive]\nsite_url = "{site_url}"\n' if site_url else ""
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text(f'title = "Morning digest"\nfrom = "Desk <desk@example.org>"\npostal_address = ""\n{archive}',
                   encoding="utf-8")
    return load_settings(cfg, env={})


def make_digest(settings, day: date = fixtures.DIGEST_DATE, stories=None, *, approve: bool = True) -> Path:
    stories = stories or fixtures.pictures(fixtures.STORIES[:3])
    options = DigestOptions(date=day, title=settings.title, from_addr=settings.from_addr,
                            site_url=settings.archive_site_url, edition=edition_name(day, settings.title))
    written = outbox.write_digest(settings.outbox, day, "morning-digest", stories, render_digest(stories, options),
                                  settings.to_json(), now=T0)
    if approve:
        e = next(d for d in outbox.load_digest(written.folder).drafts if d.channel == "email")
        outbox.set_status(settings.outbox, [e.id], outbox.APPROVED, by="ed",
                          now=datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=7))
    return written.folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, modification time (ns) and inode: a rewrite changes the last two."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_writes_the_edition_the_index_and_the_feed(tmp_path):
    settings = project(tmp_path)
    folder = make_digest(settings)
    done = publish(settings)
    name = folder.name
    assert sorted(done.written) == sorted([f"{name}/index.html", f"{name}/edition.json", "index.html", "feed.xml"])
    archive = settings.archive
    assert (archive / name / "index.html").read_bytes() == (folder / "web.html").read_bytes()
    record = json.loads((archive / name / "edition.json").read_text())
    assert record["published"] == "2024-05-01T07:00:00+00:00"         # when it was approved
    index = lxml.html.document_fromstring((archive / "index.html").read_text())
    assert [a.get("href") for a in index.iter("a")][:2] == ["feed.xml", f"{name}/"]
    assert "Regulator approves CAR T-cell therapy for children" in index.text_content()
    assert not list(archive.rglob(".*")), "nothing but pages in the archive (its lock is in the state folder)"


def test_publishing_again_changes_nothing(tmp_path):
    settings = project(tmp_path)
    make_digest(settings)
    publish(settings)
    before = snapshot(settings.archive)
    again = publish(settings, now=T0 + timedelta(days=3))
    assert again.written == () and len(again.unchanged) == 4
    assert snapshot(settings.archive) == before                      # the same bytes, never rewritten


def test_a_dry_run_writes_nothing(tmp_path):
    settings = project(tmp_path)
    make_digest(settings)
    done = publish(settings, dry_run=True)
    assert len(done.written) == 4 and not settings.archive.exists()
    assert done.lines()[0].startswith("would write")


def test_only_approved_or_sent_and_unchanged_pages_are_published(tmp_path):
    settings = project(tmp_path)
    draft_only = make_digest(settings, approve=False)
    assert publish(settings).written == () and not settings.archive.exists()
    e = next(d for d in outbox.load_digest(draft_only).drafts if d.channel == "email")
    outbox.set_status(settings.outbox, [e.id], outbox.APPROVED, by="ed", now=T0)
    (draft_only / "web.html").write_text("<p>changed by hand</p>")
    assert publish(settings).written == ()     # the outbox sees the edit: the e-mail is a draft again
    assert outbox.find_draft(settings.outbox, e.id)[1].status == outbox.DRAFT
    assert not (settings.archive / draft_only.name).exists()
    assert publish(settings, statuses=(outbox.SENT,)).written == ()   # what `deliver` publishes


def test_a_digest_without_a_web_edition_is_skipped_with_the_reason(tmp_path):
    settings = project(tmp_path)
    folder = make_digest(settings)
    manifest = json.loads((folder / "manifest.json").read_text())
    for d in manifest["drafts"]:
        d["extra"] = [x for x in d.get("extra", []) if x["path"] != "web.html"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "web.html").unlink()
    (name, why), = publish(settings).skipped
    assert name == folder.name and "older Newsdesk" in why


def test_without_a_site_url_no_feed_and_relative_links(tmp_path):
    settings = project(tmp_path, site_url=None)
    make_digest(settings)
    done = publish(settings)
    assert "feed.xml" not in done.written and any("site_url" in n for n in done.notes)
    page = (settings.archive / f"{fixtures.DIGEST_DATE}-morning-digest" / "index.html").read_text()
    assert "feed.xml" not in page and 'href="../"' in page


def test_editions_accumulate_newest_first_and_keep_their_ids(tmp_path):
    settings = project(tmp_path)
    make_digest(settings)
    publish(settings)
    first = feedparser.parse((settings.archive / "feed.xml").read_bytes())
    make_digest(settings, day=fixtures.DIGEST_DATE + timedelta(days=1), stories=fixtures.pictures(fixtures.STORIES[3:5]))
    publish(settings)
    second = feedparser.parse((settings.archive / "feed.xml").read_bytes())
    assert [e.id for e in second.entries] == [f"{SITE}2024-05-02-morning-digest/", f"{SITE}2024-05-01-morning-digest/"]
    assert second.entries[1].id == first.entries[0].id and second.entries[1].updated == first.entries[0].updated
    index = lxml.html.document_fromstring((settings.archive / "index.html").read_text())
    assert [h.text_content() for h in index.iter("h2")] == ["Thursday 2 May 2024", "Wednesday 1 May 2024"]


# ---------------------------------------------------------------- the feed, read back

def assert_valid_atom(xml: bytes, site_url: str) -> lxml.etree._Element:
    """RFC 4287's rules for what we write: one id, title and updated per feed and entry (dates in
    RFC 3339), an author for the feed, a self and an alternate link, absolute IRIs everywhere;
    each entry an alternate link and a summary or content."""
    root = lxml.etree.fromstring(xml)
    assert root.tag == f"{ATOM}feed"

    def one(el, name):
        found = el.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{el.tag} needs exactly one {name}, has {len(found)}"
        return found[0]

    for name in ("id", "title", "updated"):
        assert (one(root, name).text or "").strip()
    assert RFC3339.match(one(root, "updated").text)
    assert one(one(root, "author"), "name").text
    links = {l.get("rel"): l.get("href") for l in root.findall(f"{ATOM}link")}
    assert links["self"] == f"{site_url}feed.xml" and links["alternate"] == site_url
    entries = root.findall(f"{ATOM}entry")
    assert entries
    ids = [one(e, "id").text for e in entries]
    assert len(set(ids)) == len(ids)
    for e in entries:
        assert one(e, "title").text and RFC3339.match(one(e, "updated").text)
        assert one(e, "id").text.startswith(site_url)
        alt = [l for l in e.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"]
        assert len(alt) == 1 and alt[0].get("href") == one(e, "id").text
        assert e.find(f"{ATOM}summary") is not None or e.find(f"{ATOM}content") is not None
        assert one(e, "updated").text <= one(root, "updated").text
    return root


def test_the_feed_parses_back_and_is_valid_atom(tmp_path):
    settings = project(tmp_path)
    make_digest(settings)
    publish(settings)
    xml = (settings.archive / "feed.xml").read_bytes()
    assert_valid_atom(xml, SITE)
    d = feedparser.parse(xml)
    assert not d.bozo, d.get("bozo_exception")
    assert d.version == "atom10" and d.feed.title == "Morning digest" and d.feed.author == "Desk"
    (entry,) = d.entries
    assert entry.link == f"{SITE}2024-05-01-morning-digest/"
    assert entry.title == "Morning digest \u2014 Wednesday 1 May 2024"
    html = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
    hrefs = [a.get("href") for a in html.iter("a")]
    assert hrefs[0] == f"{SITE}2024-05-01-morning-digest/#story-s-cart" and all(h.startswith(SITE) for h in hrefs)
    # A feed is untrusted input: the hostile headline is text, in the feed and in its HTML.
    assert not html.findall(".//script") and 'alert("x")' in html.text_content()


def editions() -> list[Edition]:
    at = datetime(2024, 5, 1, 7, tzinfo=timezone.utc)
    return [Edition("2024-05-01-morning-digest", "Morning digest", date(2024, 5, 1), at, at,
                    (("s-cart", "Regulator approves CAR T-cell therapy", "Approved on Monday."),
                     ("s-hostile", 'Vote on "Smith & Sons" <script>alert(1)</script>', "Rushed & \u202eodd")),
                    "0" * 64),
            Edition("2024-05-02-morning-digest", "Morning digest", date(2024, 5, 2), at + timedelta(days=1),
                    at + timedelta(days=1, hours=2), (("s-x", "Launch delayed", ""),), "1" * 64)]


def test_index_matches_golden():
    check("archive-index.html", render_index(editions(), title="Morning digest", site_url=SITE))


def test_feed_matches_golden_and_is_valid():
    xml = render_feed(editions(), title="Morning digest", site_url=SITE, author="Desk")
    check("feed.xml", xml)
    assert_valid_atom(xml.encode(), SITE)
    d = feedparser.parse(xml)
    assert not d.bozo and [e.updated for e in d.entries] == ["2024-05-02T09:00:00Z", "2024-05-01T07:00:00Z"]
    assert d.feed.updated == "2024-05-02T09:00:00Z"


def test_the_feed_needs_an_absolute_site_url():
    with pytest.raises(ValueError):
        render_feed(editions(), title="T", site_url="/digest/", author="A")
    with pytest.raises(ValueError):
        render_feed([], title="T", site_url=SITE, author="A")


def test_a_broken_edition_record_is_left_out_not_fatal(tmp_path, caplog):
    settings = project(tmp_path)
    make_digest(settings)
    publish(settings)
    stray = settings.archive / "2024-04-30-morning-digest"
    stray.mkdir()
    (stray / "index.html").write_text("<p>old</p>")
    (stray / "edition.json").write_text("{not json")
    # The publishing module's own logger: a CLI test run before may have quietened "pipeline".
    with caplog.at_level(logging.WARNING, logger="pipeline.archive.publish"):
        done = publish(settings)
    assert done.written == () and done.unchanged and "not an edition record" in caplog.text


def test_the_index_names_the_stories_of_the_approved_page_not_of_a_later_run(tmp_path):
    settings = project(tmp_path)
    folder = make_digest(settings)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["stories"] = [{**s, "headline": "A later run's headline"} for s in manifest["stories"]]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    publish(settings)
    record = json.loads((settings.archive / folder.name / "edition.json").read_text())
    assert [h for _, h, _ in record["stories"]][:1] == ["Regulator approves CAR T-cell therapy for children"]
