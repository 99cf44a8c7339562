"""Hashtags for a story's posts: CamelCase tags from its main named subjects."""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Set as AbstractSet

import regex

from pipeline.model import Story

MAX_TAG_CHARS = 30                 # longer CamelCase tags are unreadable; skip the phrase instead


def camel_tag(phrase: str) -> str | None:
    """'CAR T-cell therapy' -> 'CarTCellTherapy', 'NASA' -> 'NASA': letters/marks/digits, letter first."""
    words = regex.findall(r"[\p{L}\p{M}\p{Nd}]+", unicodedata.normalize("NFC", phrase or ""))
    out = []
    for word in words:
        if len(words) > 1 and len(word) > 1 and word.isupper():
            word = word[0] + word[1:].lower()     # inside a joined tag, an acronym reads as a word
        out.append(word[0].upper() + word[1:])
    tag = unicodedata.normalize("NFC", "".join(out))
    if not tag or len(tag) > MAX_TAG_CHARS or not unicodedata.category(tag[0]).startswith("L"):
        return None
    if not regex.fullmatch(r"[\p{L}\p{M}\p{Nd}]+", tag):
        return None
    return tag


# Outlets and agencies are who reports the story, never what it is about.
WIRE_NAMES = frozenset("reuters bloomberg ap apnews associatedpress afp upi dpa ani pti xinhua kyodo "
                       "yonhap tass efe ansa cnn bbc cnbc nyt yahoo yahoofinance msn googlenews "
                       "newswire prnewswire businesswire globenewswire".split())
# A story about a death or a crime: its people (victims, suspects) are never made hashtags.
_TRAGEDY = regex.compile(
    r"(?i)\b(?:kill(?:s|ed|ing)?|murder\w*|dead|deaths?|dies|died|shot|shooting|stabb\w*|crash\w*"
    r"|victims?|homicide|manslaughter|suspects?|arrest\w*|charged|convicted|sentenced|rape\w*"
    r"|abduct\w*|kidnap\w*|assault\w*|injur\w*|funeral|tragedy|drown\w*)\b")
# Words that make a name a place or an organisation (a person's name holds none of them).
_NOT_A_PERSON = frozenset(
    "university institute college school center centre hospital journal department ministry "
    "agency association society council committee court party company corporation group bank "
    "state states national international city county street lake river island gulf bay cape "
    "port fort club league government police federal republic united church navy army force "
    "airport station museum festival sea ocean mountains valley province district region".split())


# What _key drops: re's \w is exactly str.isalnum() plus "_" (tests/render/test_fast_paths.py).
_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(s: str | None) -> str:
    """Casefolded, letters and digits only (str.isalnum)."""
    return _NOT_ALNUM.sub("", (s or "").casefold())


# Distinct outlet names and URLs whose keys are remembered (a story of a 1,000-feed cycle has
# hundreds of sources).
OUTLET_KEY_CACHE = 65_536
_NAME_WORDS = regex.compile(r"[\s/—–|-]+")
_SCHEME = regex.compile(r"^https?://")


@functools.lru_cache(maxsize=OUTLET_KEY_CACHE)
def _name_keys(outlet: str) -> frozenset[str]:
    """The outlet's name as a key, and each of its words longer than three characters."""
    keys = {_key(outlet)}
    keys.update(_key(w) for w in _NAME_WORDS.split(outlet) if len(_key(w)) > 3)
    return frozenset(keys)


@functools.lru_cache(maxsize=OUTLET_KEY_CACHE)
def _host_key(url: str) -> str:
    """'https://www.example.com/a' -> 'example'."""
    host = (_SCHEME.sub("", url).split("/", 1)[0]).removeprefix("www.")
    return _key(host.split(".")[0])


def outlet_keys(story: Story) -> frozenset[str]:
    """Who reports the story, as keys (_key): the wires, its sources' outlet names and their
    words, and the first label of their URLs' hosts."""
    keys = set(WIRE_NAMES)
    keys.update(*map(_name_keys, {src.outlet for src in story.sources if src.outlet}))
    keys.update(map(_host_key, [src.url for src in story.sources if src.url]))
    return frozenset(keys - {""})


def _may_be_person(phrase: str, text: str) -> bool:
    """Unless it is an acronym, holds a place or organisation word, or is written as a place
    ("in Aceh", "near Fort Worth"), a name may be a person's."""
    words = phrase.split()
    if phrase.isupper() or any(w.casefold() in _NOT_A_PERSON for w in words):
        return False
    return not regex.search(r"\b(?:in|at|near|across|outside)\s+(?:the\s+)?" + regex.escape(phrase) + r"\b", text)


def hashtags(story: Story, max_tags: int = 2, *,
             outlets: AbstractSet[str] | None = None) -> tuple[str, ...]:
    """Tags from the story's main named subjects (its entities: places, organisations, topics),
    most supported first. Never an outlet or agency, never a generic word (keywords are not
    used), never a tag inside another one (#Korea beside #NorthKorea), and in a story of a death
    or a crime never a name that may be a person's. `outlets`: outlet_keys(story), when the
    caller has it already."""
    outlets = outlet_keys(story) if outlets is None else outlets
    text = story.headline + " " + story.summary_text
    tragic = bool(_TRAGEDY.search(text))
    tags: list[str] = []
    for phrase in story.entities:
        tag = camel_tag(phrase)
        if not tag or _key(tag) in outlets or (tragic and _may_be_person(phrase, text)):
            continue
        folded = tag.casefold()
        if any(folded in t.casefold() or t.casefold() in folded for t in tags):
            continue
        tags.append(tag)
        if len(tags) >= max_tags:
            break
    return tuple(tags)
