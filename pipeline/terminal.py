"""The one terminal-safe rule: text from feeds and servers made harmless before a terminal or a
log shows it (control characters, DEL, C1, bidi overrides and zero-width marks removed)."""
from __future__ import annotations

import re

# C0/C1 controls (\t and \n handled by the caller), DEL, bidi overrides and zero-width marks.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def safe(text: object, *, lines: bool = False) -> str:
    """Text made harmless for a terminal; `lines` keeps newlines and tabs, else they become spaces.

    Lone surrogates (a file name that is not UTF-8, read with surrogateescape) come out as
    backslash escapes (\\xe9): printing them would raise UnicodeEncodeError."""
    s = _UNSAFE.sub("", str(text))
    if any("\ud800" <= c <= "\udfff" for c in s):
        s = s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return s if lines else re.sub(r"[\t\n]+", " ", s)
