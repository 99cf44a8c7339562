"""Selection for one digest: coverage counts distinct outlets, a group whose titles tell
different events sinks (cohesion), and no two selected stories tell one event. Named cases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipeline.model import Member, SourceRef, Story
from pipeline.select import cohesion, same_event, score, select

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def story(sid: str, headline: str, titles_by_outlet: list[tuple[str, str]], hours_ago: float = 1) -> Story:
    when = NOW - timedelta(hours=hours_ago)
    sources = tuple(SourceRef(outlet, f"https://{i}.example/{sid}", title, when, f"{sid}-{i}")
                    for i, (outlet, title) in enumerate(titles_by_outlet))
    return Story(id=sid, headline=headline, summary=(), sources=sources,
                 members=tuple(Member(s.article_id, "seed", 1.0) for s in sources),
                 first_seen=when, last_updated=when)


TANKER = story("tanker", "Tanker runs aground at Valdora, port closed", [
    ("Wire", "Tanker runs aground at Valdora, port closed"),
    ("Harbour Times", "Valdora port shut after tanker runs aground"),
    ("Coast News", "Diesel spill as tanker runs aground off Valdora")])
MIXED = story("mixed", "India to expand Starlink licences", [
    ("Wire", "India to expand Starlink licences"),
    ("Markets Daily", "India raises sugar import quota for mills"),
    ("Power Weekly", "India opens nuclear sector to private firms"),
    ("Asia Desk", "Monsoon rains lift India's rice planting")])


@pytest.mark.parametrize("case,expected", [
    (TANKER, 1.0),
    (MIXED, 0.0),
    (story("one", "Chess champion retains title", [("Board Weekly", "Chess champion retains title")]), 1.0),
])
def test_cohesion(case, expected):
    assert cohesion(case) == expected


def test_a_group_of_different_events_is_ranked_below_a_clean_story_with_fewer_outlets():
    assert len(MIXED.outlets) > len(TANKER.outlets)
    assert score(TANKER, now=NOW) > score(MIXED, now=NOW)


def test_coverage_counts_distinct_outlets_not_articles():
    one_outlet = story("x", TANKER.headline, [("Wire", s.title) for s in TANKER.sources])
    assert len(one_outlet.sources) == 3 and len(one_outlet.outlets) == 1
    assert score(TANKER, now=NOW) > score(one_outlet, now=NOW)


@pytest.mark.parametrize("a,b,same", [
    ("Tanker runs aground at Valdora, port closed", "Valdora port closed as tanker runs aground", True),
    ("Weekly jobless claims fall to 210,000", "Weekly jobless claims rise to 225,000", False),
    ("Tanker runs aground at Valdora, port closed", "Chess champion retains title in Madrid", False),
])
def test_same_event_headlines(a, b, same):
    assert same_event(story("a", a, [("A", a)]), story("b", b, [("B", b)])) is same


def test_no_two_selected_stories_tell_one_event():
    split = story("tanker-2", "Valdora port closed as tanker runs aground", [
        ("Bay Radio", "Valdora port closed as tanker runs aground")], hours_ago=2)
    chess = story("chess", "Chess champion retains title in Madrid", [
        ("Board Weekly", "Chess champion retains title in Madrid")], hours_ago=3)
    chosen = [r.story.id for r in select([split, TANKER, chess], now=NOW, top_n=3)]
    assert chosen == ["tanker", "chess"]
    # A reviewer's pin stands first; the other telling of its event goes.
    pinned = [r.story.id for r in select([split, TANKER, chess], now=NOW, top_n=3, pins=["tanker-2"])]
    assert pinned == ["tanker-2", "chess"]


# --- the digest's language ------------------------------------------------------------------------
def _settings(tmp_path, language: str | None = None):
    from pipeline.config import load_settings

    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text((f'language = "{language}"\n' if language else "") + "top_n = 5\n", encoding="utf-8")
    return load_settings(cfg, env={})


def test_a_story_told_only_in_another_language_is_left_out_and_counted(tmp_path):
    from dataclasses import replace

    from pipeline.select import select_stories

    english, japanese = replace(TANKER, language="en"), replace(story("jp", "東京で地震訓練", [
        ("ロイター", "東京で地震訓練"), ("日本ニュース", "東京で大規模な地震訓練")]), language="ja")
    unknown = story("plain", "Chess champion retains title", [("Board Weekly", "Chess champion retains title")])
    dates = {m.article_id: (NOW - timedelta(hours=1), 1.0) for s in (english, japanese, unknown) for m in s.members}
    chosen = select_stories([english, japanese, unknown], dates, {}, replace(_settings(tmp_path), language="en"),
                            NOW, digest="d")
    assert {s.id for s in chosen.chosen} == {"tanker", "plain"}
    assert ("other language", 1) in chosen.left_out


def test_the_digests_language_comes_from_the_config_else_most_articles(tmp_path):
    from pipeline.model import Article
    from pipeline.select import digest_language

    read = [Article(id=str(i), title="t", text="", origin="x", language=lang)
            for i, lang in enumerate(["ja", "ja", "ja", "en", None])]
    assert digest_language(_settings(tmp_path, "de"), read, []) == "de"
    assert digest_language(_settings(tmp_path), read, []) == "ja"
    assert digest_language(_settings(tmp_path), [], [TANKER]) == "en"     # nothing known: the default


def test_a_title_alone_ranks_below_a_told_story_of_equal_coverage():
    from dataclasses import replace

    told = replace(TANKER, id="told", summary=(("A tanker ran aground at Valdora on Monday, closing the port.", "x"),))
    assert score(told, now=NOW) == 2 * score(TANKER, now=NOW)


def test_the_run_report_says_what_the_filters_left_out_of_a_digest():
    from pipeline.model import RunReport

    report = RunReport(started=NOW, articles=20, stories=9, selected=3,
                       left_out=(("age", 2), ("other language", 4)))
    said = report.summary()
    assert "left out: 2 older than `max_age_hours`" in said
    assert "4 in another language than the digest's (`language`)" in said
