"""The story's summary: two or three of the sources' own lead sentences."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from pipeline.stories.facts import Facts, quantities
from pipeline.stories.headline import headline_penalty
from pipeline.stories.members import DocGroup
from pipeline.stories.names import name_stems
from pipeline.stories.sentences import bag, cosine, norm_words, squash

# A summary sentence is a whole sentence of readable length; shorter ones are fragments or
# attributions ("he said on Tuesday."), longer ones run-ons from text rebuilt without punctuation.
SENTENCE_MIN_WORDS = 15
SENTENCE_MAX_WORDS = 45
SUMMARY_MAX_SENTENCES = 3
# A third sentence is added only while the summary stays this short (two or three lines in a
# digest).
SUMMARY_MAX_WORDS = 100
# Two sentences whose token cosine reaches this never both go in. It only catches near-copies:
# on the ECB+ dev stories, the opening sentences of two articles on one event (mostly saying the
# same thing) score 0.19 at the median and reach 0.5 in 9% of pairs, later sentences in 2%; the
# MMR penalty below keeps the other paraphrases apart.
REDUNDANT_SIMILARITY = 0.5

_FIRST_PERSON = frozenset({"I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll", "me",
                           "my", "My", "we", "We", "us", "our", "Our", "ours"})
# Openers that point back to an earlier sentence: fine second, never as the summary's first.
_ANAPHORIC = frozenset("but and however still so also yet then meanwhile instead moreover "
                       "furthermore this that these those they it he she his her their its "
                       "such both even luckily now there's".split())


@dataclass
class _Candidate:
    text: str
    article_id: str
    vec: dict[str, float]
    relevance: float
    anaphoric: bool


def choose_summary(group: DocGroup, headline: str, facts: Facts) -> tuple[tuple[str, str], ...]:
    """Two or three of the sources' own lead sentences.

    Candidates are the first LEAD_SENTENCES prose sentences of each article that read as whole
    sentences (capital or quote first, ending with . or ! or a closing quote, 15-45 words,
    balanced quotes, no question, no first person). Each scores

        relevance = 0.45 * cosine(sentence, group centroid)        central
                  + 0.20 * min(1, agreed facts it states / 2)       informative
                  + 0.20 * share of its words other articles use    not one outlet's wording
                  + 0.15 / (1 + position in the lead)               early

    The first sentence is the best of relevance + 0.3 * cosine(sentence, headline) among those
    that do not open by pointing back ("But", "They", "This"): it says what happened. The next
    ones are chosen MMR-style (relevance - 0.5 * highest similarity to a chosen one), never with
    a cosine of REDUNDANT_SIMILARITY or more to a chosen one. A sentence found in several
    articles is credited to the earliest. With no usable sentence (headline-only feeds), the
    summary is up to two other titles that add to the headline, as sentences, or empty.
    """
    candidates: dict[str, _Candidate] = {}
    df = Counter(t for d in group.docs for t in d.vocab)
    alone = 0 if len(group.docs) > 1 else 1     # a one-article story has no other wording
    for d in group.docs:
        for pos, s in enumerate(d.lead):
            key = norm_words(s)
            if key in candidates or not _is_summary_sentence(s):
                continue
            vec = bag(s)
            if not vec:
                continue
            stems = set(vec)
            info = (sum(1 for k in facts.names if set(name_stems(k)) <= stems)
                    + len({(q.key, q.value) for q in quantities(s)} & facts.quantities))
            support = sum(1 for t in stems if df[t] - (t in d.vocab) + alone > 0) / len(stems)
            relevance = (0.45 * cosine(vec, group.centroid) + 0.2 * min(1.0, info / 2)
                         + 0.2 * support + 0.15 / (1 + pos))
            first = s.lstrip("\"'“‘(").split(" ", 1)[0].lower().rstrip(",")
            candidates[key] = _Candidate(s, d.article.id, vec, relevance, first in _ANAPHORIC)
    if not candidates:
        return _title_summary(group, headline)
    pool = sorted(candidates.values(), key=lambda c: (-c.relevance, c.text, c.article_id))
    head_vec = bag(headline)
    openers = [c for c in pool if not c.anaphoric] or pool
    chosen = [max(openers, key=lambda c: (c.relevance + 0.3 * cosine(c.vec, head_vec), c.text))]
    words = len(chosen[0].text.split())
    while len(chosen) < SUMMARY_MAX_SENTENCES:
        best, best_score = None, -math.inf
        for c in pool:
            if c in chosen:
                continue
            sim = max(cosine(c.vec, x.vec) for x in chosen)
            if sim >= REDUNDANT_SIMILARITY:
                continue
            score = c.relevance - 0.5 * sim - (0.1 if c.anaphoric else 0.0)
            if score > best_score:
                best, best_score = c, score
        if best is None or (len(chosen) >= 2 and words + len(best.text.split()) > SUMMARY_MAX_WORDS):
            break
        chosen.append(best)
        words += len(best.text.split())
    return tuple((c.text, c.article_id) for c in chosen)


def _is_summary_sentence(s: str) -> bool:
    n = len(s.split())
    if not SENTENCE_MIN_WORDS <= n <= SENTENCE_MAX_WORDS:
        return False
    first = s[0]
    if not (first.isupper() or (first in "\"'“‘" and s[1:2].isupper())):
        return False
    if not (re.search(r"[.!][\"'”’)\]]*$", s) or s.endswith(("”", '"'))) or re.search(r"(?:\.\.|…)\W*$", s):
        return False
    if re.search(r"\?[\"'”’)\]]*$", s):
        return False
    if s.count('"') % 2 or s.count("“") != s.count("”"):
        return False        # one piece of a quotation that runs over several sentences
    return not any(w in _FIRST_PERSON for w in re.findall(r"[A-Za-z]+(?:['’][a-z]+)?", s))


def _title_summary(group: DocGroup, headline: str) -> tuple[tuple[str, str], ...]:
    """Headline-only groups: up to two other distinct titles that add to the headline."""
    head_key, head_vec = norm_words(headline), bag(headline)
    outlets = {squash(o) for o in group.outlets} - {""}
    scored = []
    seen: set[str] = set()
    for d in group.docs:
        key = norm_words(d.title)
        if not d.title or key in seen or key == head_key:
            continue
        seen.add(key)
        if headline_penalty(d.title, outlets) > 0:
            continue
        scored.append((-cosine(bag(d.title), group.centroid), d.title, d.article.id))
    chosen: list[tuple[str, str, dict[str, float]]] = []
    for _, title, aid in sorted(scored):
        vec = bag(title)
        if any(cosine(vec, v) >= REDUNDANT_SIMILARITY for v in [head_vec] + [c[2] for c in chosen]):
            continue
        sentence = title if title[-1] in ".!" else title + "."
        if sentence.split(" ", 1)[0].islower():       # but not "iPhone" -> "IPhone"
            sentence = sentence[0].upper() + sentence[1:]
        chosen.append((sentence, aid, vec))
        if len(chosen) == 2:
            break
    return tuple((s, aid) for s, aid, _ in chosen)

