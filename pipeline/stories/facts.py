"""Key facts and disagreements: quantities and names at least two outlets state, and the
same measure given differently."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from pipeline.stories.features import STOP_WORDS, stem
from pipeline.stories.members import DocGroup
from pipeline.stories.names import FUNCTION_WORDS

# A fact needs this many distinct outlets stating it.
MIN_OUTLETS = 2
KEY_FACTS_LIMIT = 8
# Different claims further apart than this factor are about different things. Counts that
# outlets really disagree on (casualties, crowds) are within it; on the ECB+ dev stories the
# pairs further apart were different referents (2 boats vs 100 vessels, 54 vs 157 games).
DISPUTE_MAX_RATIO = 3
# Ages a few years apart are one person's age reported differently; further apart (36 vs 66,
# 57 vs 86 on ECB+ dev) they are two people.
DISPUTE_MAX_YEARS = 10

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update(thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90,
                     dozen=12, hundred=100)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_PLURALS = frozenset("people men women children police staff feet teeth mice dead injured "
                     "wounded missing personnel crew cattle".split())
# Counts of people are one noun whatever word an outlet uses for them.
# On a tie the more specific word is shown.
_PERSON_NOUNS = ("patients", "participants", "volunteers", "adults", "people", "individuals",
                 "persons", "subjects")
_PERSON_STEMS = frozenset(stem(w) for w in _PERSON_NOUNS) | {"people", "person"}
# Durations differ for good reasons within one story ("after three months", "for 15 years").
# "three times" counts occasions, not things.
_TIME_STEMS = frozenset(stem(w) for w in "seconds minutes hours days weeks months years decades "
                        "centuries times".split()) | {"century"}
_APPROX = frozenset("about around nearly almost over some approximately roughly estimated up "
                    "least than under".split())
# Whole words, so that "76ers" is not 76 of something; "1,200" and "5.6" stay one token.
_QTOKEN = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*|[^\s\w]", re.UNICODE)
_SPACED_THOUSANDS = re.compile(r"(?<=\d), (?=\d{3}\b)")   # "120, 000" in text rebuilt from tokens
_RANGE_WORDS = frozenset({"to", "-", "–", "and"})


@dataclass(frozen=True)
class Quantity:
    key: str          # noun stem, "person", or "aged"
    value: str        # normalized: "5", "18-24", "5 million"
    noun: str         # the noun as written ("patients"); "" for ages
    approx: bool      # "about 4", "at least 3": never a disputed claim
    low: float = 0.0  # the value as a number (a range's ends)
    high: float = 0.0
    hedge: str = ""   # "less than", "about", "at least" as written before it

    def phrase(self, noun: str | None = None) -> str:
        return f"aged {self.value}" if self.key == "aged" else f"{self.value} {noun or self.noun}"

    @property
    def claim(self) -> str:
        """The value as claimed, hedge and all: "less than 30", "24"."""
        return f"{self.hedge} {self.value}" if self.hedge else self.value


def _number(tok: str) -> float | None:
    if re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", tok):
        return float(tok.replace(",", ""))
    return _NUMBER_WORDS.get(tok.lower())


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


def quantities(sentence: str) -> list[Quantity]:
    """Numbers with what they count: "five patients", "5 severely ill patients", "5 million
    people", "4 women", "aged 18 to 24", "a 20-year-old"; number words up to twenty (and the
    tens) become digits. A number without a noun right after it (a year, a date) is not one."""
    toks = _QTOKEN.findall(_SPACED_THOUSANDS.sub(",", sentence))
    low = [t.lower() for t in toks]
    out: list[Quantity] = []
    i, last_end = 0, -1
    while i < len(toks):
        x = _number(toks[i])
        prev = toks[i - 1] if i else ""
        if x is None or (toks[i][0].isupper() and i > 0) or (
                any(c.isupper() for c in prev) and prev.lower() not in FUNCTION_WORDS | _APPROX):
            i += 1          # "Xbox One", "iOS 7", "Flight 370", "September 15": not counts
            continue
        j, hi = i + 1, None
        nxt = _number(toks[j + 1]) if j + 1 < len(toks) and low[j] in _RANGE_WORDS else None
        if nxt is not None and 20 <= x < 100 and x % 10 == 0 and nxt < 10 and low[j] == "-":
            x, j = x + nxt, j + 2                       # "sixty-one"
        elif nxt is not None and nxt > x:
            hi, j = nxt, j + 2
        scale = ""
        if j < len(toks) and low[j] in _SCALES:
            scale, j = " " + low[j], j + 1
        value = _fmt(x) + (f"-{_fmt(hi)}" if hi is not None else "") + scale
        before = low[max(0, i - 3):i]
        approx = any(w in _APPROX for w in before[-2:])
        hedge = _hedge(before)
        if before[-1:] == ["("] and out and out[-1].hedge and i - 1 == last_end:
            approx, hedge = True, out[-1].hedge     # "less than 30 miles (48 km)": the same hedge
        if before and before[-1] in ("between",) and len(before) > 1:
            before = before[:-1]
        lo_hi = (x * _SCALES.get(scale.strip(), 1), (hi or x) * _SCALES.get(scale.strip(), 1))
        if before and before[-1] in ("aged", "ages", "age"):
            out.append(Quantity("aged", value, "", approx, *lo_hi, hedge=hedge))
        elif low[j:j + 4] in (["-", "year", "-", "old"], ["year", "-", "old"]) or low[j:j + 2] == ["years", "old"]:
            out.append(Quantity("aged", value, "", approx, *lo_hi, hedge=hedge))
        else:
            noun = _noun_after(toks, low, j, x if hi is None else hi)
            if noun:
                k = stem(noun.lower())
                key = "person" if k in _PERSON_STEMS else k
                measure = _casualty(low, i, j, key)
                if measure:
                    key, noun = measure, measure
                elif k in _DEATH_STEMS:
                    key = "deaths"
                out.append(Quantity(key, value, noun, approx, *lo_hi, hedge=hedge))
                last_end = low.index(noun.lower(), j) if noun.lower() in low[j:j + 4] else j
        i = j
    return out


_HEDGES = ("less than", "more than", "fewer than", "at least", "at most", "up to", "as many as",
           "about", "around", "nearly", "almost", "over", "some", "approximately", "roughly",
           "estimated", "under", "an estimated")
# Counts of the dead and the hurt, whatever word an outlet uses ("3 dead", "killing 10 persons",
# "24 people were killed"): one measure, so that different tolls show as a disagreement.
_DEATH_STEMS = frozenset(stem(w) for w in ("dead", "deaths", "fatalities")) | {"dead"}
_KILLED = frozenset("killed dead died killing kill perished".split())
_HURT = frozenset("injured wounded hurt injuring wounding".split())


def _hedge(before: list[str]) -> str:
    text = " ".join(before)
    return next((h for h in sorted(_HEDGES, key=len, reverse=True)
                 if text == h or text.endswith(" " + h)), "")


def _casualty(low: list[str], i: int, j: int, key: str) -> str | None:
    """ "deaths" or "injured" when a count of people is one of the dead or the hurt."""
    if key != "person":
        return None
    near = set(low[j:j + 4]) | set(low[max(0, i - 4):i])
    if near & _KILLED:
        return "deaths"
    if near & _HURT:
        return "injured"
    return None


def _noun_after(toks: list[str], low: list[str], j: int, x: float) -> str | None:
    """The counted noun: for one, the next word; for more, the first plural among the next three
    lowercase words ("5 severely ill patients"); stop words and punctuation end the search."""
    for k in range(j, min(j + 3, len(toks))):
        w = toks[k]
        if low[k] in _PLURALS:
            return w
        if not w.isalpha() or not w.islower() or low[k] in STOP_WORDS:
            return None
        if x == 1:
            return w
        if (low[k].endswith("s") and not low[k].endswith(("ss", "us", "is"))):
            return w
    return None


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

    Disputed: for one noun (durations aside), an outlet's claim is its value when it states
    exactly one in its whole text, not hedged ("about", "at least"), and states it in its title
    or lead; two or more different claims within a factor of DISPUTE_MAX_RATIO, two of them
    made in sentences that name one same name, are a dispute, shown as
    "dead: 3 (Outlet A) / 5 (Outlet B, Outlet C)". An outlet giving several numbers for one noun
    is describing several things and claims none; numbers further apart, further down the text
    or said of nothing in common are mostly about different things (a player's statistics and
    a team's, two people's ages, background)."""
    said: dict[tuple[str, str], set[str]] = defaultdict(set)
    nouns: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)   # (outlet, noun)
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    hedged: dict[str, set[str]] = defaultdict(set)
    led: dict[str, dict[str, set]] = defaultdict(dict)  # key -> outlet -> names beside it in title/lead
    samples: dict[tuple[str, str], Quantity] = {}
    for d in group.docs:
        lead = set(d.lead) | {d.title}
        for s in list(dict.fromkeys([d.title, *d.sentences])):
            for q in quantities(s):
                if s in lead:
                    led[q.key].setdefault(d.outlet, set()).update(group.names_in.get(s, ()))
                said[(q.key, q.value)].add(d.outlet)
                nouns[(q.key, q.value)].add((d.outlet, q.noun))
                samples.setdefault((q.key, q.value), q)
                values[q.key][d.outlet].add(q.value)
                if q.approx:
                    hedged[q.key].add(d.outlet)
    facts: list[tuple[int, int, str]] = []
    agreed = frozenset(kv for kv, outlets in said.items() if len(outlets) >= MIN_OUTLETS)
    for kv in agreed:
        if _worth_a_line(samples[kv]):
            facts.append((-len(said[kv]), 0, samples[kv].phrase(_best_noun(nouns[kv]))))
    ranked = group.ranked_names("outlets", MIN_OUTLETS)
    name_keys = [k for k, _ in ranked]
    outlet_keys = _outlet_keys(group)
    for k, outlets in ranked:
        shown = group.names[k].display()
        if _is_named_fact(shown, outlet_keys):
            facts.append((-len(outlets), 1, shown))
    facts.sort(key=lambda f: (f[0], f[1], f[2].lower(), f[2]))
    key_facts = tuple(dict.fromkeys(f[2] for f in facts))[:KEY_FACTS_LIMIT]

    disputed = tuple(_disputes(group))
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
            keys.update(_squash(w) for w in re.split(r"[\s/—–|-]+", name) if len(_squash(w)) > 3)
    return keys - {""}


def _squash(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def _is_named_fact(shown: str, outlets: set[str]) -> bool:
    """A name worth an editor's line: not an outlet (nor ending with one: "Medio Oriente -
    Bloomberg Línea"), not a month or weekday glued to a name ("July Eric Trump"), not a
    fragment of two letters or fewer ("Co") or a number word ("Eleven")."""
    key = _squash(shown)
    words = shown.split()
    tail = _squash(re.split(r"\s[-|–—]\s", shown)[-1])
    if key in outlets or any(len(o) > 3 and (key.endswith(o) or tail.startswith(o)) for o in outlets):
        return False
    if len(words) > 1 and words[0].lower() in _MONTHS_DAYS:
        return False
    if len(words) == 1 and (len(key) <= 2 or shown.lower() in _NUMBER_WORDS):
        return False
    return True


def _worth_a_line(q: Quantity) -> bool:
    """A count an editor would print: not "3 times" (occasions) and not a count of one ("1
    male", a sub-count of the patients)."""
    return q.key != stem("times") and not (q.key != "aged" and q.high == 1)


# Tolls that rise as a day goes on (1, 5, 11, 24 dead) are one measure however far apart.
_NO_RATIO_LIMIT = frozenset({"deaths", "injured", stem("missing")})


def _disputes(group: DocGroup) -> list[str]:
    """The same measure given differently. Each article is a claimant, an outlet's latest
    article only (its earlier ones are superseded); an article claims a value when it states
    exactly one for that noun in its whole text, and states it in its title or lead. Two or more
    different unhedged claims, two of them made beside one same name, within a factor of
    DISPUTE_MAX_RATIO (any factor for tolls) and DISPUTE_MAX_YEARS for ages, are a dispute,
    shown lowest first with what was measured and the hedges as written:
    "deaths: 1 (A) / at least 5 (B) / 24 (C, D)". A hedged claim ("less than 30") is shown
    beside them but never makes a dispute by itself."""
    latest: dict[str, object] = {}
    for d in group.docs:       # source order: earliest first, so the last one seen is the latest
        latest[d.outlet] = d
    claims: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    beside: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    samples: dict[tuple[str, str], Quantity] = {}
    nouns: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for outlet, d in sorted(latest.items()):
        lead = set(d.lead) | {d.title}
        found: dict[str, dict[str, Quantity]] = defaultdict(dict)
        led: dict[str, set] = defaultdict(set)       # key -> names beside it in title or lead
        for s in dict.fromkeys([d.title, *d.sentences]):
            for q in quantities(s):
                found[q.key].setdefault(q.value, q)
                if s in lead:
                    led[q.key].add(("",))
                    led[q.key] |= group.names_in.get(s, set())
        for key, by_value in found.items():
            if key in _TIME_STEMS or len(by_value) != 1 or not led[key]:
                continue
            q = next(iter(by_value.values()))
            claims[key][q.claim].append(outlet)
            beside[key][q.claim] |= led[key] - {("",)}
            samples[(key, q.claim)] = q
            nouns[key].add((outlet, q.noun))
    out = []
    for key in sorted(claims):
        made = claims[key]
        exact = [c for c in made if not samples[(key, c)].hedge]
        if len(exact) < 2 or not any(beside[key][a] & beside[key][b] for a in exact for b in exact if a < b):
            continue
        ends = [samples[(key, c)] for c in exact]
        top, bottom = max(q.high for q in ends), min(q.low for q in ends)
        if key not in _NO_RATIO_LIMIT and top > DISPUTE_MAX_RATIO * bottom:
            continue
        if key == "aged" and top - bottom > DISPUTE_MAX_YEARS:
            continue
        label = "aged" if key == "aged" else _best_noun(nouns[key])
        ordered = sorted(made, key=lambda c: (samples[(key, c)].low, samples[(key, c)].high, c))
        out.append(f"{label}: " + " / ".join(f"{c} ({', '.join(made[c])})" for c in ordered))
    return out


def _best_noun(used: set[tuple[str, str]]) -> str:
    """The noun most outlets use; ties go to the more specific person noun, then alphabetical."""
    counts = Counter(noun for _, noun in used)
    rank = {n: i for i, n in enumerate(_PERSON_NOUNS)}
    return min(counts, key=lambda n: (-counts[n], rank.get(n.lower(), 99), n)) if counts else ""

