"""Normalization: clean text, canonical URLs, UTC dates, clean titles, stable ids, language.

Pure functions of their inputs; the sources call them to build Article records.
"""
from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit


# Query parameters that only track the reader; they never change what a page shows.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "ocid", "cmpid", "wt.mc_id", "ns_mchannel", "ns_source", "ns_campaign",
    "ns_linkname", "ns_fee", "sr_share", "smid", "at_medium", "at_campaign", "guccounter",
    "ito", "ref_src", "taid", "outputtype", "amp", "rss", "feedtype",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")
_AMP_PATH = re.compile(r"(?:/amp/?|\.amp|/amp\.html)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
# After the path is unquoted (so that %7E and ~ compare equal), these go back to %XX: they are
# not allowed raw in a URL (controls, spaces, quotes, angle brackets, invisible and bidi
# characters) or would change its meaning ('?' and '#' would start a query or fragment, '%' a
# new escape). Feeds do send such links; other non-ASCII letters stay readable (IRI).
_UNSAFE_IN_PATH = re.compile('[\x00-\x20\x7f-\xa0\xad"#%<>?\\\\^`{|}\u061c\u1680\u180e\u2000-\u200f'
                             '\u2028-\u202f\u205f-\u206f\u3000\ud800-\udfff\ufeff\ufff0-\uffff]')
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+", re.IGNORECASE)   # a name (IDN too) or an IPv6 address

# Controls, bidi marks/overrides/isolates, zero-width space, BOM and the non-characters U+FFFE/FFFF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                      r"\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS = re.compile(r"\n\s*\n+")


def stable_id(*parts: str | None) -> str:
    """A short id that is the same in every run for the same identifying parts."""
    h = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8"))
    return h.hexdigest()[:16]


def canonical_url(link: str | None) -> str | None:
    """The URL that identifies a page: lowercase scheme and host, no tracking parameters,
    no fragment, no default port, AMP and trailing-slash variants folded. None if not http(s)."""
    if not link:
        return None
    link = link.strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if not _HOST.fullmatch(host):
        return None
    # Google's AMP cache: https://www.google.com/amp/s/example.com/story -> https://example.com/story
    if host.endswith("google.com") and parts.path.startswith("/amp/s/"):
        return canonical_url("https://" + parts.path[len("/amp/s/"):])
    if host.endswith(".cdn.ampproject.org") and parts.path.startswith(("/c/s/", "/v/s/")):
        return canonical_url("https://" + parts.path[5:])
    for prefix in ("www.", "amp.", "m."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = _UNSAFE_IN_PATH.sub(lambda m: quote(m.group(), safe="", errors="replace"),
                               unquote(parts.path)) or "/"
    path = _AMP_PATH.sub("", path) or "/"
    if path.startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    # Both schemes serve the same page nearly everywhere today; fold to https for identity.
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


# A UTF-8 lead byte read as Windows-1252/Latin-1 followed by a continuation byte read the same
# way ("Ã©", "â€™"): the mark of mojibake. Only such text pays for ftfy (about 0.7 ms per feed
# item; this check costs microseconds).
_MOJIBAKE = re.compile("[\xc2-\xf4][\x80-\xbf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
                       "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc"
                       "\u2122\u0161\u203a\u0153\u017e\u0178]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def fix_encoding(text: str) -> str:
    """Mojibake repaired (ftfy) and stray HTML entities decoded; cheap when there is neither."""
    if not text.isascii():
        if _MOJIBAKE.search(text):
            # Imported here: ftfy and wcwidth cost each ingest worker ~50 ms of start-up
            # (python -X importtime), and most runs never meet mojibake.
            import ftfy

            text = ftfy.fix_text(text, normalization="NFC")
        else:
            text = unicodedata.normalize("NFC", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text


def drop_controls(text: str) -> str:
    """Text without control, bidi-override and zero-width characters (as clean_text drops)."""
    return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Repair broken encodings, drop control and bidi-override characters, normalize spaces,
    keep paragraphs (blank-line separated)."""
    if not text:
        return ""
    text = fix_encoding(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


def clean_inline(text: str | None) -> str:
    """One line of clean text (titles, names)."""
    return " ".join(clean_text(text or "").split())


_SUFFIX_SEPARATORS = re.compile(r"\s+(?:[-|–—•·:]|::)\s+")
_DOMAINISH = re.compile(r"\.(?:com|net|org|co\.uk|co|io|news|info|de|fr|jp|in|au|ca)\b", re.I)


def _squash(s: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", s.lower())


# A title that only dates its page ("Updated: November 11, 2011 20:09 IST", "Friday, June 7,
# 2013"): the words a date line holds besides the date itself.
_DATE_PARTS = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
    r"|\b(?:updated|published|posted|last|modified|on|at|am|pm|a\.m\.|p\.m\.|ist|gmt|utc|bst|cet|e[sd]t|p[sd]t)\b"
    r"|\d+|[,:/.\-–—|]")


def is_date_only(title: str) -> bool:
    """Whether a title says nothing but when its page was dated."""
    return bool(title) and any(ch.isdigit() for ch in title) and not _DATE_PARTS.sub(" ", title).strip()


def clean_title(title: str | None, *, outlet: str | None = None, url: str | None = None) -> str:
    """A headline without the site suffix (" - Bloomberg.com", " | Reuters") or prefix."""
    title = clean_inline(title)
    if not title:
        return ""
    names = {_squash(outlet)} if outlet else set()
    if url:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:       # a broken IPv6 literal ('http://[::1')
            host = ""
        for label in host.split("."):
            if len(label) > 3 and label not in ("www", "news", "com"):
                names.add(_squash(label))
    names.discard("")

    def is_site(segment: str) -> bool:
        sq = _squash(segment)
        if not sq or len(segment) > 40 or len(segment.split()) > 5:
            return False
        if _DOMAINISH.search(segment):
            return True
        return any(sq == n or (len(n) > 4 and (sq.startswith(n) or n.startswith(sq))) for n in names)

    for _ in range(2):
        parts = _SUFFIX_SEPARATORS.split(title)
        if len(parts) < 2:
            break
        if is_site(parts[-1]) and len(" ".join(parts[:-1])) >= 10:
            title = title[: title.rfind(parts[-1])].rstrip(" -|–—•·:")
        elif is_site(parts[0]) and len(" ".join(parts[1:])) >= 10:
            title = title[len(parts[0]):].lstrip(" -|–—•·:")
        else:
            break
    return title.strip()


def to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# W3DTF's reduced precisions ("2026", "2026-11"), which datetime.fromisoformat does not read.
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?")
# RFC 822 dates as feeds write them: a "+01:00" offset (email.utils reads only "+0100"), or no
# time at all ("19 Nov 2026").
_COLON_OFFSET = re.compile(r"\s([+-]\d{2}):(\d{2})$")
_CLOCK = re.compile(r"\d:\d")


def parse_date(value: str | None) -> datetime | None:
    """A date as JSON Feed, an article's header, a page's metadata or our own records write it,
    into aware UTC (a time without an offset is taken as UTC); None if unreadable. Public parsers
    only: ISO 8601 / RFC 3339 / W3DTF through datetime.fromisoformat (plus W3DTF's year and
    year-month), then RFC 2822 / RFC 822 through email.utils (plus an offset written "+01:00" and a
    date without a time). A feed's entries come with their dates parsed by feedparser (`*_parsed`)."""
    if not value:
        return None
    value = value.strip()
    try:
        return to_utc(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))
    except ValueError:
        pass
    partial = _YEAR_MONTH.fullmatch(value)
    if partial:
        try:
            return datetime(int(partial[1]), int(partial[2] or 1), 1, tzinfo=timezone.utc)
        except ValueError:                # month 13, year 0
            return None
    rfc822 = _COLON_OFFSET.sub(r" \1\2", value)
    if not _CLOCK.search(rfc822):
        rfc822 += " 00:00:00"
    try:
        return to_utc(parsedate_to_datetime(rfc822))
    except (TypeError, ValueError, IndexError):
        return None


_EN_STOP = frozenset(
    "the of and to in a is that for it on was with as by at be are from has this have an "
    "not but his her they said were which their been will who would had its".split()
)


_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]"), 0.05),   # any kana: Japanese
    ("zh", re.compile(r"[\u4e00-\u9fff]"), 0.3),
    ("ko", re.compile(r"[\uac00-\ud7af]"), 0.3),
    ("ru", re.compile(r"[\u0400-\u04ff]"), 0.3),
    ("ar", re.compile(r"[\u0600-\u06ff]"), 0.3),
    ("el", re.compile(r"[\u0370-\u03ff]"), 0.3),
    ("he", re.compile(r"[\u0590-\u05ff]"), 0.3),
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[a-z']+")
# ISO 639-2 codes that name no language: multiple, undetermined, uncoded, no linguistic content.
_NO_LANGUAGE = frozenset({"mul", "und", "mis", "zxx"})


def _script_language(sample: str) -> str | None:
    """The language of a script that is one language's own (kana: Japanese), when enough of the
    sample's letters are in it."""
    n = len(_LETTER.findall(sample))
    for code, pattern, share in _SCRIPTS:
        if n and len(pattern.findall(sample)) / n > share:
            return code
    return None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The declared language (normalized, 'en-US' -> 'en'), else a cheap guess from the script
    and English stop words. None when unsure. A declaration that names no language ("mul",
    "und": a feed of several) is no declaration, and text in a script of its own (kana, Hangul,
    Cyrillic ...) is in that script's language whatever its feed declares for all its items."""
    sample = text[:600]
    if declared:
        code = declared.strip().lower().replace("_", "-").split("-")[0]
        if re.fullmatch(r"[a-z]{2,3}", code) and code not in _NO_LANGUAGE:
            script = None if sample.isascii() else _script_language(sample)
            return script or code
    if sample.isascii():
        # Script shares only matter beyond ASCII: here a letter is enough (a count of them all
        # cost half of this function's 45 us on an average feed item).
        if not _LETTER.search(sample):
            return None
    else:
        if not _LETTER.search(sample):
            return None
        script = _script_language(sample)
        if script:
            return script
    words = _WORD.findall(sample.lower())
    hits = sum(map(_EN_STOP.__contains__, words))
    if len(words) >= 5:
        return "en" if hits / len(words) > 0.12 else None
    return "en" if hits and sample.isascii() else None
