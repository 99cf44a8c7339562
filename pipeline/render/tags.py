"""Hashtags for a story's posts: CamelCase tags from its main named subjects."""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Set as AbstractSet

import regex

from pipeline.model import Story

MAX_TAG_CHARS = 30                 # longer CamelCase tags are unreadable; skip the phrase instead
ACRONYM_MAX = 5                    # a word in capitals up to this long is an acronym (CAR-T, NATO)
MIN_TAG_CHARS = 3
# A company's legal form is no part of what it is called in a tag ("Walmart Inc" -> #Walmart).
_LEGAL_FORM = regex.compile(r"(?:,?\s+(?:Inc|Corp|Co|Ltd|LLC|PLC|plc|NV|N\.V|AG|SA|S\.A|SE|AB|ASA|Oyj"
                            r"|Holdings|Group))+\.?$")
_DEMONYM = regex.compile(r"(?:ese|ian|ean|ish|ican)$")
_CALENDAR = frozenset("jan feb mar apr may jun jul aug sep sept oct nov dec january february march "
                      "april june july august september october november december monday tuesday "
                      "wednesday thursday friday saturday sunday".split())


def camel_tag(phrase: str) -> str | None:
    """'CAR-T' -> 'CART', 'Gulf of Aden' -> 'GulfOfAden', 'ＥＣＢ' -> 'ECB': letters, marks and
    digits, letter first; an acronym keeps its capitals."""
    words = regex.findall(r"[\p{L}\p{M}\p{Nd}]+", unicodedata.normalize("NFKC", phrase or ""))
    out = []
    shouted = all(w.isupper() for w in words) and any(len(w) > 3 for w in words)   # "NEW YORK"
    for word in words:
        if len(words) > 1 and word.isupper() and (shouted or len(word) > ACRONYM_MAX):
            word = word[0] + word[1:].lower()     # a word in capitals ("NEW YORK") reads as a word
        out.append(word[0].upper() + word[1:])
    tag = unicodedata.normalize("NFC", "".join(out))
    if not tag or len(tag) > MAX_TAG_CHARS or not unicodedata.category(tag[0]).startswith("L"):
        return None
    if not regex.fullmatch(r"[\p{L}\p{M}\p{Nd}]+", tag):
        return None
    return tag


# Outlets and agencies are who reports the story, never what it is about.
WIRE_NAMES = frozenset("reuters bloomberg ap apnews associatedpress afp upi dpa ani pti xinhua kyodo "
                       "yonhap tass efe ansa cnn bbc cnbc nyt yahoo yahoofinance msn googlenews "
                       "newswire prnewswire businesswire globenewswire".split())
# A story about a death or a crime: its people (victims, suspects) are never made hashtags.
_TRAGEDY = regex.compile(
    r"(?i)\b(?:kill(?:s|ed|ing)?|murder\w*|dead|deaths?|dies|died|shot|shooting|stabb\w*|crash\w*"
    r"|victims?|homicide|manslaughter|suspects?|arrest\w*|charged|convicted|sentenced|rape\w*"
    r"|abduct\w*|kidnap\w*|assault\w*|injur\w*|funeral|tragedy|drown\w*)\b")
# Words that make a name a place or an organisation (a person's name holds none of them).
_NOT_A_PERSON = frozenset(
    "university institute college school center centre hospital journal department ministry "
    "agency association society council committee court party company corporation group bank "
    "state states national international city county street lake river island gulf bay cape "
    "port fort club league government police federal republic united church navy army force "
    "airport station museum festival sea ocean mountains valley province district region".split())


# What _key drops: re's \w is exactly str.isalnum() plus "_" (tests/render/test_fast_paths.py).
_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(s: str | None) -> str:
    """Casefolded, letters and digits only (str.isalnum)."""
    return _NOT_ALNUM.sub("", (s or "").casefold())


# Distinct outlet names and URLs whose keys are remembered (a story of a 1,000-feed cycle has
# hundreds of sources).
OUTLET_KEY_CACHE = 65_536
_NAME_WORDS = regex.compile(r"[\s/—–|-]+")
_SCHEME = regex.compile(r"^https?://")


@functools.lru_cache(maxsize=OUTLET_KEY_CACHE)
def _name_keys(outlet: str) -> frozenset[str]:
    """The outlet's name as a key, and each of its words longer than three characters."""
    keys = {_key(outlet)}
    keys.update(_key(w) for w in _NAME_WORDS.split(outlet) if len(_key(w)) > 3)
    return frozenset(keys)


@functools.lru_cache(maxsize=OUTLET_KEY_CACHE)
def _host_key(url: str) -> str:
    """'https://www.example.com/a' -> 'example'."""
    host = (_SCHEME.sub("", url).split("/", 1)[0]).removeprefix("www.")
    return _key(host.split(".")[0])


def outlet_keys(story: Story) -> frozenset[str]:
    """Who reports the story, as keys (_key): the wires, its sources' outlet names and their
    words, and the first label of their URLs' hosts."""
    keys = set(WIRE_NAMES)
    keys.update(*map(_name_keys, {src.outlet for src in story.sources if src.outlet}))
    keys.update(map(_host_key, [src.url for src in story.sources if src.url]))
    return frozenset(keys - {""})


# Before a name, words that make it a person's: a title or a role.
_PERSON_BEFORE = regex.compile(
    r"(?i)\b(?:mr|mrs|ms|dr|sir|dame|lord|lady|president|prime\s+minister|minister|senator|sen|gov"
    r"|governor|mayor|judge|ceo|chief\s+executive|chairman|spokes(?:man|woman|person)|coach|actress"
    r"|actor|singer|star|player|pastor|lawyer|attorney|founder|boss|captain|king|queen|prince|pope"
    r"|finalist|champion|officer|leader|referee|umpire|manager|director|economist|analyst|professor"
    r"|prosecutor|sheriff|ambassador|general|chief|deputy|secretary|chancellor|rapper|model)\.?,?\s+$")
# After a name, words that make it a person's: an age, a death ("said" is not one: "China said").
_PERSON_AFTER = regex.compile(r"^(?:,\s*\d{1,3}\s*,|\s+(?:died|dies|was\s+born)\b|\s*\(\d{1,3}\))")


def is_person(phrase: str, text: str, names: Iterable[str] = ()) -> bool:
    """Whether a story's name is a person's: a title or role before it ("President", "actress"),
    an age or a death after it (", 26,", "died"), or, for a name of two or three words none of
    which is a place or organisation word, its last word standing alone elsewhere (a surname:
    "Kyrgios"); a single word that ends a person's longer name is one too. A name written as a
    place ("in Erlangen") is not."""
    words = phrase.split()
    if not words or phrase.isupper() or any(w.casefold() in _NOT_A_PERSON for w in words):
        return False
    if _written_as_place(phrase, text, "from"):
        return False        # written as a place: "in Erlangen"
    for m in regex.finditer(r"(?<![\p{L}\p{M}])" + regex.escape(phrase) + r"(?![\p{L}\p{M}])", text):
        if _PERSON_BEFORE.search(text[max(0, m.start() - 40):m.start()]) or _PERSON_AFTER.match(text[m.end():m.end() + 12]):
            return True
    if 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words):
        if _alone(words[-1], text) > 0:
            return True     # the last word alone elsewhere: a surname
    if len(words) == 1:
        # A surname: a first name before it somewhere, alone elsewhere ("Wladimir Klitschko" ...
        # "Klitschko's left jab"), or the end of a longer name that is a person's.
        full = regex.findall(r"(?<![\p{L}\p{M}])(\p{Lu}[\p{Ll}\p{M}]+)[ ]" + regex.escape(phrase)
                             + r"(?![\p{L}\p{M}])", text)
        if any(f.casefold() not in _OPENERS for f in full) and _alone(phrase, text) > 0:
            return True
        return any(n != phrase and n.endswith(" " + phrase) and is_person(n, text) for n in names)
    return False


def _alone(word: str, text: str) -> int:
    """How often `word` stands alone (no capitalized word before it); where a sentence or line
    opens with it only when the text never writes it in lower case (a name, not "Regulator")."""
    count = 0
    opening = word.casefold() in text.replace(word, "").casefold()
    for m in regex.finditer(r"(?<![\p{L}\p{M}])" + regex.escape(word) + r"(?![\p{L}\p{M}])", text):
        before = text[max(0, m.start() - 30):m.start()]
        prev = regex.search(r"(\p{Lu}[\p{L}\p{M}'’.-]*)[ ]$", before)
        if prev and prev.group(1).casefold() not in _OPENERS or regex.match(r"[ ]\p{Lu}", text[m.end():]):
            continue                    # part of a longer name here ("Radiant World", "World Bank")
        if (not before or regex.search(r"(?:^|[.!?:\n])\s*$", before)) and opening:
            continue                    # a sentence's first word, and a common word elsewhere
        count += 1
    return count


def _may_be_person(phrase: str, text: str) -> bool:
    """Unless it is an acronym, holds a place or organisation word, or is written as a place
    ("in Aceh", "near Fort Worth"), a name may be a person's."""
    words = phrase.split()
    if phrase.isupper() or any(w.casefold() in _NOT_A_PERSON for w in words):
        return False
    return not _written_as_place(phrase, text)


def _written_as_place(phrase: str, text: str, *more: str) -> bool:
    """Whether `text` writes the name as a place: "in Aceh", "near Fort Worth" (and after any of
    `more` prepositions)."""
    before = "|".join(("in", "at", "near", "across", "outside", *more))
    return bool(regex.search(rf"\b(?:{before})\s+(?:the\s+)?" + regex.escape(phrase) + r"\b", text))


def _is_place(phrase: str, text: str) -> bool:
    """Whether `text` writes the name as a place: after a place preposition (not a report's:
    "reported in Nature Medicine"), as "X-based", or after a town and a comma ("Newport Beach,
    Calif.", "Wasilla, Alaska,")."""
    name = regex.escape(phrase)
    return bool(regex.search(rf"(?<!\b(?:reported|published|appeared|wrote|writing)\s)"
                             rf"\b(?:in|at|near|across|outside|from)\s+(?:the\s+)?{name}\b"
                             rf"|\b{name}-(?:based|headquartered)\b|\p{{Lu}}[\p{{L}}.]*,[ ]{name}(?:[.,;]|$)", text))


def is_fragment(phrase: str, text: str) -> bool:
    """Whether every time `text` writes the phrase it is part of a longer capitalized name
    ("Jong" in "Kim Jong Un", "Doctor" in "Doctor Who", "Wall" in "Wall Street")."""
    pattern = regex.compile(r"(?<![\p{L}\p{M}])" + regex.escape(phrase) + r"(?![\p{L}\p{M}])")
    found = False
    for line in text.splitlines():
        if _title_case(line):
            continue            # every word capitalized: no telling where a name ends
        for m in pattern.finditer(line):
            found = True
            before, after = line[max(0, m.start() - 30):m.start()], line[m.end():m.end() + 30]
            prev = regex.search(r"(\p{Lu}[\p{L}\p{M}'’.-]*)[ ]$", before)
            # "Amsterdam-based Nebius": a word hyphened to a lower-case one is no part of a name.
            joined = bool(prev and prev.group(1).casefold() not in _OPENERS
                          and not regex.search(r"-\p{Ll}", prev.group(1))) \
                or bool(regex.match(r"[ ](?:of[ ])?\p{Lu}", after))
            if not joined:
                return False
    return found


# Capitalized words that open a sentence without being part of a name after them.
_OPENERS = frozenset("the a an in on at for but and as after when while with by from to of "
                     "this that these those his her their its our former".split())


def _title_case(line: str) -> bool:
    words = [w for w in regex.findall(r"\p{L}+", line) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) > 0.6 * len(words)


def hashtags(story: Story, max_tags: int = 2, *,
             outlets: AbstractSet[str] | None = None) -> tuple[str, ...]:
    """Tags from the story's main named subjects that are topics, organisations or places (its
    entities that its headline or summary names), most supported first. Never a person's name, never an outlet or agency (nor a
    name ending with one: "ClarityActReuters"), never a fragment of a longer name ("Jong" of
    "Kim Jong Un"), never a generic word (keywords are not used), never a tag inside another
    one (#Korea beside #NorthKorea). `outlets`: outlet_keys(story), when the caller has it
    already."""
    outlets = outlet_keys(story) if outlets is None else outlets
    long_outlets = tuple(o for o in outlets if len(o) > 3)
    # The key facts give people their roles ("Deputy Governor Poonam Gupta"): read them too.
    text = "\n".join([story.headline, story.summary_text, *story.key_facts,
                      *(s.title for s in story.sources[:24])])
    tragic = bool(_TRAGEDY.search(story.headline + " " + story.summary_text))
    tags: list[str] = []
    told = (story.headline + "\n" + story.summary_text).casefold()
    headline = story.headline.casefold()
    # What the headline names comes first: a name only the summary gives is a detail of the story.
    ordered = sorted(story.entities, key=lambda p: p.casefold() not in headline)
    for phrase in ordered:
        if _DEMONYM.search(phrase) or phrase.casefold().rstrip(".") in _CALENDAR:
            continue        # "Korean", "South Korean": an adjective; "Aug", "Monday": a date
        if not regex.search(r"(?<![\p{L}\p{M}\p{N}])" + regex.escape(phrase.casefold()) + r"(?![\p{L}\p{M}\p{N}])",
                            told):
            continue        # not what the card itself is about ("Lennox Lewis" in a fight's story)
        tag = camel_tag(_LEGAL_FORM.sub("", phrase))
        if not tag or len(tag) < MIN_TAG_CHARS:
            continue        # "AK", "FT": too short to say what they are
        key = _key(tag)
        if key in outlets or (key.endswith(long_outlets) and len(phrase.split()) > 1):
            continue
        if is_person(phrase, text, story.entities) or is_fragment(phrase, text):
            continue
        if phrase.casefold() not in headline and _is_place(phrase, text):
            continue        # where it happened, not what it is about: "in Springfield", "Calif."
        if tragic and _may_be_person(phrase, text):
            continue        # a death or a crime: no name that might be a victim's or suspect's
        folded = tag.casefold()
        if any(folded in t.casefold() or t.casefold() in folded for t in tags):
            continue
        tags.append(tag)
        if len(tags) >= max_tags:
            break
    return tuple(tags)
