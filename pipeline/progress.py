"""Progress on a terminal, silence in cron: one line on stderr, drawn by rich, only on a TTY.

rich (rather than our own escape codes) sizes the line to the terminal, so it stays one line in
a 40-column window, and redraws it in place. The line names the stage (fetching, reading,
grouping, writing), counts done/total when there is a total, shows the elapsed time, and can say
what it is waiting for ("waiting for: Reuters, AP +3"). Off a TTY, with TERM=dumb or when
disabled, nothing at all is written: logs and cron mail stay clean.
"""
from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Column
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as _RichProgress

from pipeline.terminal import safe

NOTE_CHARS = 60          # a note longer than this is cut (rich also cuts to the terminal width)


def is_interactive(stream: TextIO) -> bool:
    """A person is watching: a TTY whose terminal understands cursor movement."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM", "") not in ("dumb", "unknown")


class Progress:
    """One stage's progress line. `total=None` is a stage with no count (a spinner and the time).

    with Progress("grouping") as bar: ...                   # spinner + elapsed
    with Progress("fetching feeds", 40) as bar: bar.advance(note="waiting for: X")
    """

    def __init__(self, label: str, total: int | None = None, *, stream: TextIO | None = None,
                 enabled: bool | None = None, width: int | None = None):
        self.stream = stream or sys.stderr
        self.enabled = is_interactive(self.stream) if enabled is None else enabled
        self.label, self.total, self.done = label, total, 0
        self._bar: _RichProgress | None = None
        if not self.enabled:
            return
        console = Console(file=self.stream, width=width, force_terminal=True, highlight=False,
                          soft_wrap=False)
        # Text cells never wrap: a narrow terminal cuts the note (then the bar) with an ellipsis.
        columns = [SpinnerColumn(), TextColumn("[bold]{task.description}",
                                               table_column=Column(no_wrap=True, min_width=8))]
        if total is not None:
            columns += [BarColumn(bar_width=10), MofNCompleteColumn()]
        columns += [TimeElapsedColumn(),
                    TextColumn("{task.fields[note]}",
                               table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1))]
        self._bar = _RichProgress(*columns, console=console, transient=True, expand=True,
                                  refresh_per_second=8)
        self._task = self._bar.add_task(label, total=total, note="")
        self._bar.start()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n, note=safe(note)[:NOTE_CHARS])

    def note(self, text: str) -> None:
        """Say what the stage is doing or waiting for, without counting anything."""
        if self._bar is not None:
            self._bar.update(self._task, note=safe(text)[:NOTE_CHARS])

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def waiting_for(names: list[str], shown: int = 2) -> str:
    """"waiting for: A, B +3" — the feeds a fetch stage still waits on."""
    if not names:
        return ""
    more = f" +{len(names) - shown}" if len(names) > shown else ""
    return "waiting for: " + ", ".join(names[:shown]) + more
