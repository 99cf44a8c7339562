"""What every command shares: the settings its flags select, text from feeds made safe for a
terminal, an aligned table. Below pipeline.cli and the command groups, which all import it (the
groups never import pipeline.cli, which imports them)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence


def safe(text: object) -> str:
    """Text from feeds made safe for a terminal (the review commands' rule), lines kept."""
    from pipeline.terminal import safe as terminal_safe

    return terminal_safe(text, lines=True)


def settings_of(args: argparse.Namespace):
    """The Settings of the configuration file, with the command's --outbox and --state-dir."""
    from pipeline.config import load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "outbox", None):
        overrides["outbox"] = Path(args.outbox)
    if getattr(args, "state_dir", None):
        overrides["state_dir"] = Path(args.state_dir)
    return load_settings(getattr(args, "config", None), overrides=overrides)


def print_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    rows = [tuple(safe(c) for c in r) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    for r in (head, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
