"""Cross-language evidence: names as they sound, and figures as written, so that a story told in
Japanese and in English (or in Portuguese and English) can meet.

Katakana spells foreign names by sound (サムスン for Samsung, ラディアント for Radiant); read as
romaji (text-unidecode, already installed with python-slugify) and reduced to a consonant key
by the rules below, they meet the same key made from the Latin spelling. Latin-script names in
any language give keys the same way, and numbers with a unit or of two digits or more are kept
as written (after NFKC: full-width digits become ASCII). Pure functions.
"""
from __future__ import annotations

import re
import unicodedata

from text_unidecode import unidecode

_KATAKANA_RUN = re.compile(r"[\u30a0-\u30ffー]{2,}")
_CAPITALISED = re.compile(r"\b(?:[A-Z][a-zA-Z]+|[A-Z]{2,})\b")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)?(?: ?(?:%|bn\b|billion\b|million\b|trillion\b)|[億兆万])?")
_VOWELS = set("aeiouy")
_EPENTHETIC_U = re.compile(r"(?<=[bcdfghjkmnprstvz])u(?=[bcdfghjkmnprstvz]|$)")
_EPENTHETIC_O = re.compile(r"(?<=[td])o(?=[bcdfghjkmnprstvz]|$)")
_SPELLING = (("ph", "f"), ("th", "s"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"),
             ("l", "r"), ("v", "b"), ("w", ""), ("h", ""))
MIN_KEY = 3          # shorter consonant keys (two consonants) match too many names
MAX_KEYS = 24        # keys kept per article, in order of appearance


def sound_key(word: str, romaji: bool = False) -> str | None:
    """A consonant key of a name: Samsung and samusun both give "smsn"."""
    w = "".join(c for c in word.lower() if "a" <= c <= "z")
    if romaji:
        # Japanese adds a vowel after most consonants of a foreign name: Morugan, Zerensuki.
        w = _EPENTHETIC_O.sub("", _EPENTHETIC_U.sub("", w))
    if w.endswith("ng"):
        w = w[:-1]
    for a, b in _SPELLING:
        w = w.replace(a, b)
    out = []
    for k, c in enumerate(w):
        if c in _VOWELS:
            continue
        nxt = w[k + 1] if k + 1 < len(w) else ""
        if c == "r" and nxt and nxt not in _VOWELS:
            continue          # Carney, Morgan: an English r before a consonant is a long vowel
        if c == "n" and nxt in ("p", "b"):
            c = "m"           # toranpu: Japanese writes n where English has m before p or b
        if out and out[-1] == c:
            continue
        out.append(c)
    key = "".join(out)
    return key if len(key) >= MIN_KEY else None


def sound_keys(title: str, lead: str) -> dict[str, float]:
    """Keys of the names and figures of a title and the start of its text, as one bag."""
    text = unicodedata.normalize("NFKC", f"{title}\n{lead}")
    keys: dict[str, float] = {}
    for run in _KATAKANA_RUN.findall(text):
        k = sound_key(unidecode(run), romaji=True)
        if k:
            keys.setdefault("s" + k, 1.0)
    for word in _CAPITALISED.findall(text):
        k = sound_key(word)
        if k:
            keys.setdefault("s" + k, 1.0)
    for fig in _FIGURE.findall(text):
        fig = fig.replace(" ", "").replace(",", ".")
        if len(fig) >= 2 and not (fig.isdigit() and len(fig) == 4 and fig.startswith(("19", "20"))):
            keys.setdefault("n" + fig, 1.0)
    return dict(list(keys.items())[:MAX_KEYS])
