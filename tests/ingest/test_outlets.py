"""The outlet of a feed item is its real publisher, never an aggregator (cases from feed patterns)."""
from datetime import datetime, timezone

import pytest

from pipeline.ingest.sources.feed import feed_outlet, is_aggregator, parse_feed

NOW = datetime(2026, 8, 20, 12, tzinfo=timezone.utc)


def _rss(channel_title: str, channel_link: str, items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>g{n}</guid>{extra}"
                   f"<pubDate>Thu, 20 Aug 2026 10:00:00 +0000</pubDate></item>"
                   for n, (t, link, extra) in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{channel_title}</title><link>{channel_link}</link>{body}"
            f"</channel></rss>").encode()


@pytest.mark.parametrize("title, outlet", [
    ("Bloomberg — Markets", "Bloomberg"),
    ("Reuters: World News", "Reuters"),
    ("The Guardian | Technology", "The Guardian"),
    ("CNA Business", "CNA Business"),
])
def test_feed_title_without_its_section(title, outlet):
    assert feed_outlet(title) == outlet


def test_google_news_items_are_their_publishers():
    feed = _rss("Google News", "https://news.google.com/rss/search?q=rates", [
        ("Fed holds rates steady - Reuters", "https://news.google.com/rss/articles/abc?oc=5", ""),
        ("Fed holds rates, signals patience - Bloomberg.com", "https://news.google.com/rss/articles/def", ""),
    ])
    arts, _ = parse_feed(feed, "gn.xml", now=NOW)
    assert [a.source for a in arts] == ["Reuters", "Bloomberg.com"]
    assert arts[0].title == "Fed holds rates steady"


def test_a_pool_of_many_sites_is_not_an_outlet():
    feed = _rss("Resource pool — deduplicated", "https://pool.example/", [
        ("Oil rises", "https://www.reuters.com/a", ""),
        ("Stocks slip", "https://www.bloomberg.com/b", ""),
        ("Rates hold", "https://www.straitstimes.com/c", ""),
        ("Yen falls", "https://finance.yahoo.co.jp/d", ""),
    ])
    arts, _ = parse_feed(feed, "pool.xml", now=NOW)
    assert [a.source for a in arts] == ["reuters.com", "bloomberg.com", "straitstimes.com",
                                        "finance.yahoo.co.jp"]


def test_rss_source_and_dc_publisher_win():
    feed = _rss("Planet Markets", "https://planet.example/", [
        ("Oil rises", "https://planet.example/1", '<source url="https://www.reuters.com">Reuters</source>'),
        ("Stocks slip", "https://planet.example/2", "<dc:publisher>Nikkei Asia</dc:publisher>"),
    ])
    arts, _ = parse_feed(feed, "planet.xml", now=NOW)
    assert [a.source for a in arts] == ["Reuters", "Nikkei Asia"]


def test_one_site_feed_is_not_an_aggregator():
    links = [f"https://www.example.com/{i}" for i in range(10)] + ["https://cdn.other.example/x"]
    assert not is_aggregator("https://www.example.com/", links)
