"""Plain-text helpers shared by the digest, the email and the posts: clean_text, safe_url, add_utm.

They run on every title, outlet and URL of every story, per template and per network, so each
has a fast path for ASCII text and safe_url remembers its answers. Both give exactly what the
character-by-character rules in their docstrings say (tests/render/test_fast_paths.py compares
them with those rules on every code point and on random text). Imports no network rule.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import quote_plus, unquote, urlsplit, urlunsplit

# Bidi embeddings, overrides, isolates and marks: they can reorder what a reader sees.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP = frozenset("\ufeff\ufffe\uffff")   # BOM and non-characters (X rejects them)
_MARKUP = re.compile(r"</?[A-Za-z!][^<>]*>")
# The characters clean_text drops, as one class: the two sets above, surrogates (Cs: exactly
# U+D800-U+DFFF) and control characters that are not whitespace (Cc: exactly U+0000-U+001F and
# U+007F-U+009F; Unicode's stability policy fixes both categories).
_CONTROLS = "".join(chr(c) for c in range(0xA0)
                    if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace())
_DROPPED = re.compile("[" + re.escape(_CONTROLS + "".join(sorted(_BIDI | _DROP)))
                      + "\ud800-\udfff]")


def clean_text(text: str | None, *, strip_markup: bool = False) -> str:
    """One line of plain text: NFC, no control or bidi-override characters, spaces collapsed.

    Dropped: the characters of _BIDI and _DROP, surrogates (Cs) and control characters (Cc)
    that are not whitespace; whitespace runs become one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if strip_markup:
        # Until nothing changes: nested or overlapping tags ("<scr<script>ipt>") leave markup
        # after one pass.
        previous = None
        while previous != text:
            previous, text = text, _MARKUP.sub(" ", text)
    return " ".join(_DROPPED.sub("", text).split())


# Distinct URLs whose check is remembered: a cycle of 1,000 feeds names about 50,000 (bench/
# run_cycle.py), about 100 bytes each, so the cache stays under ~15 MB.
SAFE_URL_CACHE = 65_536
# In ASCII, what safe_url refuses: whitespace and controls (U+0000-U+0020, U+007F; no ASCII
# character is Cf, Cs or Cn) and the characters that end or break out of an HTML attribute.
_ASCII_REFUSED = re.compile(r'[\x00-\x20\x7f<>"\\`]')
_REFUSED = frozenset('<>"\\`')


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host and no spaces; otherwise None.

    Refused: any whitespace, or a character of category Cc, Cf, Cs or Cn (unassigned code
    points and non-characters such as U+FFFE), or one of <>"\\` (after stripping the ends)."""
    if not url:
        return None
    if type(url) is not str:    # a str subclass (Markup) must get back its own kind
        return _check_url(url)
    return _checked_url(url)


@functools.lru_cache(maxsize=SAFE_URL_CACHE)
def _checked_url(url: str) -> str | None:
    return _check_url(url)


def _check_url(url: str) -> str | None:
    url = url.strip()
    if url.isascii():
        if _ASCII_REFUSED.search(url):
            return None
    elif any(ch.isspace() or ch in _REFUSED or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn")
             for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def safe_image_url(url: str | None) -> str | None:
    """safe_url, and https only: a picture in the e-mail is fetched by the reader's client, which
    refuses or flags http: (mixed content); data: never reaches here (not http)."""
    url = safe_url(url)
    return url if url and urlsplit(url).scheme.lower() == "https" else None


def add_utm(url: str, network: str, campaign: str) -> str:
    """Append utm_source/medium/campaign; other parameters are kept byte for byte."""
    parts = urlsplit(url)
    kept = [
        item for item in parts.query.split("&")
        if item and not unquote(item.split("=", 1)[0]).strip().lower().startswith("utm_")
    ]
    kept += [
        f"utm_source={quote_plus(network)}",
        "utm_medium=social",
        f"utm_campaign={quote_plus(campaign)}",
    ]
    return urlunsplit(parts._replace(query="&".join(kept)))
