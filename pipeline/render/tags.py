"""Hashtags for a story's posts: CamelCase tags from its main named subjects."""
from __future__ import annotations

import unicodedata

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


def hashtags(story: Story, max_tags: int = 2) -> tuple[str, ...]:
    seen: set[str] = set()
    tags: list[str] = []
    for phrase in (*story.entities, *story.keywords):
        tag = camel_tag(phrase)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
        if len(tags) >= max_tags:
            break
    return tuple(tags)


