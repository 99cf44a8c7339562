"""Progress: one line naming the stage, the count, the elapsed time and what it waits for, drawn
only on a terminal; nothing at all off a TTY or with TERM=dumb."""
from __future__ import annotations

import io
import re

import pytest

from pipeline.progress import Progress, is_interactive, waiting_for

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _frames(raw: str) -> list[str]:
    """Each redraw of the line, with rich's cursor and colour codes taken out."""
    text = ANSI.sub("", raw)
    return [f for f in re.split(r"[\r\n]", text) if f.strip()]


def test_one_line_within_40_columns_with_stage_count_time_and_feeds_waited_on():
    out = FakeTTY()
    with Progress("fetching feeds", 12, stream=out, enabled=True, width=40) as bar:
        bar.advance(note=waiting_for(["Reuters World", "Associated Press", "Le Monde", "NHK"]))
    frames = _frames(out.getvalue())
    assert frames and all(len(f) <= 40 for f in frames), frames
    assert any("fetching feeds" in f and "1/12" in f and "0:00:0" in f for f in frames), frames
    wide = FakeTTY()
    with Progress("fetching feeds", 12, stream=wide, enabled=True, width=120) as bar:
        bar.advance(note=waiting_for(["Reuters World", "Associated Press", "Le Monde", "NHK"]))
    assert any("waiting for: Reuters World, Associated Press +2" in f for f in _frames(wide.getvalue()))


def test_a_stage_without_a_count_still_shows_it_is_alive():
    out = FakeTTY()
    with Progress("grouping stories", stream=out, enabled=True, width=60) as bar:
        bar.note("900 articles in the window")
    assert any("grouping stories" in f and "0:00:0" in f for f in _frames(out.getvalue()))


def test_feed_text_in_a_note_cannot_drive_the_terminal():
    out = FakeTTY()
    with Progress("fetching feeds", 2, stream=out, enabled=True, width=100) as bar:
        bar.advance(note="waiting for: Evil\x1b]0;owned\x07\x1b[31m")
    assert "\x1b]0;" not in out.getvalue() and "owned\x07" not in out.getvalue()


@pytest.mark.parametrize("term,tty,shown", [("xterm-256color", True, True), ("dumb", True, False),
                                            ("xterm", False, False)])
def test_only_a_real_terminal_gets_a_progress_line(monkeypatch, term, tty, shown):
    monkeypatch.setenv("TERM", term)
    out = FakeTTY() if tty else io.StringIO()
    assert is_interactive(out) is shown
    with Progress("reading files", 3, stream=out) as bar:
        bar.advance(3)
    assert bool(out.getvalue()) is shown
