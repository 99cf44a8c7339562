"""Text as a reader sees it: the spacing artefacts of text rebuilt from tokens repaired ("4. 6 -
magnitude" -> "4.6-magnitude", "T - Mobile" -> "T-Mobile", "Reid ' s" -> "Reid's"), and a
headline made out of a title (no dateline, no parenthesis, no subordinate clause first, at most
HEADLINE_MAX_WORDS words)."""
from __future__ import annotations

import re
from functools import lru_cache

# Always artefacts, whatever the text: a spaced decimal point or clock colon, "a. m.", a hyphen
# spaced inside a number-word compound ("90 - day", "4.6 - magnitude") or after a single capital
# ("T - Mobile"), a space before closing punctuation or after an opening bracket, "'s" split off.
_ALWAYS = (
    (re.compile(r"(?<=\b\d)\. (?=\d)"), "."),
    (re.compile(r"(?<=\d): (?=\d\d\b)"), ":"),
    (re.compile(r"\b([ap])\. m\."), r"\1.m."),
    (re.compile(r"(?<=\d) - (?=[a-z])"), "-"),
    (re.compile(r"(?<=\b[A-Z]) - (?=[A-Z][a-z])"), "-"),
    # "court - mandated", "high - ranking": a short word before a participle, itself none.
    (re.compile(r"\b([a-z]{2,6}) - ([a-z]+(?:ed|ing))\b"),
     lambda m: m.group(0) if m.group(1).endswith(("ed", "ing")) else f"{m.group(1)}-{m.group(2)}"),
    (re.compile(r"(?<=\w) ([,;:!?)\]])(?=\s|$)"), r"\1"),
    (re.compile(r"(?<=\w) \.(?=\s|$)"), "."),
    (re.compile(r"([(\[]) (?=\w)"), r"\1"),
    (re.compile(r"(?<=\w) ['’] ?(?=s\b)"), "'"),
    (re.compile(r"(?<=\w) (n['’]t)\b"), r"\1"),
    (re.compile(r"\$ (?=\d)"), "$"),
    (re.compile(r"\bU\. S\."), "U.S."),
    (re.compile(r"(?<=[a-z.!?])(\?)(?=[A-Z][a-z])"), r"\1 "),   # "stalled?Although": glued subhead
    (re.compile(r"(?<=[a-z])'(?=[A-Z][^'\s]*(?:\s[^'\s]+){0,4}'(?:\s|$|[,.:;]))"), " '"),  # Vincent'The Chin'
    (re.compile(r"(?<=[a-z])'(?=\d0s\b)"), " '"),                          # "and'50s"
    # A wire's instrument codes are for terminals, not readers: "Moderna's (MRNA.O) vaccine".
    (re.compile(r"\s\((?:[A-Z0-9]{1,6}\.[A-Z]{1,3}|(?:NYSE|NASDAQ|Nasdaq|LSE|TSE):\s?[A-Z0-9.]{1,8})\)"), ""),
)
# A hyphen spaced between two words: a dash in ordinary copy, an artefact in text rebuilt from
# tokens. Joined only in a text that has several of them and no real dash anywhere.
_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_REAL_DASH = re.compile(r"[—–]|\s--\s")
SPACED_HYPHENS_MIN = 2


def rebuilt(text: str) -> bool:
    """Whether `text` reads as rebuilt from tokens: several spaced hyphens and no real dash."""
    return len(_SPACED_HYPHEN.findall(text)) >= SPACED_HYPHENS_MIN and not _REAL_DASH.search(text)


@lru_cache(maxsize=1 << 13)
def tidy(text: str, joined_hyphens: bool = False) -> str:
    """`text` with its spacing artefacts repaired; `joined_hyphens` (a text that is `rebuilt`)
    also joins every hyphen spaced between two words."""
    for pattern, repl in _ALWAYS:
        text = pattern.sub(repl, text)
    if joined_hyphens:
        text = _SPACED_HYPHEN.sub("-", text)
    return text


HEADLINE_MIN_WORDS = 5
# "Mannheim, Germany (Sports Network) - ", "LONDON (Reuters) - ": a dateline before a title.
_TITLE_DATELINE = re.compile(r"^[A-Z][\w .'’-]{1,40}(?:,\s*[A-Z][\w .'’-]{1,30})?\s*\([^)]{2,40}\)\s*[-—–:]\s+")
_PARENTHESIS = re.compile(r"\s*\((?:[^()]{1,60})\)")
# A title that opens with a subordinate clause ("When Matt Smith stepped into the role, ...") says
# its news after the comma.
_SUBORDINATE = re.compile(r"(?i)^(?:when|as|after|while|although|though|if|because|since|before"
                          r"|despite|following|amid|once|until)\b[^,]{3,120},\s+(?=\S)")
_PRONOUN = re.compile(r"(?i)(?:he|she|it|they|we|i|you|this|that|his|her|their|its)\b")
# Where a long headline may end: before a trailing phrase of time, place or circumstance ("by"
# only before a gerund, "by scoring ...": before a noun it names the actor of a passive).
_TAIL_PHRASE = re.compile(r"(?:,\s+|\s+)(?=(?:on|in|at|after|before|during|for|from|with|near|amid"
                          r"|as|while|following|over|against|to|since|despite|which|who|where"
                          r"|by\s+\w+ing"
                          r"|when|but|saying|according)\b)")


def front_trimmed(title: str) -> str:
    """A long title without what comes before its news: a dateline ("Mannheim, Germany (Sports
    Network) - "), parentheses ("(52-3, 46 KOs)"), a leading subordinate clause ("When X did Y,
    ...")."""
    title = _PARENTHESIS.sub("", _TITLE_DATELINE.sub("", " ".join(title.split())))
    m = _SUBORDINATE.match(title)
    if m and len(title[m.end():].split()) > HEADLINE_MIN_WORDS and not _PRONOUN.match(title[m.end():]):
        rest = title[m.end():]
        title = rest[0].upper() + rest[1:]
    return title


def tail_cut(title: str, most: int) -> str:
    """Trailing phrases ("in the seventh round", "on Saturday", ", saying ...") dropped from the
    end until at most `most` words are left, never fewer than HEADLINE_MIN_WORDS + 1; a title no
    cut brings under the limit keeps the shortest such head."""
    cuts = [m.start() for m in _TAIL_PHRASE.finditer(title)]
    whole = title
    while len(title.split()) > most and cuts:
        cut = cuts.pop()
        if _AUXILIARY.search(whole[cut:]):
            break       # the main verb is in what would go: "A fire that ... church in Wasilla, may have been set"
        head = title[:cut].rstrip(" ,;:")
        if len(head.split()) > HEADLINE_MIN_WORDS:
            title = head
    return title


# An auxiliary or modal verb: what follows it is a clause's verb, not a trailing phrase.
_AUXILIARY = re.compile(r"(?i)\b(?:is|are|was|were|has|have|had|will|would|may|might|can|could"
                        r"|should|must|did|does)\s+\w")
# A feed's snippet cut off mid-sentence ("... by a Chinese court, which ..."): its words up to
# the last comma are a whole sentence when what the cut takes off is a trailing clause (at most
# CUT_TAIL_MAX_WORDS words, opening as an attribution, a relative or an adverbial does), what
# remains holds its commas in pairs (an apposition closed: "Hui Ka Yan, founder of Evergrande,
# has been ..."), and it ends on a word that can end one.
CUT_TAIL_MAX_WORDS = 8
_CUT_OFF = re.compile(r"\s*(?:\.\.\.|…)\s*$")
_TAIL_OPENERS = frozenset(
    "which who whose where when a an the according said says told citing including as while after "
    "amid with bringing sending making adding in on at".split())
_NO_END = frozenset(
    "a an the of to in on at by for with from and or but as that which who whose is are was were "
    "be been has have had will would its their his her".split())


def whole_clause(sentence: str) -> str | None:
    """The whole sentence a snippet cut off with "..." still holds, or None when it holds none
    (a sentence that is not cut off is returned as it is)."""
    m = _CUT_OFF.search(sentence)
    if not m:
        return sentence
    text = sentence[:m.start()]
    cut = text.rfind(", ")
    if cut < 0:
        return None
    kept, tail = text[:cut].rstrip(), text[cut + 2:].split()
    words = kept.split()
    if (not tail or len(tail) > CUT_TAIL_MAX_WORDS or tail[0].lower() not in _TAIL_OPENERS
            or kept.count(",") % 2 or not words or words[-1].lower().strip("\"'”’") in _NO_END):
        return None
    return kept + "."


_STRAIGHT_PAIR = re.compile(r'"([^"]*)"')


def one_quote_style(sentences: list[str]) -> list[str]:
    """Sentences quoted from several sources in one style: straight double quotes and apostrophes
    become curly ones when another sentence uses curly ones (“economic warfare” beside "ECONOMIC
    D-DAY", Trump’s beside country's)."""
    if any("“" in s for s in sentences):
        sentences = [_STRAIGHT_PAIR.sub(r"“\1”", s) if s.count('"') % 2 == 0 else s for s in sentences]
    if any(_CURLY_APOSTROPHE.search(s) for s in sentences):
        sentences = [_STRAIGHT_APOSTROPHE.sub("’", s) for s in sentences]
    return sentences


_CURLY_APOSTROPHE = re.compile(r"(?<=\w)’(?=\w)")
_STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
