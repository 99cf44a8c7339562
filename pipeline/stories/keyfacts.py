"""Key facts an editor would print: a figure with what it counts or measures ("$4.5 billion
convertible debt sale", "magnitude 6.1", "at least 5 dead"), or a person or organisation with
their role ("Larry Kroon, pastor of the Wasilla Bible Church", "President Donald Trump"), each
stated by at least two outlets. Bare names, places and fragments are never key facts."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from pipeline.stories.tokens import STOP_WORDS

# --- money, shares and magnitudes ------------------------------------------------------------
_CURRENCY = r"(?:US|A|C|HK|S|NZ)?[$€£¥₩]"
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_MONEY = re.compile(rf"({_CURRENCY})\s?(\d+(?:,\d{{3}})*(?:\.\d+)?)(?:\s?(thousand|million|billion|"
                    rf"trillion|bn|mn|tn|m|b|k)\b)?", re.I)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|per\s?cent\b|percent\b)")
_MAGNITUDE = re.compile(r"(?i)\bmagnitude[- ](\d\.\d)\b|\b(\d\.\d)[- ]magnitude\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_LINKS = ("in", "of", "to", "for")
# Words after a figure that say nothing of what it measures.
_VAGUE = frozenset("more less higher lower up down each year years month months week day days "
                   "previously earlier last this a an the".split())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _sig(x: float) -> str:
    """Two significant figures: "$12.18 billion" and "$12.2 billion" are one figure."""
    return f"{x:.2g}"


def _what(text: str, end: int, need: bool) -> str:
    """What a figure measures, from the words after it: "in damage", "to shareholders", or up to
    three lowercase words ("convertible debt sale"), a parenthesis skipped."""
    rest = re.sub(r"^\s*\([^)]{0,60}\)", "", text[end:])
    words = []
    for m in _WORD.finditer(rest[:80]):
        if m.start() > 0 and rest[words[-1][1]:m.start()].strip() if words else rest[:m.start()].strip():
            break                                      # punctuation between: the phrase ends
        w = m.group()
        if not words and w.lower() in _LINKS:
            words.append((w, m.end()))
            continue
        if not w.islower() or w.lower() in STOP_WORDS or w.lower() in _VAGUE \
                or (w.endswith(("ing", "ed", "ly")) and len(w) > 4):
            break           # a verb or an adverb: what follows is no longer the figure's noun
        words.append((w, m.end()))
        if len(words) >= 3:
            break
    if words and words[0][0].lower() in _LINKS and len(words) == 1:
        words = []
    phrase = " ".join(w for w, _ in words)
    return phrase if phrase or not need else ""


@lru_cache(maxsize=1 << 13)
def figures(sentence: str) -> tuple[tuple[str, str], ...]:
    """(key, shown) of the money amounts, shares and magnitudes a sentence states: "$4.5 billion
    convertible debt sale", "50% tariffs", "magnitude 6.1". A share needs what it is of."""
    out = []
    for m in _MONEY.finditer(sentence):
        unit = (m.group(3) or "").lower()
        value = _number(m.group(2)) * _SCALE.get(unit, 1)
        if value < 1000 and not unit:
            continue                                   # "$5": a price, not a story's figure
        word = {"k": "thousand", "m": "million", "mn": "million", "b": "billion", "bn": "billion",
                "tn": "trillion"}.get(unit, unit)
        amount = f"{m.group(1)}{m.group(2)}" + (f" {word}" if word else "")
        what = _what(sentence, m.end(), need=False)
        out.append((f"money:{m.group(1).upper()}{_sig(value)}", f"{amount} {what}".strip()))
    for m in _PERCENT.finditer(sentence):
        what = _what(sentence, m.end(), need=True)
        if what and what.split()[0].lower() not in _LINKS:
            out.append((f"share:{m.group(1)}:{what.split()[-1].lower()}", f"{m.group(1)}% {what}"))
    for m in _MAGNITUDE.finditer(sentence):
        out.append(("magnitude", f"magnitude {m.group(1) or m.group(2)}"))
    return tuple(out)


# --- people and organisations with their role ------------------------------------------------
ROLE_WORDS = frozenset("""president vice-president premier minister chancellor secretary governor
gov mayor senator sen representative rep congressman congresswoman lawmaker ceo cfo coo cto
chairman chairwoman chair director spokesman spokeswoman spokesperson judge justice attorney
lawyer prosecutor commissioner chief head leader founder co-founder coach manager captain
ambassador general gen admiral commander king queen prince princess pope economist analyst
strategist officer sheriff coroner pastor executive envoy official professor prof dr doctor
researcher scientist owner boss superintendent inspector detective sergeant colonel
lieutenant referee umpire deputy""".split())
_ROLE_PHRASE_WORDS = 8


def role_of(sentence: str, name: str) -> str | None:
    """How `sentence` gives `name` a role: "President Donald Trump" (a role right before it, an
    organisation's name possibly between: "Apple CEO Tim Cook") or "Larry Kroon, pastor of the
    Wasilla Bible Church" (an apposition after it). None when it gives none."""
    at = sentence.find(name)
    if at < 0:
        return None
    before = sentence[:at].split()[-4:]
    for k in range(len(before) - 1, -1, -1):
        w = before[k].strip(",").rstrip(".").lower()
        if _is_role(w):
            start = k
            while start > 0 and _title_word(before[start - 1]):
                start -= 1
            words = before[start:]
            if all(x[:1].isupper() or x.strip(",").rstrip(".").lower() in ROLE_WORDS | {"prime", "foreign", "vice", "chief", "executive"}
                   for x in before[k + 1:]) and not any(x.endswith(",") for x in before[k:]):
                return " ".join(words + [name])
            break
        if not before[k][:1].isupper():
            break
    after = sentence[at + len(name):]
    m = re.match(r",\s+((?:the|a|an)\s+)?([^,.;()]{3,80}?)(?=,|\.|;|\s+(?:said|says|told)\b)", after)
    if m:
        phrase = m.group(2).strip()
        words = phrase.split()
        if len(words) <= _ROLE_PHRASE_WORDS and any(
                _is_role(w.strip("'’s").lower()) for w in words[:4]) \
                and not words[0][:1].isdigit():
            return f"{name}, {(m.group(1) or '')}{phrase}"
    return None


def _is_role(word: str) -> bool:
    """A role word: "president", "minister" (any), a specialist ("rheumatologist")."""
    return word in ROLE_WORDS or word.endswith(("minister", "ologist"))


def _title_word(word: str) -> bool:
    """A word of an organisation's or a title's name before a role ("Apple", "St."), not a
    dateline in capitals ("KYIV") nor the end of a clause."""
    if word == "St.":
        return True
    return word[:1].isupper() and not word.endswith((",", ".", ":")) and not (word.isupper() and len(word) > 3)


def _role_key(shown: str, name: str) -> str:
    words = [w.strip(",.").lower() for w in shown.replace(name, " ").split()]
    roles = sorted(w for w in words if _is_role(w))
    return "|".join(roles)


def role_facts(named: Iterable[str], texts: dict[str, list[str]], min_outlets: int
               ) -> list[tuple[int, str]]:
    """(outlets, shown) for each name that at least `min_outlets` outlets give the same role;
    `texts`: outlet -> its titles and sentences."""
    out = []
    for name in named:
        if (len(name.split()) < 2 and not name.isupper()) or len(name.split()[-1].strip(".")) == 1:
            continue                # a surname alone, or a name cut at an initial ("George W")
        said: dict[str, set[str]] = defaultdict(set)
        shown: dict[str, Counter[str]] = defaultdict(Counter)
        for outlet, sentences in texts.items():
            for s in sentences:
                if name not in s:
                    continue
                found = role_of(s, name)
                if found:
                    key = _role_key(found, name)
                    said[key].add(outlet)
                    shown[key][found] += 1
        for key, outlets in said.items():
            if key and len(outlets) >= min_outlets:
                form = min(shown[key].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
                out.append((len(outlets), form))
                break
    return out
