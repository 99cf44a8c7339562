"""The story's summary: two or three of the sources' own lead sentences."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from pipeline.stories.facts import Facts, quantities
from pipeline.stories.novelty import CITED_BACK, background, one_for_many, phrases, topic_phrases
from pipeline.stories.quantities import TIME_STEMS
from pipeline.stories.headline import headline_penalty
from pipeline.stories.members import DocGroup
from pipeline.stories.names import name_stems
from pipeline.stories.quality import blemishes, source_quality, undated, unusable
from pipeline.stories.sentences import bag, cosine, norm_words, squash
from pipeline.stories.quotable import (SENTENCE_END, SENTENCE_MIN_WORDS, SHORT_MIN_WORDS,
                                       is_summary_sentence, unglued)
from pipeline.stories.tidy import one_quote_style, whole_clause

SUMMARY_MAX_SENTENCES = 3
# A third sentence is added only while the summary stays this short (a short paragraph; the
# AllSides editors' first paragraphs run ~110 words). allsides-dev ROUGE-1: 100 -> 40.04,
# 130 -> 41.31, 160 -> 41.29.
SUMMARY_MAX_WORDS = 130
# Two sentences whose token cosine reaches this never both go in. It only catches near-copies:
# on the ECB+ dev stories, the opening sentences of two articles on one event (mostly saying the
# same thing) score 0.19 at the median and reach 0.5 in 9% of pairs, later sentences in 2%; the
# MMR penalty below keeps the other paraphrases apart.
REDUNDANT_SIMILARITY = 0.5
# After the first sentence, only members about the same event as its member are quoted: their
# title and lead (bags of words) at SAME_EVENT_MIN cosine or more to the first one's, sharing at
# least SAME_EVENT_NAMES of its names (all of them when it has fewer). On the ECB+ dev stories
# (two events of one kind per topic), pairs of one topic kept, same-event / other-event: 0.1 and
# two names 79% / 32%; 0.1 and one name 90% / 45%; 0.15 alone 97% / 63%; 0.2 alone 94% / 48%.
# allsides-dev summary ROUGE-1: 41.26 / 41.48 / 41.25 / 40.8. Two names: a sentence from
# another event is the defect an editor notices most (7 of 21 cards in the read), a
# country shared by two earthquakes is not one event.
SAME_EVENT_MIN = 0.1
SAME_EVENT_NAMES = 2
# Later sentences are drawn towards the first one's event rather than away from it (the old MMR
# "unlike the first" term picked other events in mixed groups); allsides-dev ROUGE-1 moves by
# 0.3 between -0.5 and 0.5, so the choice is the editor's: stay on the event.
FOLLOW_WEIGHT = 0.2
# An artefact (split token, spaced punctuation) costs more than an early position is worth, so a
# clean copy or paraphrase wins; spun or translated sources lose to clean ones. Neither moves
# allsides-dev ROUGE-1 by more than 0.1 (clean copy there); the seeds' 002_/004_ lose to them.
PENALTY_BLEMISH = 0.15
# The relevance weights (central, informative, worded as others word it, early); a grid over
# central 0.3-0.6, facts 0.1-0.2, early 0.15-0.3 stays within 41.07-41.31 on allsides-dev.
W_CENTRAL, W_FACTS, W_SUPPORT, W_EARLY = 0.45, 0.2, 0.2, 0.15
PENALTY_SPUN = 0.3

# Openers that point back to an earlier sentence: fine second, never as the summary's first.
_ANAPHORIC = frozenset("but and however still so also yet then meanwhile instead moreover "
                       "furthermore this that these those they it he she his her their its "
                       "such both even luckily now there's".split())


_PRONOUNS = frozenset("he she they him her them his hers their theirs it its".split())
_PREPOSITIONS = frozenset("beyond like unlike among besides for with without behind apart".split())
_SUBORDINATORS = frozenset("when as after while because since if though although before once until".split())


@dataclass
class _Candidate:
    text: str
    article_id: str
    vec: dict[str, float]
    relevance: float
    anaphoric: bool
    short: bool                 # SHORT_MIN_WORDS to SENTENCE_MIN_WORDS words
    doc: int                    # index of the member it came from
    pos: int                    # its place in that member's lead
    figures: frozenset[tuple[str, str]]     # its quantities as (key, value)
    names: frozenset[tuple[str, ...]]       # the name keys it holds
    pairs: frozenset[tuple[str, str]]       # its phrases: adjacent content words, not both names


# A sentence from another member is added only when it tells something new: below this token
# cosine to every sentence already chosen (REDUNDANT_SIMILARITY only catches near-copies; two
# leads on one event, told differently, score 0.3-0.5: "injuring at least five" then "killing
# at least five and injuring dozens"), with a figure or a name the summary does not hold yet.
# allsides-dev (--given story) summary ROUGE-1 by this bar: 0.2 38.87, 0.3 40.07, 0.4 40.36,
# 0.5 40.72: ROUGE rewards the repeated words an editor deletes; the editor's rule wins.
NEW_INFO_MAX_SIMILARITY = 0.3
# The representative's own sentences after its lead one: one more (a second sentence of the
# same article never repeats the first; two more: 39.97 against 40.07).
OWN_MORE = 1
# How many phrases the representative's next sentence may share with its lead before it restates
# it ("merchant vessels" and "anti-piracy operation" again).
OWN_SHARED_PHRASES = 2
# How much better another member's opening sentence must score for the summary to open with it
# rather than with the representative's own (relevance and headline similarity, about 0.3-1.0).
OPENER_MARGIN = 0.15
# Below this token cosine to the headline, the representative's lead hardly tells its news.
WEAK_LEAD = 0.3


def choose_summary(group: DocGroup, headline: str, facts: Facts,
                   headline_article: str | None = None,
                   allowed: set[str] | None = None) -> tuple[tuple[str, str], ...]:
    """The representative article's lead, and another member's sentence only when it adds.

    Candidates are the first LEAD_SENTENCES prose sentences of each article (of `allowed`
    articles: those in the digest's language) that read as whole sentences (capital or quote
    first, ending with . or ! or a closing quote, 15-55 words, balanced quotes, no question, no
    first person) and that quality.unusable does not refuse (paywall, byline, markup, caption);
    a headline glued to the front and a dateline are taken off. Each scores

        relevance = 0.45 * cosine(sentence, group centroid)        central
                  + 0.20 * min(1, agreed facts it states / 2)       informative
                  + 0.20 * share of its words other articles use    not one outlet's wording
                  + 0.15 / (1 + position in the lead)               early
                  - PENALTY_BLEMISH * artefacts (at most 2)         clean copy first
                  - PENALTY_SPUN * (1 - source quality)             spun or translated text last

    The summary is built on the headline's article (`headline_article`, the representative;
    else the member with the most relevant sentence): its best sentence among those that do not
    open by pointing back ("But", "They", "Beyond them"), by relevance + 0.3 * cosine to the
    headline, its earliest such sentence unless that scores OPENER_MARGIN less; then the sentence
    that follows it there (8 words or more). A lead under WEAK_LEAD cosine to the headline gives
    way to any better opener of the same event. A sentence of another member about the same
    event (title and lead at SAME_EVENT_MIN cosine or more, sharing SAME_EVENT_NAMES names) is
    added only when it is new (cosine below NEW_INFO_MAX_SIMILARITY to every chosen sentence,
    with a figure or name they lack; a third one with a figure another outlet gives too), is not
    background, counts as one what the summary calls one, contradicts neither a chosen figure nor
    the headline's state of events ("charged with" under "convicted"), and fits in
    SUMMARY_MAX_WORDS; while fewer than two sentences are chosen, any sentence of the event that
    does not repeat one (REDUNDANT_SIMILARITY) may fill. With no usable sentence (headline-only
    feeds), up to two other titles that add to the headline.
    """
    df = Counter(t for d in group.docs for t in d.vocab)
    alone = 0 if len(group.docs) > 1 else 1     # a one-article story has no other wording
    state = _state(headline)
    head_key = norm_words(headline)
    topic = topic_phrases(group, headline)
    pool: list[_Candidate] = []
    copies: dict[str, tuple] = {}       # a sentence's cleanest copy: (flaws, -quality, member, text, id)
    for i, d in enumerate(group.docs):
        if allowed is not None and d.article.id not in allowed:
            continue
        q = source_quality(d.sentences)
        # A title written as a whole sentence is its article's first (feeds that title an item
        # with its opening sentence), unless the headline is that very sentence.
        titled = [d.title] if (SENTENCE_END.search(d.title) and norm_words(d.title) != head_key
                               and d.title not in d.lead) else []
        for pos, raw in enumerate(titled + d.lead):
            s = whole_clause(undated(unglued(raw, d.title)))
            if s is None or not is_summary_sentence(s, SHORT_MIN_WORDS) or unusable(s) or _contradicts(s, state):
                continue
            vec = bag(s)
            if not vec:
                continue
            stems = set(vec)
            found = {(x.key, x.value) for x in quantities(s)}
            info = (sum(1 for k in facts.names if set(name_stems(k)) <= stems)
                    + len(found & facts.quantities))
            support = sum(1 for t in stems if df[t] - (t in d.vocab) + alone > 0) / len(stems)
            flaws = min(2, blemishes(s))
            copy = (flaws, -q, i, s, d.article.id)
            copies[norm_words(s)] = min(copies.get(norm_words(s), copy), copy)
            relevance = (W_CENTRAL * cosine(vec, group.centroid, group.centroid_norm) + W_FACTS * min(1.0, info / 2)
                         + W_SUPPORT * support + W_EARLY / (1 + pos)
                         - PENALTY_BLEMISH * flaws - PENALTY_SPUN * (1 - q))
            opening = [w.lower().rstrip(",") for w in s.lstrip("\"'“‘(").split(" ", 4)[:4]]
            # "But ...", "They ...", "When he posted ...": it points back to what came before.
            # "Beyond them, ...", "Like him, ...": a pronoun right after a preposition does too.
            anaphoric = opening[0] in _ANAPHORIC or (
                (opening[0] in _SUBORDINATORS or opening[0] in _PREPOSITIONS) and opening[1:2] != []
                and opening[1] in _PRONOUNS)
            short = len(s.split()) < SENTENCE_MIN_WORDS
            if short and d.article.id != headline_article:
                continue
            pool.append(_Candidate(s, d.article.id, vec, relevance, anaphoric, short, i, pos,
                                   frozenset(found), frozenset(group.names_in.get(raw, ())),
                                   phrases(s) - topic))
    if not pool:
        return _title_summary(group, headline)
    pool.sort(key=lambda c: (-c.relevance, c.text, c.article_id))
    head_vec = bag(headline)
    anchor = next((i for i, d in enumerate(group.docs) if d.article.id == headline_article), None)
    own = [c for c in pool if c.doc == anchor]
    if not own:     # the headline's article has no usable sentence: the best one that has
        anchor = max(pool, key=lambda c: (c.relevance + 0.3 * cosine(c.vec, head_vec), c.text)).doc
        own = [c for c in pool if c.doc == anchor]
    def opening(c: _Candidate) -> float:
        return c.relevance + 0.3 * cosine(c.vec, head_vec)

    openers = ([c for c in own if not c.anaphoric and not c.short]
               or [c for c in own if not c.anaphoric] or own)
    lead = max(openers, key=lambda c: (opening(c), -c.pos, c.text))
    # News copy says what happened first: the article's earliest opener leads unless a later one
    # scores OPENER_MARGIN more ("Stocks surged after Trump urged Congress ..." before "Trump, a
    # vocal cryptocurrency advocate, called on lawmakers ...").
    first = min(openers, key=lambda c: (c.pos, c.text))
    if opening(first) + OPENER_MARGIN >= opening(lead):
        lead = first
    # The representative's lead tells the news unless it is background (a profile, a history):
    # then the sentence of a member of the same event that is closer to the headline and scores
    # more than OPENER_MARGIN higher.
    told = _same_event(group, anchor, need_names=False)
    near = cosine(lead.vec, head_vec)
    mine = {c.text for c in own}       # a copy of the representative says nothing it does not
    rivals = [c for c in pool if c.doc in told and not c.anaphoric and not c.short and c.text not in mine
              and cosine(c.vec, head_vec) > near]
    best = max(rivals, key=lambda c: (opening(c), -c.pos, c.text), default=lead)
    # A lead that shares little with the headline ("Larry Kroon, pastor of the church, estimates
    # damages at $1 million" under "Palin's church badly damaged in a suspicious fire") gives way
    # to any better opener of the same event.
    if opening(best) > opening(lead) + (OPENER_MARGIN if near >= WEAK_LEAD else 0.0):
        lead, anchor = best, best.doc
        own = [c for c in pool if c.doc == anchor]
    chosen = [lead]
    dated = [d.article.published for d in group.docs if d.article.published]
    year = max(dated).year if dated else None
    own = [c for c in own if c is lead or not background(c.text, year)]
    # Its next sentence that does not repeat the lead (a shared phrase: "merchant vessels").
    for c in sorted((c for c in own if c.pos > lead.pos), key=lambda c: c.pos)[:OWN_MORE + 1]:
        if len(chosen) > OWN_MORE or (len(chosen) >= 2 and sum(len(x.text.split()) for x in chosen)
                                      + len(c.text.split()) > SUMMARY_MAX_WORDS):
            break
        # One phrase in common is a restatement only across outlets; within one article a phrase
        # comes back ("believe the president") in a sentence that goes on to something new.
        if max(cosine(c.vec, x.vec) for x in chosen) < REDUNDANT_SIMILARITY and not any(
                len(c.pairs & x.pairs) >= OWN_SHARED_PHRASES for x in chosen) and not one_for_many(
                c.figures, lead.text, c.text):
            chosen.append(c)
    same_event = _same_event(group, anchor)
    others = [c for c in pool if c.doc != anchor and c.doc in same_event and not c.anaphoric and not c.short
              and not background(c.text, year) and not CITED_BACK.search(c.text)]
    while len(chosen) < SUMMARY_MAX_SENTENCES:
        words = sum(len(c.text.split()) for c in chosen)
        figures = frozenset().union(*(c.figures for c in chosen))
        names = frozenset().union(*(c.names for c in chosen))
        counted = dict(figures)
        pairs = frozenset().union(*(c.pairs for c in chosen))
        best, best_score = None, -math.inf
        for c in others:
            if c in chosen or (len(chosen) >= 2 and words + len(c.text.split()) > SUMMARY_MAX_WORDS):
                continue
            closest = max(cosine(c.vec, x.vec) for x in chosen)
            if len(chosen) >= 2 or closest >= REDUNDANT_SIMILARITY:
                # A third sentence must bring a figure the summary lacks (a name alone is how a
                # restatement looks too: "... inside the Dean Smith Center").
                counts = {(k, v) for k, v in c.figures - figures if k not in TIME_STEMS}   # not "30 days"
                # A third sentence's figure is one another outlet reports too ("six AK-47
                # rifles", "44 seconds into the seventh"): a figure one feature writer gives
                # ("20 sportswriters typing behind the basket") is colour.
                new = {kv for kv in counts if kv in facts.quantities} if len(chosen) >= 2 else (counts or c.names - names)
                if closest >= NEW_INFO_MAX_SIMILARITY or not new:
                    continue
            if one_for_many(c.figures, " ".join(x.text for x in chosen), c.text):
                continue        # "a suspected missile", then "more than 10 missiles"
            if any(k in counted and (k, v) not in figures for k, v in c.figures):
                continue        # another figure for what the summary already counts
            if c.pairs & pairs:
                continue        # the same phrase again ("fully vaccinated"): a restatement
            score = c.relevance + FOLLOW_WEIGHT * cosine(c.vec, lead.vec)
            if score > best_score:
                best, best_score = c, score
        if best is None:
            break
        chosen.append(best)
    # Each sentence as its cleanest copy says it, credited to the earliest member that does.
    said = [copies[norm_words(c.text)][3:] for c in chosen]
    return tuple(zip(one_quote_style([t for t, _ in said]), (aid for _, aid in said)))


def _same_event(group: DocGroup, anchor: int, need_names: bool = True) -> set[int]:
    """Members about the same event as member `anchor`: title and lead at SAME_EVENT_MIN cosine
    or more to its own, and (with `need_names`), when it names anyone or anything, at least
    SAME_EVENT_NAMES of the names its title and lead hold. The lead's anchor, the headline's
    article, is matched by words alone: a short feed title names little (allsides-dev summary
    ROUGE-1 41.48 by words alone, 41.26 with names)."""
    profiles = [dict(Counter(d.profile)) for d in group.docs]     # bag(title + " " + lead)
    names = [set().union(*(group.names_in.get(s, set()) for s in [d.title, *d.lead])) for d in group.docs]
    need = min(SAME_EVENT_NAMES, len(names[anchor])) if need_names else 0
    return {i for i, p in enumerate(profiles)
            if i == anchor or (cosine(p, profiles[anchor]) >= SAME_EVENT_MIN and len(names[i] & names[anchor]) >= need)}


# The state of events a headline reports, and the wording of an earlier state that contradicts
# it: a sentence from before a verdict or an announcement is stale under it.
_STATES = (
    (re.compile(r"(?i)\b(?:convicted|found\s+guilty|sentenced|jailed|pleads?\s+guilty|pleaded\s+guilty)\b"),
     re.compile(r"(?i)\b(?:accused\s+of|charged\s+with|faces?\s+(?:trial|charges)|will\s+stand\s+trial"
                r"|pleaded\s+not\s+guilty|denies\s+(?:the\s+)?charges|awaiting\s+trial|is\s+on\s+trial)\b")),
    (re.compile(r"(?i)\b(?:names|named|appoints?|appointed|announces?|announced|confirm(?:s|ed)|picks?|chosen|elected|wins?|won)\b"),
     re.compile(r"(?i)\b(?:favou?rite\s+to|tipped\s+to|frontrunner|front-runner|expected\s+to\s+(?:be\s+)?"
                r"(?:name|appoint|announce|pick|choose|win)|could\s+be\s+(?:named|appointed|chosen)"
                r"|in\s+the\s+running)")),
)


def _state(headline: str) -> int | None:
    for i, (now, _) in enumerate(_STATES):
        if now.search(headline):
            return i
    return None


def _contradicts(sentence: str, state: int | None) -> bool:
    return state is not None and bool(_STATES[state][1].search(sentence))


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
        scored.append((-cosine(bag(d.title), group.centroid, group.centroid_norm), d.title, d.article.id))
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

