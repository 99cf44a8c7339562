"""Stories as the store keeps them: what is read back is the record that was written, every
field of it, and it stays a frozen, hashable record."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.history import story_from_json, story_to_json
from pipeline.model import Member, SourceRef, Story


def _story() -> Story:
    t = datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc)
    return Story(
        id="s1", headline="Port strike ends", summary=(("Dock workers went back.", "a1"),),
        sources=(SourceRef("Harbour Times", "https://harbour.example/a1", "Port strike ends", t, "a1"),
                 SourceRef(None, None, "Strike over", None, "a2")),
        members=(Member("a1", "seed"), Member("a2", "same story", 0.42, None, ("Port", "#12")),
                 Member("a3", "duplicate", 0.97, "a1", ("same text",))),
        first_seen=t, last_updated=t + timedelta(hours=2), key_facts=("12 days",),
        disputed=("pay rise: 4% / 5%",), entities=("Port",), keywords=("strike",), tags=("local",))


def test_a_stored_story_reads_back_as_the_same_record():
    story = _story()
    back = story_from_json(story_to_json(story))
    assert back == story and hash(back) == hash(story)
    for got, want in zip(back.members + back.sources, story.members + story.sources):
        assert type(got) is type(want)
        assert vars(got) == {f.name: getattr(want, f.name) for f in dataclasses.fields(want)}
    assert back.sources[0].published.tzinfo is timezone.utc
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.members[0].score = 0.0                    # type: ignore[misc]


def test_dates_written_elsewhere_are_read_as_feed_dates():
    """A date with another offset (or none) is still read, as UTC."""
    text = story_to_json(_story()).replace("2026-11-20T07:30:00+00:00", "2026-11-20T09:30:00+02:00")
    back = story_from_json(text)
    assert back.first_seen == _story().first_seen and back.first_seen.tzinfo is timezone.utc
