"""Sentences, words and bag-of-words vectors: the small text tools every merge choice uses."""
from __future__ import annotations

import math
import re
from collections import Counter

from pipeline.stories.tokens import tokens

_ABBREVIATIONS = frozenset(
    "dr mr mrs ms prof st jr sr no vs gen sen rep gov lt col sgt capt mt ft inc ltd co corp dept "
    "univ approx fig jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n a.m p.m "
    "etc al".split())
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, verbatim; a period after an abbreviation or initial is not an
    end."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(paragraph):
        before = paragraph[start:m.start()].split()
        word = before[-1].lower().strip("\"'“‘(") if before else ""
        if paragraph[m.start()] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
                                            or (word[-1:].isdigit() and paragraph[m.end():][:1].isdigit())):
            continue
        out.append(paragraph[start:m.end()].strip())
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


_PROSE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]+")


def ends_like_prose(s: str) -> bool:
    return bool(_PROSE_END.search(s)) and len(s.split()) >= 4


def unit(vec: Counter[str]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def norm(vec: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vec.values()))


def cosine(a: dict[str, float], b: dict[str, float], norm_b: float | None = None) -> float:
    """`norm_b`, when given, is norm(b) already computed (the group centroid's)."""
    if len(a) > len(b):
        a, b = b, a
        na, nb = norm_b, None
    else:
        na, nb = None, norm_b
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = norm(a) if na is None else na
    nb = norm(b) if nb is None else nb
    return dot / (na * nb) if na and nb else 0.0


def bag(text: str) -> dict[str, float]:
    return dict(Counter(tokens(text)))


def squash(s: str) -> str:
    return _NOT_LETTER_OR_DIGIT.sub("", s.lower())


def norm_words(s: str) -> str:
    return " ".join(w.lower() for w in WORD.findall(s))

