"""Numbers with what they count, as a sentence states them: "five patients", "at least 24
dead", "aged 18 to 24", "less than 30 miles"."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from pipeline.stories.tokens import STOP_WORDS, stem
from pipeline.stories.names import FUNCTION_WORDS

NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update(thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90,
                     dozen=12, hundred=100)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_PLURALS = frozenset("people men women children police staff feet teeth mice dead injured "
                     "wounded missing personnel crew cattle".split())
# Counts of people are one noun whatever word an outlet uses for them.
# On a tie the more specific word is shown.
PERSON_NOUNS = ("patients", "participants", "volunteers", "adults", "people", "individuals",
                 "persons", "subjects")
_PERSON_STEMS = frozenset(stem(w) for w in PERSON_NOUNS) | {"people", "person"}
# Durations differ for good reasons within one story ("after three months", "for 15 years").
# "three times" counts occasions, not things.
TIME_STEMS = frozenset(stem(w) for w in "seconds minutes hours days weeks months years decades "
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


_NUMERAL = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _number(tok: str) -> float | None:
    # Called for every token: a word (not starting with a decimal digit, which is what \d
    # matches) goes straight to the number words, and the pattern is compiled once.
    if tok[:1].isdecimal():
        return float(tok.replace(",", "")) if _NUMERAL.fullmatch(tok) else None
    return NUMBER_WORDS.get(tok.lower())


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


# Sentences whose quantities are remembered: facts, disputes and the summary read the same
# sentences, and copies of one article the same ones again (bench/stories_speed.py, 300 feeds:
# 184k calls for 20.5k distinct sentences).
# Each of the four caches of the merge (paragraphs, keyword texts, sentence quality, quantities)
# keeps 8,192 entries: on the 300-feed bench as many hits as 65,536 (e.g. quantities 22.2k
# misses vs 20.5k) for +17 MB of a process's peak (65,536: +81 MB); 4,096 missed 26k.
QUANTITIES_CACHED = 1 << 13


def quantities(sentence: str) -> list[Quantity]:
    """Numbers with what they count: "five patients", "5 severely ill patients", "5 million
    people", "4 women", "aged 18 to 24", "a 20-year-old"; number words up to twenty (and the
    tens) become digits. A number without a noun right after it (a year, a date) is not one."""
    return list(_quantities(sentence))


@lru_cache(maxsize=QUANTITIES_CACHED)
def _quantities(sentence: str) -> tuple[Quantity, ...]:
    toks = _QTOKEN.findall(_SPACED_THOUSANDS.sub(",", sentence))
    low = [t.lower() for t in toks]
    out: list[Quantity] = []
    i, last_end = 0, -1
    while i < len(toks):
        x = _number(toks[i])
        prev = toks[i - 1] if i else ""
        if x is None or (toks[i][0].isupper() and i > 0) or (
                any(c.isupper() for c in prev) and prev.lower() not in FUNCTION_WORDS | _APPROX) or (
                prev == "-" and i > 1 and toks[i - 2].isupper()):     # "AK-47 rifles": a model
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
    return tuple(out)


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
    lowercase words ("5 severely ill patients", "10 short-range missiles": a hyphen inside a word
    is no end); stop words and other punctuation end the search."""
    seen = 0
    for k in range(j, min(j + 6, len(toks))):
        w = toks[k]
        if w == "-" and seen:
            seen -= 1           # "short - range" in "10 short-range missiles": one adjective
            continue
        seen += 1
        if seen > 3:
            return None
        if low[k] in _PLURALS:
            return w
        if not w.isalpha() or not w.islower() or low[k] in STOP_WORDS:
            return None
        if x == 1:
            return w
        if (low[k].endswith("s") and not low[k].endswith(("ss", "us", "is"))):
            return w
    return None


def best_noun(used: set[tuple[str, str]]) -> str:
    """The noun most outlets use; ties go to the more specific person noun, then alphabetical."""
    counts = Counter(noun for _, noun in used)
    rank = {n: i for i, n in enumerate(PERSON_NOUNS)}
    return min(counts, key=lambda n: (-counts[n], rank.get(n.lower(), 99), n)) if counts else ""
