"""The words of a news text: tokens (lowercased, lightly stemmed), names from capitalisation,
numbers, word shingles and spacing repairs. Pure functions, no language model."""
from __future__ import annotations

import importlib.util
import re
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np


def _english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow IR group's list). Read from the module
    that holds them: importing sklearn itself takes ~1.2 s (scipy and all), which a run that only
    selects among known stories should not pay; grouping imports it anyway."""
    if "sklearn" not in sys.modules:
        spec = importlib.util.find_spec("sklearn")
        path = Path(spec.origin if spec and spec.origin else "-").parent / "feature_extraction" / "_stop_words.py"
        if path.is_file():
            words = importlib.util.spec_from_file_location("_sklearn_stop_words", path)
            module = importlib.util.module_from_spec(words)
            words.loader.exec_module(module)   # one frozenset literal: no import of sklearn
            return frozenset(module.ENGLISH_STOP_WORDS)
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    return frozenset(ENGLISH_STOP_WORDS)


# Words that are frequent in news copy but say nothing about which event it is about; the IDF
# weighting would push them down anyway, but headlines are too short for IDF alone.
NEWS_STOP_WORDS = frozenset({
    "said", "says", "say", "told", "tell", "according", "report", "reports", "reported", "news",
    "new", "year", "years", "day", "days", "time", "week", "people", "just", "like", "also",
    "would", "could", "one", "two", "first", "last", "make", "made", "get", "got", "via",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
    "yesterday", "update", "updated", "read", "click", "share", "photo", "video", "image",
})
STOP_WORDS = _english_stop_words() | NEWS_STOP_WORDS

# Words allowed inside a multi-word name ("Bank of England", "Leonardo da Vinci").
_NAME_JOINERS = frozenset({"of", "de", "da", "di", "del", "der", "van", "von", "al", "bin", "la",
                           "le", "du", "y", "the", "and", "&"})

_WORD_RE = re.compile(r"[^\W_]\w*(?:['’.\-][^\W_]\w*)*", re.UNICODE)
_SPACED_HYPHEN_RE = re.compile(r"(?<=\w) - (?=\w)")
_SPACED_APOSTROPHE_RE = re.compile(r"(?<=\w) ['’] ?(?=s\b)")
_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\.\d+)?")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?:;\"”])\s+|\n+")
_SPACE_RE = re.compile(r"\s+")
_DIGIT_RE = re.compile(r"\d")


def repair_spacing(text: str) -> str:
    """Join tokens that a tokenizer pulled apart ("90 - day" -> "90-day", "Reid ' s" -> "Reid's")."""
    if " - " in text:
        text = _SPACED_HYPHEN_RE.sub("-", text)
    if " '" in text or " ’" in text:
        text = _SPACED_APOSTROPHE_RE.sub("'", text)
    return text


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """A light suffix stemmer: plural and -ing/-ed forms of one word fall together.

    It is deliberately weaker than Porter's: over-stemming joins unrelated names, which costs
    more in story clustering than a missed inflection does.
    """
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        word = word[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "stopped" -> "stop", but keep "kill", "pass"
            break
    return word


# CJK runs read as character pairs: measured OFF, it cost wire-2026-08-20 0.02 (Japanese items
# of different stories then share pairs such as 米国, 日本 and join within the burst).
CJK_BIGRAMS = False
_CJK_RUN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f]+")


def _cjk_bigrams(w: str) -> list[str]:
    """Chinese, Japanese and Korean are written without spaces: a run of their characters is
    read as its overlapping character pairs (the usual unit of CJK retrieval), other letters
    inside the run as words of their own."""
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN_RE.finditer(w):
        if m.start() > pos:
            out.append(w[pos:m.start()])
        run = m.group()
        out.extend(run[k:k + 2] for k in range(max(1, len(run) - 1)))
        pos = m.end()
    if pos < len(w):
        out.append(w[pos:])
    return out


def _split_words(repaired: str) -> list[str]:
    out: list[str] = []
    for w in _WORD_RE.findall(repaired):
        if CJK_BIGRAMS and _CJK_RUN_RE.search(w):
            out.extend(_cjk_bigrams(w))
        elif "-" in w or "’" in w:
            out.extend(p for p in w.replace("’", "'").split("-") if p)
        else:
            out.append(w)
    return out


def words(text: str) -> list[str]:
    """Word tokens as written (case kept), hyphenated words split into their parts."""
    return _split_words(repair_spacing(text))


@lru_cache(maxsize=1 << 18)
def _token(w: str) -> str | None:
    lw = w.lower().strip(".'")
    if (len(lw) < 2 and not lw.isdigit()) or lw in STOP_WORDS:
        return None
    return stem(lw)


def tokens_of(ws: list[str]) -> list[str]:
    """`tokens` of words already split by `words`."""
    return [t for t in map(_token, ws) if t is not None]


def tokens(text: str) -> list[str]:
    """Content tokens: lowercased, stemmed, stop words and one-letter words dropped."""
    return tokens_of(words(text))


@lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def shingle_hashes(text: str, size: int = 4, limit: int = 2000) -> np.ndarray:
    """32-bit hashes of the overlapping `size`-word runs of the first `limit` words.

    All words count here, stop words too: near-duplicate detection compares wording, not topic.
    Word hashes are crc32 (stable across processes and machines) combined polynomially.
    """
    return _shingles_of(words(text)[:limit], size)


def _shingles_of(ws: list[str], size: int) -> np.ndarray:
    hs = np.array([_word_hash(w.lower()) for w in ws], dtype=np.uint64)
    if len(hs) == 0:
        return hs.astype(np.uint32)
    if len(hs) < size:
        size = len(hs)
    out = np.zeros(len(hs) - size + 1, dtype=np.uint64)
    for k in range(size):
        out = (out * np.uint64(1_000_003) + hs[k:len(hs) - size + 1 + k]) & np.uint64(0xFFFFFFFF)
    return np.unique(out.astype(np.uint32))


def _is_capitalized(w: str) -> bool:
    c = w[:1]
    return c.isupper() or (c.isdigit() and not w.islower() and not w.isdigit()
                           and any(ch.isupper() for ch in w))


def is_title_case(line: str) -> bool:
    """True when most content words of a line start upper-case ("Apple Adds TV Channel")."""
    return _title_case_words(words(line))


def _title_case_words(line_words: list[str]) -> bool:
    ws = [w for w in line_words if w.lower() not in STOP_WORDS and w[:1].isalpha()]
    if len(ws) < 3:
        return False
    return sum(_is_capitalized(w) for w in ws) >= 0.7 * len(ws)


def _names_in(ws: list[str], lowercase_seen: frozenset[str], trust_first: bool) -> Iterable[list[str]]:
    """Runs of capitalized words in one sentence's words: candidate names."""
    run: list[str] = []
    for i, w in enumerate(ws):
        if not run and w[:1].islower():
            continue      # the common case: a lower-case word outside a name
        lw = w.lower().strip(".'")
        if _is_capitalized(w) and lw not in STOP_WORDS:
            # A capitalized first word is only a name when the document never writes it in
            # lower case ("Police said" vs "Lohan said").
            if i == 0 and not trust_first and lw in lowercase_seen:
                continue
            run.append(w)
        elif run and lw in _NAME_JOINERS and i + 1 < len(ws) and _is_capitalized(ws[i + 1]):
            run.append(w)
        else:
            if run:
                yield run
            run = []
    if run:
        yield run


def entities(title: str, text: str) -> list[str]:
    """Names (people, places, organisations) and numbers, as normalized keys.

    Each name yields its stemmed words ("lohan") and, when it has several, the whole name
    ("lindsay lohan"), so that a later "Lohan" still matches "Lindsay Lohan". Numbers keep their
    decimals ("6.1") and drop thousands separators; one-digit numbers are too common to help.
    A title in Title Case says nothing about which words are names, so it is only read when
    there is no body text.
    """
    return analyze(title, text).entities


@dataclass(frozen=True)
class Analysis:
    """What one pass over an article's words gives: entities, body words, shingle hashes."""

    entities: list[str]
    body_words: list[str]
    title_words: list[str]

    def shingles(self, size: int = 4, limit: int = 2000) -> np.ndarray:
        return _shingles_of(self.body_words[:limit], size)


@dataclass(frozen=True)
class BodyAnalysis:
    """What an article's body alone gives `analyze`: copies of one text share it."""

    entities: list[str]             # names and numbers of the body's sentences
    words: list[str]
    lowercase_seen: frozenset[str]  # words the body writes in lower case
    has_body: bool


def analyze_body(text: str) -> BodyAnalysis:
    body = repair_spacing(text)
    sentences = [(s, _split_words(s)) for s in _SENTENCE_SPLIT_RE.split(body) if s]
    body_words = [w for _, ws in sentences for w in ws]
    lowercase_seen = frozenset(w for w in body_words if w[:1].islower())
    has_body = bool(body.strip())
    return BodyAnalysis(_sentence_entities(sentences, lowercase_seen, not has_body), body_words,
                        lowercase_seen, has_body)


def analyze(title: str, text: str, body: BodyAnalysis | None = None) -> Analysis:
    """Read an article once: names and numbers (see `entities`) and its words. `body`, when
    given, is `analyze_body(text)` already made."""
    body = body if body is not None else analyze_body(text)
    title_words, names = analyze_title(title, body.lowercase_seen, body.has_body)
    return Analysis(names + body.entities, body.words, title_words)


def analyze_title(title: str, lowercase_seen: frozenset[str], has_body: bool
                  ) -> tuple[list[str], list[str]]:
    """The title's words, and its names and numbers (read only when there is no body, or
    when the title is not in Title Case) given what its body tells (`analyze_body`)."""
    rt = repair_spacing(title)
    title_sentences = [(s, _split_words(s)) for s in _SENTENCE_SPLIT_RE.split(rt) if s]
    title_words = [w for _, ws in title_sentences for w in ws]
    names: list[str] = []
    if title and (not has_body or not _title_case_words(title_words)):
        names = _sentence_entities(title_sentences, lowercase_seen, not has_body)
    return title_words, names


def _sentence_entities(sentences: list[tuple[str, list[str]]], lowercase_seen: frozenset[str],
                       trust_first: bool) -> list[str]:
    out: list[str] = []
    for sentence, ws in sentences:
        for run in _names_in(ws, lowercase_seen, trust_first=trust_first):
            keys = [stem(w.lower().strip(".'")) for w in run if w.lower() not in _NAME_JOINERS]
            keys = [k for k in keys if len(k) > 1]
            out.extend(keys)
            if len(keys) > 1:
                out.append(" ".join(keys))
        if _DIGIT_RE.search(sentence):
            out.extend(numbers(sentence))
    return out


def numbers(text: str) -> list[str]:
    """Numbers of two or more digits, or with decimals, normalized ("1,200" -> "1200")."""
    out = []
    for m in _NUMBER_RE.findall(text):
        n = m.replace(",", "")
        if len(n) >= 2:
            out.append("#" + n)
    return out


def normalized_title(title: str) -> str:
    """A title reduced to its lowercased words, for exact-title duplicate checks."""
    return " ".join(w.lower() for w in words(title))


def squash_spaces(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()
