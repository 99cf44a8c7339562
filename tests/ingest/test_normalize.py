"""Canonical URLs, titles, dates, text cleanup and language: tables of named cases."""
from datetime import datetime, timezone

import pytest

from pipeline.ingest.normalize import (canonical_url, clean_text, clean_title, detect_language,
                                       is_date_only, parse_date, stable_id)

URLS = [
    ("tracking", "https://example.com/a?utm_source=rss&utm_medium=x&id=3", "https://example.com/a?id=3"),
    ("fbclid-gclid", "https://example.com/a?fbclid=1&gclid=2", "https://example.com/a"),
    ("fragment", "https://example.com/a#comments", "https://example.com/a"),
    ("host-case-port", "HTTPS://News.EXAMPLE.com:443/a", "https://news.example.com/a"),
    ("www-folded", "https://www.example.com/a", "https://example.com/a"),
    ("trailing-slash", "https://example.com/a/", "https://example.com/a"),
    ("amp-suffix", "https://example.com/a/amp/", "https://example.com/a"),
    ("amp-dot", "https://example.com/a.amp", "https://example.com/a"),
    ("amp-prefix", "https://example.com/amp/a", "https://example.com/a"),
    ("amp-host", "https://amp.example.com/a", "https://example.com/a"),
    ("google-amp-cache", "https://www.google.com/amp/s/www.example.com/a/amp", "https://example.com/a"),
    ("query-sorted", "https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("http-folded", "http://example.com/a", "https://example.com/a"),
    ("root", "https://example.com", "https://example.com/"),
]


@pytest.mark.parametrize("link,expected", [(l, e) for _, l, e in URLS], ids=[n for n, _, _ in URLS])
def test_canonical_url(link, expected):
    assert canonical_url(link) == expected


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "ftp://x.example/a", "", None,
                                  "vbscript:msgbox", "https://", "http://[::1"])
def test_canonical_url_refuses_non_http(link):
    assert canonical_url(link) is None


TITLES = [
    ("domain-suffix", "Fed holds rates - Bloomberg.com", "Bloomberg", "Fed holds rates"),
    ("outlet-suffix-pipe", "Fed holds rates | Reuters", "Reuters", "Fed holds rates"),
    ("outlet-prefix", "Reuters - Fed holds rates steady", "Reuters", "Fed holds rates steady"),
    ("en-dash-suffix", "Lupus study gives hope – The Guardian", "The Guardian", "Lupus study gives hope"),
    ("keeps-real-colon", "Markets: Fed holds rates steady", None, "Markets: Fed holds rates steady"),
    ("keeps-dash-in-story", "Storm hits coast - thousands without power", None,
     "Storm hits coast - thousands without power"),
    ("entities-decoded-and-space", "  Caf&eacute;  opens\n", None, "Café opens"),
]


@pytest.mark.parametrize("title,dated", [
    ("Updated: November 11, 2011 20:09 IST", True), ("Friday, June 7, 2013", True), ("May 2, 2013, 1: 12 PM", True),
    ("Watergate figure Fred LaRue dies, July 24", False), ("May Day marches draw thousands", False),
    ("No date here", False)])
def test_a_title_that_only_dates_its_page(title, dated):
    assert is_date_only(title) is dated


@pytest.mark.parametrize("raw,outlet,expected", [(r, o, e) for _, r, o, e in TITLES], ids=[n for n, *_ in TITLES])
def test_clean_title(raw, outlet, expected):
    assert clean_title(raw, outlet=outlet) == expected


def test_clean_title_uses_host_name():
    assert clean_title("Port strike ends - Harbour Times", url="https://harbourtimes.example/x") == "Port strike ends"


@pytest.mark.parametrize("raw,expected", [
    ("Tue, 17 Nov 2026 08:30:00 +0100", datetime(2026, 11, 17, 7, 30, tzinfo=timezone.utc)),
    ("2026-11-19T09:45:00+01:00", datetime(2026, 11, 19, 8, 45, tzinfo=timezone.utc)),
    ("2026-11-19T09:45:00Z", datetime(2026, 11, 19, 9, 45, tzinfo=timezone.utc)),
    ("2026-11-19 09:45", datetime(2026, 11, 19, 9, 45, tzinfo=timezone.utc)),
    ("2026-11-19", datetime(2026, 11, 19, tzinfo=timezone.utc)),
], ids=["rfc2822-offset", "iso-offset", "iso-z", "naive-is-utc", "date-only"])
def test_parse_date_is_aware_utc(raw, expected):
    got = parse_date(raw)
    assert got == expected and got.tzinfo is not None and got.utcoffset().total_seconds() == 0


# The dates feeds, JSON Feed, article headers and pages write, beyond the cases above. The same
# instants feedparser's own date handlers give for them (and for every one of the 5,539 distinct
# dates of the development bench's feeds and files).
@pytest.mark.parametrize("raw,expected", [
    ("Thu, 19 Nov 2026 09:45:00 +01:00", datetime(2026, 11, 19, 8, 45, tzinfo=timezone.utc)),
    ("Thu, 19 Nov 2026 09:45:00 -03:30", datetime(2026, 11, 19, 13, 15, tzinfo=timezone.utc)),
    ("17 Nov 2026 08:30:00 EST", datetime(2026, 11, 17, 13, 30, tzinfo=timezone.utc)),
    ("Tue, 17 Nov 2026 08:30:00 GMT", datetime(2026, 11, 17, 8, 30, tzinfo=timezone.utc)),
    ("Tue, 17 Nov 26 08:30:00 +0100", datetime(2026, 11, 17, 7, 30, tzinfo=timezone.utc)),
    ("Tuesday, 17 November 2026 08:30 +0100", datetime(2026, 11, 17, 7, 30, tzinfo=timezone.utc)),
    ("Tue, 17 Nov 2026 08:30:00 +0100 (CET)", datetime(2026, 11, 17, 7, 30, tzinfo=timezone.utc)),
    ("Tue, 17 Nov 2026", datetime(2026, 11, 17, tzinfo=timezone.utc)),
    ("19 November 2026", datetime(2026, 11, 19, tzinfo=timezone.utc)),
    ("Thu Nov 19 09:45:00 2026", datetime(2026, 11, 19, 9, 45, tzinfo=timezone.utc)),
    ("2026-11-19T09:45:00.250-08:00", datetime(2026, 11, 19, 17, 45, 0, 250000, tzinfo=timezone.utc)),
    ("2026-11-19t09:45:00z", datetime(2026, 11, 19, 9, 45, tzinfo=timezone.utc)),
    ("2026-11-19 09:45:00 +0100", datetime(2026, 11, 19, 8, 45, tzinfo=timezone.utc)),
    ("20261119T094500Z", datetime(2026, 11, 19, 9, 45, tzinfo=timezone.utc)),
    ("2026-11", datetime(2026, 11, 1, tzinfo=timezone.utc)),
    ("2026", datetime(2026, 1, 1, tzinfo=timezone.utc)),
], ids=["rfc822-colon-offset", "rfc822-negative-half-hour", "rfc822-named-zone", "rfc822-gmt",
        "rfc822-two-digit-year", "rfc822-long-names-no-seconds", "rfc822-zone-comment", "rfc822-date-only",
        "day-month-year", "asctime", "iso-fraction-offset", "rfc3339-lower-case", "iso-space-offset",
        "iso-basic", "w3dtf-year-month", "w3dtf-year"])
def test_parse_date_reads_the_formats_feeds_and_headers_use(raw, expected):
    got = parse_date(raw)
    assert got == expected and got.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("raw", ["", None, "not a date", "32/13/2026", "2026-13", "0000", "Tuesday"])
def test_parse_date_unreadable_is_none(raw):
    assert parse_date(raw) is None


def test_clean_text_repairs_mojibake_controls_and_spaces():
    raw = "CafÃ© opened\u202e today\x07.\r\n\r\n\r\n  Second\u00a0  paragraph  "
    assert clean_text(raw) == "Café opened today.\n\nSecond paragraph"


def test_clean_text_keeps_paragraphs():
    assert clean_text("One.\nTwo.\n\n\n\nThree.") == "One.\nTwo.\n\nThree."


@pytest.mark.parametrize("text,declared,expected", [
    ("The council said that the new line will open in the spring of next year.", None, "en"),
    ("東京株式市場で日経平均株価は続伸した。", None, "ja"),
    ("Anything", "de-DE", "de"),
    ("Anything", "EN_us", "en"),
    ("", None, None),
], ids=["english", "japanese", "declared-region", "declared-underscore", "empty"])
def test_detect_language(text, declared, expected):
    assert detect_language(text, declared) == expected


def test_stable_id_is_stable_and_distinct():
    assert stable_id("feed", "guid-1") == stable_id("feed", "guid-1")
    assert stable_id("feed", "guid-1") != stable_id("feed", "guid-2")
    assert stable_id("a", "bc") != stable_id("ab", "c")
    assert len(stable_id("x")) == 16
