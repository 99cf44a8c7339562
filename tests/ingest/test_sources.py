"""Every kind of input beside its expected records; bad input gives one clear error and the
rest goes on. Expected records live in tests/fixtures/feeds-expected/ (regenerate with
NEWSDESK_REGEN_GOLDEN=1 and review the diff)."""
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.ingest.collect import ingest, spec_for
from pipeline.ingest.sources import read_file
from pipeline.store import open_store

FEEDS = Path(__file__).parents[1] / "fixtures" / "feeds"
EXPECTED = Path(__file__).parents[1] / "fixtures" / "feeds-expected"
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
GOOD = ["rss091.xml", "rss092-latin1.xml", "rss10.rdf", "rss20.xml", "atom03.xml", "atom10.xml", "feed.json"]


def records(path: Path) -> list[dict]:
    arts, errors = read_file(path, path.name, now=NOW)
    assert not [e for e in errors if not e.warning], errors
    return [a.to_json() for a in arts]


@pytest.mark.parametrize("name", GOOD)
def test_feed_matches_expected_records(name):
    got = records(FEEDS / name)
    golden = EXPECTED / (name + ".json")
    if os.environ.get("NEWSDESK_REGEN_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_rss20_fields_in_detail():
    port, tram = records(FEEDS / "rss20.xml")
    assert port["title"] == "Port strike ends after 12-day standoff"  # site suffix gone
    assert port["url"] == "https://harbourtimes.example/news/port-strike-ends"
    assert port["link"].endswith("utm_medium=feed#top")  # the link as given is kept
    assert port["guid"] == "ht-2026-0001"
    assert port["published"] == "2026-11-17T07:30:00+00:00" and not port["published_guessed"]
    assert port["author"] == "Ana Ruiz" and port["language"] == "en" and port["source"] == "Harbour Times"
    assert port["image"] == "https://img.harbourtimes.example/strike.jpg"
    assert "alert(1)" not in port["text"] and "Advertisement" not in port["text"]
    assert "Share this article" not in port["text"]
    assert "1,200 members took part in the ballot & 84 percent" in port["text"]
    assert tram["title"] == "Council approves new tram line"  # markup in a title is stripped
    assert tram["published"] == NOW.isoformat() and tram["published_guessed"]


def test_declared_latin1_charset_is_honoured():
    (rec,) = records(FEEDS / "rss092-latin1.xml")
    assert rec["title"] == "Señor García opens the new bridge"


def test_json_feed_drops_non_http_links():
    good, hostile = records(FEEDS / "feed.json")
    assert good["url"] == "https://jsonwire.example/2026/11/20/rail-fares"
    assert good["published"] == "2026-11-20T12:00:00+00:00"
    assert "Follow us" not in good["text"]
    assert hostile["link"] is None and hostile["url"] is None and hostile["guid"] == "78"


def test_atom_amp_link_folded_and_language_kept():
    (rec,) = records(FEEDS / "atom10.xml")
    assert rec["url"] == "https://nordblick.example/wirtschaft/windpark-nordsee-ost"
    assert rec["language"] == "de" and rec["title"] == 'Windpark "Nordsee Ost" liefert ersten Strom'


@pytest.mark.parametrize("name,message", [
    ("empty.xml", "empty"),
    ("binary.xml", "not a readable feed"),
    ("notafeed.xml", "not a feed"),
])
def test_bad_input_is_one_clear_error(name, message):
    arts, errors = read_file(FEEDS / name, name, now=NOW)
    assert arts == []
    assert len(errors) == 1 and not errors[0].warning
    assert errors[0].origin == name and message in errors[0].message


def test_malformed_feed_keeps_what_it_can_with_a_warning():
    arts, errors = read_file(FEEDS / "broken.xml", "broken.xml", now=NOW)
    assert [a.title for a in arts][:1] == ["First item survives"]
    assert errors and all(e.warning for e in errors) and "malformed" in errors[0].message


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 2000 + b"</rss>")
    arts, errors = read_file(big, "big.xml", max_bytes=1000)
    assert arts == [] and "too large" in errors[0].message


def test_folder_ingest_goes_on_past_bad_files(tmp_path):
    with open_store(tmp_path / "state") as store:
        result = ingest([spec_for(str(FEEDS))], store=store, now=NOW, progress=False)
    titles = {a.title for a in result.articles}
    assert "Port strike ends after 12-day standoff" in titles and "Library reopens after renovation" in titles
    bad = {Path(e.origin).name for e in result.errors if not e.warning}
    assert bad == {"empty.xml", "binary.xml", "notafeed.xml"}


def test_guessed_date_is_first_seen_and_stays(tmp_path):
    later = datetime(2026, 11, 23, tzinfo=timezone.utc)
    p = tmp_path / "feed.xml"
    p.write_bytes((FEEDS / "rss20.xml").read_bytes())
    with open_store(tmp_path / "state") as store:
        first = ingest([spec_for(str(p))], store=store, now=NOW, progress=False)
        os.utime(p, (1, 1))  # looks changed: parsed again, a day later
        second = ingest([spec_for(str(p))], store=store, now=later, progress=False)
    tram1 = next(a for a in first.articles if a.guid is None)
    tram2 = next(a for a in second.articles if a.guid is None)
    assert tram1.published == tram2.published == NOW and tram2.published_guessed


def test_unchanged_file_is_not_parsed_again(tmp_path):
    f = tmp_path / "feed.xml"
    f.write_bytes((FEEDS / "rss20.xml").read_bytes())
    with open_store(tmp_path / "state") as store:
        first = ingest([spec_for(str(f))], store=store, now=NOW, progress=False)
        second = ingest([spec_for(str(f))], store=store, now=NOW, progress=False)
    assert second.skipped_unchanged == 1 and first.skipped_unchanged == 0
    assert [a.to_json() for a in second.articles] == [a.to_json() for a in first.articles]


def test_byte_order_marks_are_honoured(tmp_path):
    text = (FEEDS / "rss091.xml").read_text(encoding="latin-1").replace('encoding="ISO-8859-1"', 'encoding="utf-8"')
    utf8 = tmp_path / "bom8.xml"
    utf8.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    article = tmp_path / "bom16.txt"
    article.write_bytes("Caf\u00e9 owner wins award\n\nThe owner of the Caf\u00e9 Central won the award on Friday "
                        "after twenty years behind the counter.\n".encode("utf-16"))
    (a,) = read_file(utf8, "bom8.xml", now=NOW)[0]
    (b,) = read_file(article, "bom16.txt", now=NOW)[0]
    assert a.title == "Caf\u00e9 owner wins regional award"
    assert b.title == "Caf\u00e9 owner wins award" and "Caf\u00e9 Central" in b.text


def test_text_file_header_block(tmp_path):
    f = tmp_path / "story.md"
    f.write_text("Title: Harbour reopens after storm\nURL: https://www.harbour.example/reopen?utm_source=x\n"
                 "Date: 2026-11-20T08:00:00+01:00\nSource: Harbour Times\n\n"
                 "# Harbour reopens after storm\n\nThe harbour reopened on Friday after a week of repairs "
                 "to the storm-damaged quay, the port authority said.\n", encoding="utf-8")
    (a,) = read_file(f, "story.md", now=NOW)[0]
    assert (a.title, a.url, a.source) == ("Harbour reopens after storm", "https://harbour.example/reopen", "Harbour Times")
    assert a.published == datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc) and not a.published_guessed
    assert a.text.startswith("The harbour reopened on Friday")


def test_html_article_file(tmp_path):
    page = Path(__file__).parents[1] / "fixtures" / "boilerplate" / "article.html"
    (a,) = read_file(page, "article.html", now=NOW)[0]
    assert a.title and len(a.text) > 200 and a.published is not None


def test_an_undated_article_is_never_dated_after_the_runs_now(tmp_path):
    """A file checked out or copied after the run's clock must not look like future news."""
    import os
    from datetime import datetime, timedelta, timezone

    from pipeline.ingest.sources import read_file

    now = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    path = tmp_path / "story.txt"
    path.write_text("A harbour crane collapses in the storm\n\nThe crane fell on Monday night.\n")
    future = (now + timedelta(days=30)).timestamp()
    os.utime(path, (future, future))
    (article,), _ = read_file(path, str(path), now=now)
    assert article.published == now and article.published_guessed
    past = (now - timedelta(days=2)).timestamp()
    os.utime(path, (past, past))
    (article,), _ = read_file(path, str(path), now=now)
    assert article.published == now - timedelta(days=2)


def test_a_broken_ipv6_link_is_dropped_not_raised(tmp_path):
    """urlsplit raises on 'http://[::1': such a link (item or channel) must not stop the feed."""
    feed = tmp_path / "broken.xml"
    feed.write_text("<?xml version='1.0'?><rss version='2.0'><channel><title>Odd</title>"
                    "<link>http://[::1</link><item><title>Bridge reopens after repairs</title>"
                    "<link>http://[::1</link><description>The bridge reopened on Monday.</description>"
                    "</item><item><title>Tram line opens</title><link>https://odd.example/tram</link>"
                    "</item></channel></rss>", encoding="utf-8")
    arts, errs = read_file(feed, str(feed), now=NOW)
    assert [a.title for a in arts] == ["Bridge reopens after repairs", "Tram line opens"]
    assert arts[0].url is None and arts[1].url == "https://odd.example/tram"
    assert not [e for e in errs if not e.warning]
