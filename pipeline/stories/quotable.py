"""Whether a source's sentence can be quoted in a summary as it is read: a whole sentence of
readable length, no question, no first person, no quotation cut in two; a title glued to its
front taken off."""
from __future__ import annotations

import re

from pipeline.stories.quality import undated

# A summary sentence is a whole sentence of readable length; shorter ones are fragments or
# attributions ("he said on Tuesday."), longer ones run-ons from text rebuilt without punctuation.
# 55 rather than 45: wire leads run long; on allsides-dev (--given story) ROUGE-1 41.31 vs 40.90.
SENTENCE_MIN_WORDS = 15
# A shorter sentence (8-14 words: "Walmart Inc.'s earnings disappointed, pressuring shares of the
# retail giant and peers.") is whole too, but as often an aside; it is quoted only from the
# representative: the sentence after its lead, or its first one when nothing else opens it.
SHORT_MIN_WORDS = 8
SENTENCE_MAX_WORDS = 55
_FIRST_PERSON = frozenset({"I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll", "me",
                           "my", "My", "we", "We", "us", "our", "Our", "ours"})


def is_summary_sentence(s: str, min_words: int = SENTENCE_MIN_WORDS) -> bool:
    """A whole sentence of `min_words` to SENTENCE_MAX_WORDS words: a capital or a quote first, a
    full stop or "!" or a closing quote last, not trailing off, no question, balanced quotes, no
    first person."""
    n = len(s.split())
    if not min_words <= n <= SENTENCE_MAX_WORDS:
        return False
    first = s[0]
    if not (first.isupper() or (first in "\"'“‘" and s[1:2].isupper())):
        return False
    if not (SENTENCE_END.search(s) or s.endswith(("”", '"'))) or _TRAILING_OFF.search(s):
        return False
    if _QUESTION_END.search(s):
        return False
    if s.count('"') % 2 or s.count("“") != s.count("”"):
        return False        # one piece of a quotation that runs over several sentences
    return not any(w in _FIRST_PERSON for w in _LATIN_WORD.findall(s))


SENTENCE_END = re.compile(r"[.!][\"'”’)\]]*$")
_TRAILING_OFF = re.compile(r"(?:\.\.|…)\W*$")
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")


def usable_sentence(raw: str, title: str) -> bool:
    """Whether a lead sentence could open a summary as it is read (glued title and dateline off)."""
    return is_summary_sentence(undated(unglued(raw, title)))


def unglued(sentence: str, title: str) -> str:
    """The sentence without its member's title glued to the front ("Title Four men rammed ...")."""
    if title and len(sentence) > len(title) + 20 and sentence.startswith(title):
        rest = sentence[len(title):].lstrip(" -–—:|")
        if rest[:1].isupper():
            return rest
    return sentence
