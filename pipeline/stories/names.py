"""Names in a group's text: runs of capitalized words, their parts and who states them."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipeline.stories.tokens import is_title_case, stem

# Capitalized words that are not names on their own (a name's head word, a month, a title).
_GENERIC_NAME_WORDS = frozenset(
    "university institute college school center centre hospital medicine journal department "
    "ministry agency association society council committee court party company corporation group "
    "bank state states national international royal new north south east west city county street "
    "mount mt lake river island gulf bay cape port fort "
    "club league inc ltd government police federal republic united health science research "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split())
_HONORIFICS = frozenset(
    "mr mrs ms miss dr prof professor sir dame lord lady president minister judge senator sen const "
    "constable sgt cpl lt col gen capt det insp supt rev inspector superintendent commissioner "
    "ceo chairman chairwoman spokesman spokeswoman premier "
    "gov governor rep representative chancellor king queen prince princess pope officer coach "
    "captain general director chief secretary mayor sheriff sergeant".split())
# Capitalized only because they open a sentence or a title: never part of a name.
FUNCTION_WORDS = frozenset(
    "a an the and or but nor if then than so as at by for from in into of off on onto out over "
    "per to up upon via with within without about above after against along among around before "
    "behind below beside between beyond during except inside near since through toward towards "
    "under until unlike while i me my we us our you your he him his she her it its they them "
    "their this that these those who whom whose which what when where why how all any both each "
    "every few many more most much no not none some such there here is are was were be been being "
    "am do does did has have had would shall should could might must also however yet still even "
    "just only too very".split())
_NAME_JOINERS = frozenset({"of", "de", "da", "di", "del", "der", "van", "von", "al", "bin", "la",
                           "le", "du", "y", "&"})
_NAME_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass
class NameStats:
    articles: set[str] = field(default_factory=set)
    outlets: set[str] = field(default_factory=set)
    mentions: int = 0
    surfaces: Counter[str] = field(default_factory=Counter)

    def display(self) -> str:
        return min(self.surfaces.items(), key=lambda kv: (-kv[1], kv[0].isupper(), -len(kv[0]), kv[0]))[0]


def name_stems(key: tuple[str, ...]) -> list[str]:
    return [k for k in key if k not in _NAME_JOINERS]


def find_names(docs: list[Any]) -> tuple[dict[tuple[str, ...], NameStats], dict[str, set[tuple[str, ...]]]]:
    """Runs of capitalized words in body sentences, and every contiguous part of each run, by
    key (stemmed lowercase words). A sentence's first word counts only when the group writes
    it capitalized somewhere else too; a title or role ("Dr", "Governor") splits a run.
    Title-case lines (subheads, cross-links) and, with body text, the titles are not read.
    Returns the names by key and, for each sentence read, the keys it holds."""
    sentences = {d.article.id: d.sentences or ([d.title] if _sentence_case(d.title) else [])
                 for d in docs}
    lower_seen: set[str] = set()
    caps_inside: set[str] = set()
    # Copies of one article repeat whole sentences: each distinct sentence is read once.
    words_of: dict[str, list[tuple[str, int, int]]] = {}
    for s in dict.fromkeys(s for ss in sentences.values() for s in ss):
        words_of[s] = ws = _name_words(s)
        for i, (w, _, _) in enumerate(ws):
            if w[:1].islower():
                lower_seen.add(w.lower())
            elif w[:1].isupper() and i > 0:
                caps_inside.add(w.lower())
    names: dict[tuple[str, ...], NameStats] = defaultdict(NameStats)
    names_in: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    found_in: dict[str, dict[tuple[str, ...], str] | None] = {}
    for d in docs:
        for s in sentences[d.article.id]:
            if s not in found_in:
                found_in[s] = _names_of(s, caps_inside, words_of[s])
            found = found_in[s]
            if found is None:
                continue        # a subhead or cross-link line, capitalized throughout
            names_in[s].update(found)
            for key, surface in found.items():
                st = names[key]
                st.articles.add(d.article.id)
                st.outlets.add(d.outlet)
                st.mentions += 1
                st.surfaces[surface] += 1
    names = {k: v for k, v in names.items()
             if not (len(k) == 1 and (k[0] in lower_seen or k[0] in _GENERIC_NAME_WORDS))}
    return names, {s: keys & names.keys() for s, keys in names_in.items()}


_ENDS_SENTENCE = re.compile(r"(?<!\.\.)[.!?][\"'”’)]*$")


def _names_of(s: str, caps_inside: set[str], parts: list[tuple[str, int, int]] | None = None
              ) -> dict[tuple[str, ...], str] | None:
    """The names of one sentence by key, each with its longest surface; None for a title-case
    line that does not end as a sentence (a subhead or cross-link: not read)."""
    if not _ENDS_SENTENCE.search(s) and is_title_case(s):
        return None
    found: dict[tuple[str, ...], str] = {}
    for run in _capital_runs(s, caps_inside, parts):
        for key, surface, _ in _subspans(run, s):
            if len(surface) > len(found.get(key, "")):
                found[key] = surface
    return found


def _sentence_case(title: str) -> bool:
    """A headline that capitalizes only its names (at most 40% of its content words after the
    first), so its capitals can be read as names."""
    ws = [w for w in _NAME_TOKEN.findall(title)[1:] if w.lower() not in FUNCTION_WORDS]
    return bool(ws) and sum(w[:1].isupper() for w in ws) <= 0.4 * len(ws)


_OPENER = re.compile(r"[\"“‘(:—–]")
_POSSESSIVE = ("'s", "’s")      # at the end of a word (words hold no hyphen and no line break)


def _unpossessive(word: str) -> str:
    return word[:-2] if word.endswith(_POSSESSIVE) else word


def _name_words(sentence: str) -> list[tuple[str, int, int]]:
    """The sentence's words as (word, start, end); a hyphen is never inside one."""
    return [(m.group(), m.start(), m.end()) for m in _NAME_TOKEN.finditer(sentence)]


def _capital_runs(sentence: str, caps_inside: set[str],
                  parts: list[tuple[str, int, int]] | None = None) -> list[list[tuple[str, int, int]]]:
    """Runs of name words as (word, start, end) in the sentence (`parts`: its `_name_words`);
    words inside one run are separated only by spaces or hyphens (a comma, quote or period ends
    a name)."""
    parts = parts if parts is not None else _name_words(sentence)
    runs: list[list[tuple[str, int, int]]] = []
    run: list[tuple[str, int, int]] = []
    for i, (w, a, b) in enumerate(parts):
        if not run and not w[:1].isupper():
            continue        # the common case: a lower-case word outside a name
        gap = sentence[parts[i - 1][2]:a] if i else ""
        initial = i == 0 or bool(_OPENER.search(gap))
        lw = _unpossessive(w.lower())
        capital = (w[:1].isupper() and lw not in FUNCTION_WORDS
                   and (not initial or lw in caps_inside) and not (w.isupper() and len(w) > 6))
        # A possessive ends a name: "Ireland's Fyffes" is two.
        joined = i > 0 and not gap.strip(" -") and not parts[i - 1][0].endswith(_POSSESSIVE)
        if capital and run and joined:
            run.append((w, a, b))
            continue
        if (run and joined and lw in _NAME_JOINERS and i + 1 < len(parts)
                and parts[i + 1][0][:1].isupper() and not sentence[b:parts[i + 1][1]].strip(" -")):
            run.append((w, a, b))
            continue
        if run:
            runs.append(run)
        run = [(w, a, b)] if capital else []
    if run:
        runs.append(run)
    out = []
    for whole in runs:
        # A title or role splits a run: "Qeshm Governor Mehdi Irannejad" is a place and a person.
        piece: list[tuple[str, int, int]] = []
        for part in whole + [("", 0, 0)]:
            if part[0] and part[0].lower().rstrip(".") not in _HONORIFICS:
                piece.append(part)
                continue
            while piece and piece[0][0].lower() in _NAME_JOINERS:
                piece = piece[1:]
            while piece and piece[-1][0].lower() in _NAME_JOINERS:
                piece = piece[:-1]
            if 0 < len(piece) <= 6:
                out.append(piece)
            piece = []
    return out


def _subspans(run: list[tuple[str, int, int]], sentence: str) -> list[tuple[tuple[str, ...], str, bool]]:
    """(key, surface text, is the whole run) for every contiguous part of a run that neither
    starts nor ends with a joiner word."""
    out = []
    joiner = [w.lower() in _NAME_JOINERS for w, _, _ in run]
    # A one-letter part ("CAR T", "CAR-T", "CAR") does not tell two names apart.
    stems = [stem(_unpossessive(w.lower())) for w, _, _ in run]
    for i in range(len(run)):
        if joiner[i]:
            continue
        for j in range(i + 1, len(run) + 1):
            if joiner[j - 1]:
                continue
            key = tuple(k for k in stems[i:j] if len(k) > 1)
            if not key:
                continue
            surface = _unpossessive(sentence[run[i][1]:run[j - 1][2]])
            out.append((key, surface, i == 0 and j == len(run)))
    return out


def is_name(key: tuple[str, ...]) -> bool:
    """Not a lone head word ("University") or a lone letter; at least one part not generic."""
    stems = name_stems(key)
    return bool(stems) and not all(k in _GENERIC_NAME_WORDS for k in stems)


def contains(longer: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(longer[i:i + n] == part for i in range(len(longer) - n + 1))

