"""A whole run on a feed that carries pictures (issue 26, "done when"): every story shows its
https picture in the e-mail, the web edition and the review page; an http: or data: picture is
dropped; `images = false` leaves them all out; then `newsdesk publish` writes the archive and a
second one changes nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import lxml.html

from pipeline import outbox as ob
from pipeline.cli import main
from pipeline.config import load_settings
from pipeline.outbox.view import digest_view
from pipeline.run import run_digest

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
TOPICS = [("Port strike ends after twelve days", "Dockers accepted a pay offer of 6 percent on Tuesday, ending a "
           "strike that left ships queued outside the harbour for twelve days."),
          ("Council approves new tram line", "The city council approved a new tram line on Tuesday that will "
           "link the station with the university by 2029, at a cost of 240 million."),
          ("Museum reopens after flood repairs", "The city museum reopened on Tuesday after a year of repairs "
           "to the damage the river flood did to its lower galleries."),
          ("Heat record broken in the valley", "The valley recorded 41.2 degrees on Tuesday, breaking the "
           "heat record set in 2003 by almost a degree, the weather service said.")]
PICTURES = ['<media:content url="https://img.wire.example/{n}.jpg" medium="image" width="1200" height="675">'
            '<media:credit>Wire Photo/{n}</media:credit></media:content>',
            '<enclosure url="https://img.wire.example/{n}.png" type="image/png" length="1"/>',
            '<media:content url="http://img.wire.example/{n}.jpg" medium="image"/>',       # http: dropped
            '<description><![CDATA[<img src="data:image/png;base64,iVBORw0KGgo="> {text}]]></description>']


def feed(folder: Path) -> None:
    items = []
    for n, (title, text) in enumerate(TOPICS):
        when = format_datetime(NOW - timedelta(hours=2 + n))
        picture = PICTURES[n].format(n=n, text=text)
        description = "" if "<description>" in picture else f"<description>{text}</description>"
        items.append(f"<item><title>{title}</title><link>https://wire.example/news/{n}</link>"
                     f"<guid>wire-{n}</guid><pubDate>{when}</pubDate>{description}{picture}</item>")
    folder.mkdir()
    (folder / "wire.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f'<title>Wire</title><link>https://wire.example/</link>{"".join(items)}</channel></rss>', encoding="utf-8")


def project(tmp_path: Path, extra: str = "") -> Path:
    feed(tmp_path / "feeds")
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text('title = "Morning digest"\nfrom = "Desk <desk@example.org>"\npostal_address = ""\n'
                   f'{extra}\n[archive]\nsite_url = "https://wire.example/digest/"\n\n'
                   '[[sources]]\nname = "Wire"\npath = "feeds"\n', encoding="utf-8")
    return cfg


def test_a_feed_with_pictures_gives_one_per_story_https_only(tmp_path):
    settings = load_settings(project(tmp_path), env={})
    report = run_digest(settings, now=NOW, progress=False)
    folder = Path(report.digest)
    assert report.selected == 4
    want = {"https://img.wire.example/0.jpg", "https://img.wire.example/1.png"}
    html = (folder / "digest.html").read_text()
    assert {img.get("src") for img in lxml.html.document_fromstring(html).iter("img")} == want
    assert "http://img.wire.example" not in html and "data:image" not in html
    web = lxml.html.document_fromstring((folder / "web.html").read_text())
    assert {img.get("src") for img in web.iter("img")} == want
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {s["image"]["url"] for s in manifest["stories"] if "image" in s} == want
    credits = [s["image"]["credit"] for s in manifest["stories"] if "image" in s]
    assert "Wire Photo/0" in credits
    page = digest_view(ob.load_digest(folder))
    assert {s["picture"]["url"] for s in page["stories"] if s["picture"]} == want
    assert "View in your browser" in html and "https://wire.example/digest/2026-11-22-morning-digest/" in html


def test_images_false_leaves_every_picture_out(tmp_path):
    settings = load_settings(project(tmp_path, "images = false"), env={})
    folder = Path(run_digest(settings, now=NOW, progress=False).digest)
    for name in ("digest.html", "web.html"):
        assert "<img" not in (folder / name).read_text(), name
    assert not any("image" in s for s in json.loads((folder / "manifest.json").read_text())["stories"])


def test_publish_writes_the_archive_once(tmp_path, capsys):
    cfg = project(tmp_path)
    folder = Path(run_digest(load_settings(cfg, env={}), now=NOW, progress=False).digest)
    assert main(["--config", str(cfg), "publish"]) == 0
    assert capsys.readouterr().out.startswith("nothing to publish")
    email = next(d for d in ob.load_digest(folder).drafts if d.channel == "email")
    assert main(["--config", str(cfg), "outbox", "approve", email.id]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "publish"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == ["wrote"] * 4
    archive = tmp_path / "archive"
    assert {str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file()} == {
        "2026-11-22-morning-digest/index.html", "2026-11-22-morning-digest/edition.json", "index.html", "feed.xml"}
    assert main(["--config", str(cfg), "publish"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"unchanged   4 files in {archive}"]
