"""Plain-text layout of the digest: display width and wrapping that never breaks a URL."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from pipeline.render.plain import clean_text

TEXT_WIDTH = 78                    # columns of the plain-text digest (RFC 5322's advice)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Distinct characters whose width is remembered: the scripts of a few languages fit many times
# over; text using thousands of rare characters only costs a recount.
CHAR_WIDTH_CACHE = 8192


@functools.lru_cache(maxsize=CHAR_WIDTH_CACHE)
def char_width(ch: str) -> int:
    """Columns of one character: 0 for a combining mark or a format character, 2 for a wide
    East Asian one, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none (the sum of
    char_width; every ASCII character takes one column)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(char_width(ch) - 1 for ch in _NON_ASCII.findall(text))


def _is_url(token: str) -> bool:
    return "://" in token


def _chunks(word: str, room: int) -> list[str]:
    # A word wider than a line (no spaces: CJK, a long compound) is broken between characters.
    out, cur, used = [], "", 0        # used: display_width(cur), which adds up per character
    for ch in word:
        width = char_width(ch)
        if cur and used + width > room and not unicodedata.combining(ch):
            out.append(cur)
            cur, used = "", 0
        cur += ch
        used += width
    return out + ([cur] if cur else [])


# Wrapped texts remembered: a digest's source labels and URLs (about 4,000 at 300 feeds) come
# back unchanged in the next run of the scheduled job.
WRAP_CACHE = 16_384


def wrap_text(text: Any, width: int = TEXT_WIDTH, initial: str = "", subsequent: str = "") -> str:
    """Wrap to `width` columns; a URL always sits alone on its line and is never broken."""
    if type(initial) is str and type(subsequent) is str:
        # (A Markup prefix escapes what is added to it: only plain prefixes share answers.)
        return _remembered_wrap(str(text), width, initial, subsequent)
    return _wrap(str(text), width, initial, subsequent)


@functools.lru_cache(maxsize=WRAP_CACHE)
def _remembered_wrap(text: str, width: int, initial: str, subsequent: str) -> str:
    return _wrap(text, width, initial, subsequent)


def _wrap(text: str, width: int, initial: str, subsequent: str) -> str:
    cleaned = clean_text(text)
    # The common cases, as the loop below would have them: the text fits on its first line
    # (no URL to put alone), or it is one URL after an indent or a bullet.
    if "://" not in cleaned:
        if display_width(initial + cleaned) <= width:
            return (initial + cleaned).rstrip()
    elif " " not in cleaned and initial.strip() in ("", "-"):
        return (initial + cleaned).rstrip()
    lines: list[str] = []
    # used: display_width(line), kept up as the line grows (widths add up per character).
    line, has_words, used = initial, False, display_width(initial)

    def flush() -> None:
        nonlocal line, has_words, used
        lines.append(line.rstrip())
        line, has_words, used = subsequent, False, display_width(subsequent)

    for token in cleaned.split(" "):
        if not token:
            continue
        if _is_url(token):
            if has_words or line.strip() not in ("", "-"):   # only an indent or bullet before it
                flush()
            line += token
            has_words = True
            flush()
            continue
        token_width = display_width(token)
        candidate = used + (1 if has_words else 0) + token_width
        if candidate <= width:
            line, has_words, used = line + (" " if has_words else "") + token, True, candidate
            continue
        if has_words:
            flush()
        room = max(width - used, 1)
        pieces = _chunks(token, room) if token_width > room else [token]
        for piece in pieces[:-1]:
            line += piece
            has_words = True
            flush()
        line += pieces[-1]
        used += display_width(pieces[-1])
        has_words = True
    if has_words or not lines:
        lines.append(line.rstrip())
    return "\n".join(lines)


def overlong_lines(text: str, width: int = TEXT_WIDTH) -> list[str]:
    """Lines wider than `width` that are not a lone URL (which may not be broken)."""
    def lone_url(line: str) -> bool:
        rest = line.strip().removeprefix("- ")    # a URL may follow a list bullet
        return _is_url(rest) and " " not in rest

    return [ln for ln in text.splitlines() if display_width(ln) > width and not lone_url(ln)]
