"""How clean a sentence, and a source's whole text, reads: the summary's sentence-quality filter.

Ingest already strips what it can recognise line by line (site suffixes, paywall lines, wire
markup); what reaches the merge can still carry it inside a sentence, or carry the marks of
text rebuilt from tokens or machine-spun / machine-translated. Two kinds of finding:

- ``unusable(sentence)``: a reason never to quote it (paywall, byline, markup, caption), or None.
- ``blemishes(sentence)``: how many artefacts it carries (split tokens "4. 6", "2: 09 a. m.",
  " - - ", a space before punctuation, a lower-case start, a doubled parenthetical); a cleaner
  copy or paraphrase wins, but when nothing cleaner says it, it may still be used.
- ``source_quality(sentences)``: 0..1 for a whole text, so that a machine-spun source
  ("physique" for body, "remedy" for therapy) is quoted only when nothing cleaner says it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_PAYWALL = re.compile(
    r"(?i)\b(?:subscribe|subscribers?\s+only|log\s*in\s+to\s+(?:read|continue)|sign\s+(?:up|in)\s+"
    r"to\s+(?:read|continue)|already\s+a\s+subscriber|rest\s+of\s+this\s+(?:content|article|story)"
    r"|create\s+a\s+free\s+account|this\s+content\s+is\s+for\s+(?:members|subscribers))\b")
# "By Stanley Widianto China and ...": a byline glued to the first sentence.
_BYLINE = re.compile(r"^(?:By|BY)\s+[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3}(?:\s+and\s+[A-Z][\w'’.-]+"
                     r"(?:\s+[A-Z][\w'’.-]+){0,2})?(?:,|\s+(?=[A-Z]))")
_MARKUP = re.compile(r"\[[A-Z]{2,}:[^\]]*\]?|\b[A-Z]{3,}:\"|</?[A-Za-z][^<>]*>|&(?:[a-z]+|#\d+);"
                     r"|\{\{|\}\}")
_CAPTION = re.compile(r"(?i)\b(?:photo|image|picture|file\s+photo|video)\s*(?::|credit|by\b)"
                      r"|\b(?:getty\s+images|shutterstock|afp\s+via\s+getty|(?-i:REUTERS)/[A-Z])"
                      r"|\bcredit\s*:|\bcc\s+by\b|^(?:advertisement|related\s*:|read\s+more\b)")

# Text spliced into the middle of a word ("Firefighters baAlaska Republican governor ... arsonttled"):
# lower-case letters run into a capitalised word (not "iPhone", "eBay": one letter first).
_SPLICED = re.compile(r"\b[a-z]{2,}[A-Z][a-z]{2,}")

# Marks of text rebuilt from tokens or written carelessly, each one blemish.
_ARTEFACTS = (
    re.compile(r"\d\. \d"),                    # "4. 6" for 4.6
    re.compile(r"\d: \d\d"),                   # "2: 09" for 2:09
    re.compile(r"\b[ap]\. m\."),               # "a. m."
    re.compile(r"\s-\s-\s|\w\s-\s\w"),         # " - - ", "anti - piracy"
    re.compile(r"\w\s+[,.;:!?)](?:\s|$)"),     # "diseases ." / "word ,"
    re.compile(r"\(\s|\s'\s?s\b"),             # "( text", "Palin 's"
    re.compile(r"\"([^\"]{3,40})\"\s*\(\1\)"),  # "Nature Medicine" (Nature Medicine)
    re.compile(r"(?i)\b\w+s['’]s\b"),          # "individuals’s"
    re.compile(r"\b(\w+)\s+\1\b"),             # "the the"
    re.compile(r"\w(?:\.\.\.|…)\s+[a-z]"),        # "Up the coast... the Sixers": a blog's aside
)
# A dateline before the first sentence: "Aug 20 :", "LONDON, Aug 20 (Reuters) -", "NEW YORK (AP) —".
_DATELINE = re.compile(r"^(?:[A-Z][A-Z .'’-]{1,30},\s*(?:[A-Z][a-z.]+(?:\s[A-Z][a-z.]+)?,\s*)?)?(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct"
                       r"|Nov|Dec)[a-z]*\.?\s+\d{1,2}\s*(?:\([A-Za-z .]+\)\s*)?[:—–-]\s+"
                       r"|[A-Z][A-Z .'’-]{1,30}\s*\((?:Reuters|AP|AFP|Bloomberg|UPI)\)\s*[:—–-]\s+"
                       r"|[A-Z][A-Z'’-]{2,}(?:\s[A-Z][A-Z'’-]{2,})?:\s+)")   # "SINGAPORE: "


def undated(sentence: str) -> str:
    """The sentence without a dateline in front ("Aug 20 : Alibaba's ..." -> "Alibaba's ...")."""
    m = _DATELINE.match(sentence)
    return sentence[m.end():] if m and sentence[m.end():][:1].isupper() else sentence
# Synonym substitutions that article spinners and word-by-word translation leave behind, each
# a word clean news copy uses in another sense or almost never ("the physique" for the body,
# "immune methods" for immune systems, "not but" for not yet).
_SPUN = re.compile(
    r"(?i)\b(?:the\s+physique|immune\s+methods|not\s+but\s+(?:clear|known)|whether\s+or\s+not\s+or"
    r"|nevertheless\s+it\b|sufferers['’]\s+immune|cell\s+remedy|remedy\s+(?:has|have|will)\s+been?"
    r"|within\s+the\s+examine|the\s+examine\b|individuals['’]s)")


# A site's own furniture written as a sentence: "Add CNA as a trusted source ...", "Read a summary
# of this article on FAST.", "Get bite-sized news via a new cards interface."
_PROMO = re.compile(r"(?i)\b(?:(?:preferred|trusted)\s+source|summary\s+of\s+this\s+(?:article|story)"
                    r"|bite-sized\s+news|download\s+(?:our|the)\s+app|follow\s+us\s+on|click\s+here"
                    r"|sign\s+up\s+for\s+(?:our|the)\s+\w*\s*newsletter|give\s+it\s+a\s+try"
                    r"|cards\s+interface|return\s+to\s+fast|this\s+article\s+is\s+more\s+than)\b")


def unusable(sentence: str) -> str | None:
    """Why a sentence must never be quoted in a summary, or None."""
    if _PAYWALL.search(sentence):
        return "paywall"
    if _PROMO.search(sentence):
        return "promotion"
    if _BYLINE.search(sentence):
        return "byline"
    if _MARKUP.search(sentence):
        return "markup"
    if _CAPTION.search(sentence):
        return "caption"
    if _SPLICED.search(sentence):
        return "garbled"
    return None


# Sentences whose findings are remembered: a story's copies repeat the same sentences, and every
# source's whole text is read (bench/stories_speed.py, 300 feeds: 82k sentences of whole texts
# read for 17.5k distinct ones).
# Each of the four caches of the merge (paragraphs, keyword texts, sentence quality, quantities)
# keeps 8,192 entries: on the 300-feed bench as many hits as 65,536 (e.g. quantities 22.2k
# misses vs 20.5k) for +17 MB of a process's peak (65,536: +81 MB); 4,096 missed 26k.
SENTENCES_CACHED = 1 << 13


@lru_cache(maxsize=SENTENCES_CACHED)
def blemishes(sentence: str) -> int:
    """How many kinds of artefact the sentence carries (0 for clean copy)."""
    found = sum(1 for p in _ARTEFACTS if p.search(sentence))
    first = sentence.lstrip("\"'“‘(")
    word = first.split(" ", 1)[0]
    if word[:1].islower() and not any(c.isupper() for c in word[1:]):   # "cell therapy"; not "iPhone"
        found += 1
    return found


def source_quality(sentences: Sequence[str]) -> float:
    """1.0 for clean copy, lower the more of its sentences carry artefacts or spun wording."""
    if not sentences:
        return 1.0
    marks = [_marks(s) for s in sentences]
    marked = sum(1 for m, _ in marks if m)
    spun = sum(1 for _, sp in marks if sp)
    return max(0.0, 1.0 - marked / len(sentences) - (0.5 if spun >= 2 else 0.0))


@lru_cache(maxsize=SENTENCES_CACHED)
def _marks(sentence: str) -> tuple[bool, bool]:
    """(carries an artefact or spun wording, carries spun wording)."""
    spun = bool(_SPUN.search(sentence))
    return bool(blemishes(sentence)) or spun, spun
