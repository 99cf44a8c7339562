"""Key facts and disagreements: quantities and names at least two outlets state, and the
same measure given differently."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from pipeline.stories.disputes import disputes
from pipeline.stories.tokens import stem
from pipeline.stories.members import DocGroup
from pipeline.stories.quantities import NUMBER_WORDS, Quantity, best_noun, quantities

__all__ = ["Facts", "Quantity", "find_facts", "quantities"]

# A fact needs this many distinct outlets stating it.
MIN_OUTLETS = 2
KEY_FACTS_LIMIT = 8


@dataclass(frozen=True)
class Facts:
    key_facts: tuple[str, ...]
    disputed: tuple[str, ...]
    quantities: frozenset[tuple[str, str]]     # agreed (key, value) pairs
    names: tuple[tuple[str, ...], ...]         # agreed name keys


def find_facts(group: DocGroup) -> Facts:
    """Key facts: quantities (value and noun) and names stated by at least MIN_OUTLETS outlets,
    most outlets first (then quantities before names, then alphabetical), at most
    KEY_FACTS_LIMIT; a name part goes into the longer name it belongs to (``ranked_names``).

    A count every outlet hedges the same way keeps its hedge ("less than 30 miles"). Disputed:
    see disputes.disputes."""
    said: dict[tuple[str, str], set[str]] = defaultdict(set)
    nouns: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)   # (outlet, noun)
    hedges: dict[tuple[str, str], set[str]] = defaultdict(set)
    samples: dict[tuple[str, str], Quantity] = {}
    for d in group.docs:
        for s in list(dict.fromkeys([d.title, *d.sentences])):
            for q in quantities(s):
                said[(q.key, q.value)].add(d.outlet)
                nouns[(q.key, q.value)].add((d.outlet, q.noun))
                hedges[(q.key, q.value)].add(q.hedge)
                samples.setdefault((q.key, q.value), q)
    facts: list[tuple[int, int, str]] = []
    agreed = frozenset(kv for kv, outlets in said.items() if len(outlets) >= MIN_OUTLETS)
    for kv in agreed:
        if _worth_a_line(samples[kv]):
            phrase = samples[kv].phrase(best_noun(nouns[kv]))
            (hedge,) = hedges[kv] if len(hedges[kv]) == 1 else ("",)
            facts.append((-len(said[kv]), 0, f"{hedge} {phrase}" if hedge and samples[kv].key != "aged" else phrase))
    ranked = group.ranked_names("outlets", MIN_OUTLETS)
    name_keys = [k for k, _ in ranked]
    outlet_keys = _outlet_keys(group)
    long_keys = tuple(o for o in outlet_keys if len(o) > 3)
    for k, outlets in ranked:
        shown = group.names[k].display()
        if _is_named_fact(shown, outlet_keys, long_keys):
            facts.append((-len(outlets), 1, shown))
    facts.sort(key=lambda f: (f[0], f[1], f[2].lower(), f[2]))
    key_facts = tuple(dict.fromkeys(f[2] for f in facts))[:KEY_FACTS_LIMIT]

    disputed = tuple(disputes(group))
    return Facts(key_facts, disputed, agreed, tuple(name_keys))


# Outlets and agencies report a story; they are never one of its facts.
WIRE_NAMES = frozenset("reuters bloomberg ap apnews associatedpress afp upi dpa ani pti xinhua kyodo "
                       "yonhap tass efe ansa cnn bbc cnbc nyt yahoo msn".split())
_MONTHS_DAYS = frozenset("january february march april may june july august september october "
                         "november december monday tuesday wednesday thursday friday saturday "
                         "sunday".split())


def _outlet_keys(group: DocGroup) -> set[str]:
    keys = set(WIRE_NAMES)
    for d in group.docs:
        for name in (d.article.source or "", d.outlet):
            keys.add(_squash(name))
            keys.update(_squash(w) for w in _NAME_PARTS.split(name) if len(_squash(w)) > 3)
    return keys - {""}


_NAME_PARTS = re.compile(r"[\s/—–|-]+")
_TAIL = re.compile(r"\s[-|–—]\s")


@lru_cache(maxsize=1 << 13)     # outlet names and name parts, over and over
def _squash(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def _is_named_fact(shown: str, outlets: set[str], long_outlets: tuple[str, ...] | None = None
                   ) -> bool:
    """A name worth an editor's line: not an outlet (nor ending with one: "Medio Oriente -
    Bloomberg Línea"), not a month or weekday glued to a name ("July Eric Trump"), not a
    fragment of two letters or fewer ("Co") or a number word ("Eleven")."""
    key = _squash(shown)
    words = shown.split()
    tail = _squash(_TAIL.split(shown)[-1])
    if long_outlets is None:
        long_outlets = tuple(o for o in outlets if len(o) > 3)
    if key in outlets or key.endswith(long_outlets) or tail.startswith(long_outlets):
        return False
    if len(words) > 1 and words[0].lower() in _MONTHS_DAYS:
        return False
    if len(words) == 1 and (len(key) <= 2 or shown.lower() in NUMBER_WORDS):
        return False
    return True


def _worth_a_line(q: Quantity) -> bool:
    """A count an editor would print: not "3 times" (occasions) and not a count of one ("1
    male", a sub-count of the patients)."""
    return q.key != stem("times") and not (q.key != "aged" and q.high == 1)
