"""The one terminal-safe rule: text from feeds and servers made harmless before a terminal or a
log shows it (control characters, DEL, C1, bidi overrides and zero-width marks removed)."""
from __future__ import annotations

import re

# C0/C1 controls (\t and \n handled by the caller), DEL, bidi overrides and zero-width marks.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def safe(text: object, *, lines: bool = False) -> str:
    """Text made harmless for a terminal; `lines` keeps newlines and tabs, else they become spaces."""
    s = _UNSAFE.sub("", str(text))
    return s if lines else re.sub(r"[\t\n]+", " ", s)
