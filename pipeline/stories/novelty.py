"""What makes another outlet's sentence new to a summary, or not: a shared phrase (a
restatement), the story's own terms (no restatement), an earlier year (background), a report only
its own article introduced, one thing counted as many."""
from __future__ import annotations

import re
from collections import Counter

from pipeline.stories.members import DocGroup
from pipeline.stories.sentences import WORD
from pipeline.stories.tokens import STOP_WORDS, stem

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
# "..., the report said": a source its own article introduced, unknown in another's summary.
CITED_BACK = re.compile(r"(?i)\b(?:the|that|this)\s+(?:report|statement|newspaper|paper|filing|memo|letter"
                        r"|document|survey|study)\s+(?:said|says|added|showed|shows|found)\b")
_COUNT_WORDS = frozenset("dozen score hundred thousand million billion trillion".split())
_ONE = re.compile(r"(?i)\b(?:a|an|one|single)\s+((?:[\w-]+\s+){0,3}[\w-]+)")


def one_for_many(figures: frozenset[tuple[str, str]], said: str, text: str = "") -> bool:
    """Whether a sentence (its `figures`, its `text`) counts several of what `said` calls one
    ("fired a suspected ballistic missile" against "launched more than 10 missiles" or "The
    missiles flew 300 km")."""
    ones = [w.lower() for m in _ONE.finditer(said) for w in m.group(1).split()]
    many = {k for k, v in figures if v not in ("1", "one")}
    if many and any(stem(w) in many for w in ones):
        return True
    # The thing called one is a noun that ends its phrase ("a suspected ballistic missile towards
    # the sea"), not one that qualifies the next ("a Russian missile attack": many missiles).
    heads = [w for m in _ONE.finditer(said) for w, after in zip(m.group(1).lower().split(),
                                                                 m.group(1).lower().split()[1:] + [""])
             if (not after or after in STOP_WORDS) and len(w) > 3 and not w.endswith("s")
             and w not in STOP_WORDS and w not in _COUNT_WORDS]
    plurals = {w.lower() for w in WORD.findall(text) if w.endswith("s")}
    return any(w + "s" in plurals or w + "es" in plurals for w in heads)


def background(sentence: str, year: int | None) -> bool:
    """A sentence about an earlier year than the story's ("In 2001 he beat Lennox Lewis", "During
    the spring of 1977") or an earlier time it names ("a shin injury earlier in the season"):
    background, not this story's news."""
    if _EARLIER.search(sentence):
        return True
    return year is not None and any(int(y) < year for y in _YEAR.findall(sentence))


_EARLIER = re.compile(r"(?i)\b(?:earlier\s+(?:in\s+the|this)\s+(?:season|year|month|decade)"
                      r"|(?:last|previous)\s+(?:season|year|decade))\b")


def phrases(sentence: str) -> frozenset[tuple[str, str]]:
    """Adjacent content words (stop words skipped, stemmed), unless both are capitalized or one
    is a number: a sentence repeating one of another's ("fully vaccinated", "man arrested")
    restates it."""
    words = [(w, stem(w.lower())) for w in WORD.findall(sentence) if w.lower() not in STOP_WORDS]
    return frozenset((a[1], b[1]) for a, b in zip(words, words[1:])
                     if not (a[0][:1].isupper() and b[0][:1].isupper())
                     and not a[0].isdigit() and not b[0].isdigit())


# A phrase in the headline or in this share of the members' titles (two at least) is the story's
# own term ("climate change", "debt ceiling"): saying it again restates nothing.
TOPIC_PHRASE_SHARE = 0.5


def topic_phrases(group: DocGroup, headline: str) -> frozenset[tuple[str, str]]:
    """The story's own terms: the headline's phrases, and those of TOPIC_PHRASE_SHARE of its
    distinct member titles (two at least)."""
    # Titles are often in Title Case, where capitals mark no name: read in lower case.
    titles = list(dict.fromkeys(d.title.lower() for d in group.docs if d.title))
    df = Counter(p for t in titles for p in phrases(t))
    need = max(2, TOPIC_PHRASE_SHARE * len(titles))
    return phrases(headline.lower()) | frozenset(p for p, n in df.items() if n >= need)
