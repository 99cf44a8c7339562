"""Key facts and disagreements: figures, counts and roles at least two outlets state, and the
same measure given differently."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from pipeline.stories.disputes import disputes
from pipeline.stories.sentences import WORD
from pipeline.stories.tokens import stem
from pipeline.stories.members import DocGroup
from pipeline.stories.novelty import background
from pipeline.stories.keyfacts import figures, role_facts
from pipeline.stories.quantities import NUMBER_WORDS, TIME_STEMS, Quantity, best_noun, quantities

__all__ = ["Facts", "Quantity", "find_facts", "quantities"]

# A fact needs this many distinct outlets stating it.
MIN_OUTLETS = 2
KEY_FACTS_LIMIT = 6
ROLE_NAMES = 4
# Words of an amount itself: "$4.5" is one word, "$4.5 billion" two.
_AMOUNT_WORDS = {"thousand": 2, "million": 2, "billion": 2, "trillion": 2}


@dataclass(frozen=True)
class Facts:
    key_facts: tuple[str, ...]
    disputed: tuple[str, ...]
    quantities: frozenset[tuple[str, str]]     # agreed (key, value) pairs
    names: tuple[tuple[str, ...], ...]         # agreed name keys


def find_facts(group: DocGroup, allowed: set[str] | None = None, headline: str = "") -> Facts:
    """Key facts an editor would print, each stated by at least MIN_OUTLETS outlets, most
    outlets first, at most KEY_FACTS_LIMIT:
    - money, shares and magnitudes with what they measure (keyfacts.figures);
    - counts with their noun ("at least 5 deaths", "4 men"; a count every outlet hedges the same
      way keeps its hedge), but no durations, and no count that outlets give differently (that
      is a disagreement, not a fact);
    - people and organisations with the role two outlets give them (keyfacts.role_facts).
    A key fact is one outlets put up top: in a title or a lead, of `allowed` articles (those in
    the digest's language). Bare names are not facts: they stay in `names` (what the summary's
    sentences are weighed by). Disputed: see disputes.disputes."""
    said: dict[tuple[str, str], set[str]] = defaultdict(set)
    nouns: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)   # (outlet, noun)
    hedges: dict[tuple[str, str], set[str]] = defaultdict(set)
    samples: dict[tuple[str, str], Quantity] = {}
    figured: dict[str, set[str]] = defaultdict(set)
    figure_forms: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[str, list[str]] = defaultdict(list)
    up_top: dict[tuple[str, str], set[str]] = defaultdict(set)
    dated = [d.article.published for d in group.docs if d.article.published]
    year = max(dated).year if dated else None
    for d in group.docs:
        told = allowed is None or d.article.id in allowed
        # A sentence about an earlier year is background: its figures are not this story's
        # ("rival mob boss John Gotti died of cancer in 2002 at age 61").
        top = {s for s in (d.title, *d.lead) if not background(s, year)}
        for s in list(dict.fromkeys([d.title, *d.sentences])):
            for q in quantities(s):
                said[(q.key, q.value)].add(d.outlet)
                nouns[(q.key, q.value)].add((d.outlet, q.noun))
                hedges[(q.key, q.value)].add(q.hedge)
                samples.setdefault((q.key, q.value), q)
                if told and s in top:
                    up_top[(q.key, q.value)].add(d.outlet)
            if not told or s not in top:
                continue        # a key fact is one the outlets put in their title or lead
            texts[d.outlet].append(s)
            for key, shown in figures(s):
                figured[key].add(d.outlet)
                figure_forms[key][shown] += 1
    facts: list[tuple[int, int, str]] = []
    for key, outlets in figured.items():
        # Shown with what it measures ("$4.5 billion convertible debt sale"), the wording most
        # copies use; a bare amount says too little to be a key fact.
        forms = {f: n for f, n in figure_forms[key].items() if key == "magnitude" or len(f.split()) > _AMOUNT_WORDS.get(f.split()[1] if len(f.split()) > 1 else "", 1)}
        if len(outlets) >= MIN_OUTLETS and forms:
            form = max(forms.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]
            facts.append((-len(outlets), 0, form))
    agreed = frozenset(kv for kv, outlets in said.items() if len(outlets) >= MIN_OUTLETS)
    values_of: dict[str, set[str]] = defaultdict(set)
    for key, value in agreed:
        values_of[key].add(value)
    for kv in agreed:
        if _worth_a_line(samples[kv]) and len(values_of[kv[0]]) == 1 and len(up_top[kv]) >= MIN_OUTLETS:
            phrase = samples[kv].phrase(best_noun(nouns[kv]))
            (hedge,) = hedges[kv] if len(hedges[kv]) == 1 else ("",)
            facts.append((-len(said[kv]), 1, f"{hedge} {phrase}" if hedge and samples[kv].key != "aged" else phrase))
    ranked = group.ranked_names("outlets", MIN_OUTLETS)
    name_keys = [k for k, _ in ranked]
    outlet_keys = _outlet_keys(group)
    long_keys = tuple(o for o in outlet_keys if len(o) > 3)
    shown_names = [group.names[k].display() for k, _ in ranked]
    # Roles of the story's main people only (the most supported names), not of everyone quoted.
    named = [n for n in shown_names if _is_named_fact(n, outlet_keys, long_keys)][:ROLE_NAMES]
    said_in_headline = {w.casefold() for w in WORD.findall(headline)}
    for outlets, shown in role_facts(named, texts, MIN_OUTLETS):
        name = next((n for n in named if n in shown), "")
        # A title before a name the headline gives ("President Donald Trump" under "... Trump
        # pushes Clarity Act") tells a reader nothing; a role that says more does ("Larry Kroon,
        # pastor of the Wasilla Bible Church").
        if name and name.split()[-1].casefold() in said_in_headline and len(shown.replace(name, "").split()) <= 2:
            continue
        facts.append((-outlets, 2, shown))
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


# Counts that say nothing of the story: "2 sides", "2 sources", "3 times".
_NOT_WORTH = frozenset(stem(w) for w in ("sides", "sources", "times", "people familiar", "ways", "things"))


def _worth_a_line(q: Quantity) -> bool:
    """A count an editor would print: not a duration ("3 months"), not "2 sides" or "3 times",
    and not a count of one ("1 male", a sub-count of the patients)."""
    return q.key not in TIME_STEMS and q.key not in _NOT_WORTH and not (q.key != "aged" and q.high == 1)
