"""Feed-item body cleanup that boilerplate line weighting does not do: markup of wire systems,
paywall and subscription lines, a leading byline, the headline repeated as the text's start,
and tokens a converter split apart ("4. 6", "2: 09 a. m.").

Each rule removes a *kind* of text seen in real feeds, never a listed sentence, and keeps the
text when in doubt. Pure functions; `clean_body` runs at ingest and when `cluster` reads lines.
"""
from __future__ import annotations

import re

# Wire link markup left in republished text: [USN:L8N44A1A6 TEXT:"arrested"] -> arrested.
_WIRE_MARKUP = re.compile(r"\[(?:[A-Z]{2,5}):[A-Z0-9_.-]{4,}(?:\s+TEXT:\s*\"([^\"\]]*)\")?\s*\]")
# A whole line that asks the reader to pay, subscribe or log in to read on.
_PAYWALL = re.compile(
    r"(?i)^\W*(?:(?:subscribe|sign up|sign in|log in|login|register)\b.{0,60}\b(?:read|continue|access"
    r"|full|rest|unlimited)\b|(?:to (?:read|continue reading)|continue reading)\b.{0,60}\b(?:subscribe"
    r"|subscription|log in|sign in|subscriber)|this (?:article|content|story) is (?:for|available to"
    r"|reserved for) (?:subscribers|members)|already a (?:subscriber|member)\b)")
PAYWALL_MAX_WORDS = 25    # a paywall line is a sentence or two, not a paragraph of the story
# "By Stanley Widianto and Ed Davies" as the first line, or as the opening of the first line
# followed by the dateline ("By Jane Doe JAKARTA (Reuters) - ...").
_BYLINE_LINE = re.compile(r"^By\s+(?:[A-Z][\w'’.-]+\s*){1,4}(?:(?:,|and|&)\s+(?:[A-Z][\w'’.-]+\s*){1,4})*$")
_BYLINE_LEAD = re.compile(r"^By\s+(?:[A-Z][a-z][\w'’.-]*\s+){1,3}(?:(?:and|&)\s+(?:[A-Z][a-z][\w'’.-]*\s+){1,3})?"
                          r"(?=[A-Z]{3,}[A-Z ,]*\s*\()")
# Split tokens: "4. 6" (a decimal), "2: 09" (a time), "a. m." / "p. m.".
_SPLIT_DECIMAL = re.compile(r"(?<![\d.])(\d{1,3})\. (\d{1,2})(?=\s*(?:%|percent|per cent|billion|million|"
                            r"trillion|points?|pct|bps|times|x)\b)")
_SPLIT_TIME = re.compile(r"\b(\d{1,2}): (\d{2})\b")
_SPLIT_MERIDIEM = re.compile(r"\b([ap])\. m\.", re.IGNORECASE)
_SPACED_HYPHEN = re.compile(r"\b(\w+) - (\w+)\b")
_JOINED = re.compile(r"\w+-\w+")
# What a split decimal ("4. 6") and a split clock time ("2: 09") need: a literal-led search is
# about 1 us on an average feed item, where each rule's own regex costs 20-30 us; only 1 item in
# 10 of the bench feeds and run_cycle's has either pair.
_DOT_DIGIT = re.compile(r"\. \d")
_COLON_DIGIT = re.compile(r": \d")
_NORM = re.compile(r"\W+", re.UNICODE)
HEADLINE_REPEAT_STRIP = False  # measured: wire-2026-08-20 0.594 -> 0.547 with it (emptied texts join by burst)
HEADLINE_REST_MAX_WORDS = 4   # "<headline> Bloomberg.com": what is left is the site's name


def _norm(s: str) -> str:
    return _NORM.sub(" ", s.lower()).strip()


def strip_wire_markup(text: str) -> str:
    return _WIRE_MARKUP.sub(lambda m: m.group(1) or "", text) if "[" in text else text


def _is_paywall(line: str) -> bool:
    # The anchored pattern first: it fails at once on almost every line, a word count does not.
    return bool(_PAYWALL.search(line)) and len(line.split()) <= PAYWALL_MAX_WORDS


def strip_repeated_headline(title: str, text: str) -> str:
    """The text without the headline at its start; "" when only a site name would be left."""
    t, head = _norm(title), _norm(text[: len(title) + 80])
    if len(t.split()) < 3 or not head.startswith(t):
        return text
    # Cut after as many characters of text as the headline's words cover.
    words = len(t.split())
    m = re.match(r"\W*(?:\w+\W+){%d}" % (words - 1) + r"\w+", text, re.UNICODE)
    if not m:
        return text
    rest = text[m.end():].lstrip(" \t:-–—|.\n")
    return "" if len(rest.split()) <= HEADLINE_REST_MAX_WORDS and "." not in rest[:-1] else rest


def repair_split_tokens(text: str, joined_words: set[str] | None = None) -> str:
    """Join what a converter split: decimals before a unit, clock times, "a. m."; a spaced
    hyphen only between words that the same text also writes joined ("COVID - 19" when
    "COVID-19" occurs)."""
    if _DOT_DIGIT.search(text):
        text = _SPLIT_DECIMAL.sub(r"\1.\2", text)
    if _COLON_DIGIT.search(text):
        text = _SPLIT_TIME.sub(r"\1:\2", text)
    if ". m." in text or ". M." in text:
        text = _SPLIT_MERIDIEM.sub(lambda m: f"{m.group(1)}.m.", text)
    if " - " in text:
        if joined_words is not None:
            seen = joined_words
        elif text.count("-") == text.count(" - "):
            seen = set()    # every hyphen is a spaced one: no word is written joined
        else:
            seen = {w.lower() for w in _JOINED.findall(text)}
        if seen and _may_join(text, seen):
            text = _SPACED_HYPHEN.sub(
                lambda m: f"{m.group(1)}-{m.group(2)}" if f"{m.group(1)}-{m.group(2)}".lower() in seen
                else m.group(0), text)
    return text


def _may_join(text: str, seen: set[str]) -> bool:
    """Whether some "x - y" of the text is spaced out from a joined word of `seen` (the hyphen
    rule's regex costs 15 us an item; this costs 1-2). Exact for ASCII, where lowercasing is
    character by character; any other text goes to the regex."""
    if not text.isascii():
        return True
    low = text.lower()
    return any(w.replace("-", " - ") in low for w in seen)


def clean_body(text: str, title: str = "") -> str:
    """All of the above, line by line; paragraphs kept."""
    if not text:
        return text
    text = strip_wire_markup(text)
    lines = text.split("\n")
    kept = [ln for ln in lines if not _is_paywall(ln)]
    while kept and not kept[0].strip():
        kept.pop(0)
    if kept and _BYLINE_LINE.match(kept[0].strip()):
        kept.pop(0)
    elif kept:
        kept[0] = _BYLINE_LEAD.sub("", kept[0])
    text = "\n".join(kept).strip()
    if title and HEADLINE_REPEAT_STRIP:
        text = strip_repeated_headline(title, text)
    return repair_split_tokens(text)
