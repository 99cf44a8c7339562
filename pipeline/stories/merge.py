"""One group of articles about one event -> one Story record.

Everything is a pure function of the articles and members given: no I/O, no clock (``now`` is
passed in), and the same articles in any order give the same Story (``members`` are kept in the
order given: they are the clusterer's record). The articles are first put in source order
(earliest published first, then outlet, url, id) and every later choice breaks ties on text or
ids, never on input order.

- ``headline``: the member title closest to the group's centroid of titles and leads, after
  penalties for questions, teasers, image credits, all capitals, fewer than 5 or more than 18
  words, a site name left in it and speculation; the score is written out in
  ``_choose_headline``.
- ``summary``: the rule is in ``_choose_summary``; sentences are the sources' own, verbatim, each
  paired with the id of an article whose text (or feed summary, for items without text) holds it.
- ``key_facts`` / ``disputed``: ``_facts`` -- numbers with their noun, and names, that at least
  two outlets state; the same noun with different numbers from different outlets.
- ``entities``: names (runs of capitalized words) supported by at least two articles;
  ``keywords``: content words weighted by how many articles use them and how often.

There is no background corpus: "central" means close to the group's own centroid of titles and
leads, so a sentence that several outlets would agree with wins over one outlet's odd wording.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from pipeline.model import Article, Member, SourceRef, Story
from pipeline.ingest.normalize import clean_title, stable_id
from pipeline.stories.features import STOP_WORDS, is_title_case, stem, tokens

log = logging.getLogger(__name__)

# A plural with a possessive 's ("individuals’s") or a doubled word ("the the"): the marks of
# machine-rewritten or careless copy; another outlet's title reads better.
_MALFORMED = re.compile(r"(?i)\b\w+s['’]s\b|\b(\w+)\s+\1\b")
PENALTY_MALFORMED = 0.3

# --- thresholds -------------------------------------------------------------------------------
# The lead: the first prose sentences of an article, where news copy says what happened.
LEAD_SENTENCES = 5
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
# Headlines of ordinary length; outside this they are labels or whole sentences.
HEADLINE_MIN_WORDS = 5
HEADLINE_MAX_WORDS = 18
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
ENTITIES_LIMIT = 8
KEYWORDS_LIMIT = 8

# Headline penalties, subtracted from a representativeness score in 0..1 (cosine to the
# centroid, typically 0.3-0.7 for on-topic titles): a question or teaser must lose to any plain
# on-topic title; an image credit is never a headline.
PENALTY_QUESTION = 0.5
PENALTY_TEASER = 0.5
PENALTY_CREDIT = 1.0
PENALTY_ALL_CAPS = 0.3
PENALTY_LENGTH = 0.3
PENALTY_SITE = 0.3
# A title that reports a possibility ("X could be a game changer") rather than what happened.
PENALTY_SPECULATIVE = 0.15

# --- words -------------------------------------------------------------------------------------
_TEASER = re.compile(
    r"""(?ix)
    ^(?:you\s+won['’]?t\s+believe | here['’]?s\s+(?:why|what|how|the|everything)
      | what\s+we\s+know | what\s+(?:you|to)\s+(?:need\s+to\s+)?know | everything\s+you\s+need
      | this\s+is\s+(?:why|what|how) | why\s+you\s+should | watch\b | live\b | breaking\b
      | opinion\b | quiz\b | \d+\s+(?:things|ways|reasons|facts)\b)
    | \b(?:you\s+won['’]?t\s+believe | will\s+(?:shock|surprise|amaze)\s+you | blow\s+your\s+mind
      | what\s+happened\s+next | find\s+out\s+(?:why|what|how) | click\s+here | one\s+weird\s+trick)\b
    | (?:\.\.\.|…)\s*$
    """)
_SPECULATIVE = re.compile(r"(?i)\b(?:could|might|would|suggests?|game[ -]changer)\b")
_CREDIT = re.compile(r"(?i)\b(?:credit|cc\s+by|getty\s+images|shutterstock|ap\s+photo|file\s+photo"
                     r"|photograph(?:ed)?\s+by|image\s*:|photo\s*:)|©")
_SITE_SEPARATOR = re.compile(r"\s+(?:[-|–—•·:]|::)\s+")
_DOMAINISH = re.compile(r"\.(?:com|net|org|co\.uk|co|io|news|info|de|fr|jp|in|au|ca)\b", re.I)

_ABBREVIATIONS = frozenset(
    "dr mr mrs ms prof st jr sr no vs gen sen rep gov lt col sgt capt mt ft inc ltd co corp dept "
    "univ approx fig jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n a.m p.m "
    "etc al".split())
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_FIRST_PERSON = frozenset({"I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "I'll", "I’ll", "me",
                           "my", "My", "we", "We", "us", "our", "Our", "ours"})
# Openers that point back to an earlier sentence: fine second, never as the summary's first.
_ANAPHORIC = frozenset("but and however still so also yet then meanwhile instead moreover "
                       "furthermore this that these those they it he she his her their its "
                       "such both even luckily now there's".split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

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
_FUNCTION_WORDS = frozenset(
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


def story_id_for(articles: Sequence[Article]) -> str:
    """A story id that survives new members: a hash of the earliest article's id (earliest by
    published, undated last, ties by id)."""
    if not articles:
        raise ValueError("a story needs at least one article")
    first = min(articles, key=lambda a: (a.published is None, a.published or datetime.min, a.id))
    return stable_id("story", first.id)


def build_story(articles: Sequence[Article], members: Sequence[Member], *,
                story_id: str | None = None, first_seen: datetime | None = None,
                now: datetime | None = None, tags: Sequence[str] = ()) -> Story:
    """Merge one group of articles (as clustered, with the members explaining each join) into a
    Story. ``members`` are kept as given; when none are given the earliest article is the
    "seed" and the others join as "same story"."""
    if not articles:
        raise ValueError("a story needs at least one article")
    by_id: dict[str, Article] = {}
    for a in sorted(articles, key=lambda a: (_source_order(a), a.title, a.text)):
        by_id.setdefault(a.id, a)       # one article per id, whatever order they came in
    ordered = list(by_id.values())
    if not members:
        members = [Member(a.id, "seed" if i == 0 else "same story") for i, a in enumerate(ordered)]
    docs = [_Doc.of(a) for a in _analysed(ordered)]
    group = _Group.of(docs)
    headline, headline_doc = _choose_headline(group)
    facts = _facts(group)
    summary = _choose_summary(group, headline, facts)
    published = [a.published for a in ordered if a.published]
    titles = {d.article.id: d.title for d in docs}
    tag_union = dict.fromkeys(tags)
    tag_union.update(dict.fromkeys(sorted({t for a in ordered for t in a.tags})))
    log.debug("story of %d articles: %r from %s", len(docs), headline, headline_doc)
    return Story(
        id=story_id or story_id_for(articles),
        headline=headline,
        summary=summary,
        sources=tuple(SourceRef(a.source, a.url, titles.get(a.id) or clean_title(
            a.title, outlet=a.source, url=a.url) or a.title.strip(), a.published, a.id)
            for a in ordered),
        members=tuple(members),
        first_seen=first_seen or (min(published) if published else None),
        last_updated=max(published) if published else now,
        key_facts=facts.key_facts,
        disputed=facts.disputed,
        entities=_entities(group),
        keywords=_keywords(group),
        tags=tuple(tag_union),
    )


# A story of hundreds of copies says nothing more in its 200th than in its 40th: headline,
# summary and facts are chosen from at most this many members (every outlet's earliest first,
# then the rest in source order), while every member is still listed as a source. Measured with
# bench/run_cycle.py (100 feeds x 50 items, stories of ~136 articles): building the stories took
# 18-27 s for 140 stories with no cap, about half of the whole first run; a member costs ~5 ms.
MAX_ANALYSED = 24


def _analysed(ordered: list[Article]) -> list[Article]:
    if len(ordered) <= MAX_ANALYSED:
        return ordered
    first_of_outlet: dict[str, Article] = {}
    for a in ordered:
        first_of_outlet.setdefault(_squash(a.source or a.url or a.id), a)
    chosen = list(first_of_outlet.values())[:MAX_ANALYSED]
    picked = {a.id for a in chosen}
    chosen += [a for a in ordered if a.id not in picked][: MAX_ANALYSED - len(chosen)]
    keep = {a.id for a in chosen}
    return [a for a in ordered if a.id in keep]   # source order, as before


def _source_order(a: Article) -> tuple:
    return (a.published is None, a.published or datetime.min, a.source or "", a.url or "", a.id)


# --- the group's text ----------------------------------------------------------------------------
@dataclass
class _Doc:
    article: Article
    outlet: str                 # the outlet, else the url's host, else the article id
    title: str                  # site suffix removed
    sentences: list[str]        # every sentence of the text, in order, verbatim
    lead: list[str]             # the first LEAD_SENTENCES prose sentences
    vocab: set[str] = field(default_factory=set)   # stemmed content tokens of title and text

    @classmethod
    def of(cls, a: Article) -> _Doc:
        host = urlsplit(a.url).hostname if a.url else None
        outlet = a.source or host or a.id
        body = a.text if a.text.strip() else (a.summary or "")
        sentences = [s for para in body.split("\n") for s in _split_sentences(para.strip())]
        lead = [s for s in sentences if _ends_like_prose(s)][:LEAD_SENTENCES]
        title = clean_title(a.title, outlet=a.source, url=a.url) or a.title.strip()
        return cls(a, outlet, title, sentences, lead, set(tokens(title)) | set(tokens(body)))

    @property
    def body(self) -> str:
        return "\n".join(self.sentences)


@dataclass
class _Group:
    docs: list[_Doc]
    centroid: dict[str, float]
    names: dict[tuple[str, ...], _NameStats]   # every name and name part found, by key
    names_in: dict[str, set[tuple[str, ...]]]   # sentence -> the name keys it holds
    outlets: list[str]
    _ranked: dict[tuple[str, int], list] = field(default_factory=dict)

    @classmethod
    def of(cls, docs: list[_Doc]) -> _Group:
        centroid: Counter[str] = Counter()
        for d in docs:
            # Each article votes once per word: the centroid weighs agreement, not repetition.
            vec = _unit(Counter(set(tokens(d.title + " " + " ".join(d.lead)))))
            for t, w in vec.items():
                centroid[t] += w / len(docs)
        names, names_in = _find_names(docs)
        return cls(docs, dict(centroid), names, names_in, sorted({d.outlet for d in docs}))

    def ranked_names(self, by: str, need: int) -> list[tuple[tuple[str, ...], set[str]]]:
        """Names with at least `need` supporters (by "articles" or "outlets"), most supported
        first. A part found inside one longer such name only ("Schett" in "Georg Schett"), with at
        least a third of its support, is folded into it: the full form is shown, credited with the
        part's supporters too."""
        if (by, need) in self._ranked:
            return self._ranked[(by, need)]
        support = {k: set(getattr(s, by)) for k, s in self.names.items()
                   if len(getattr(s, by)) >= need and _is_name(k)}
        for k in sorted(support, key=lambda k: (len(k), k)):
            # Only into a name that is itself common: "Chiquita" stays itself beside a few
            # "Chiquita-Fyffes".
            containers = [o for o in support if len(o) > len(k) and _contains(o, k)
                          and 3 * len(support[o]) >= len(support[k])]
            if containers:
                longest = max(containers, key=lambda o: (len(o), o))
                if all(_contains(longest, o) for o in containers):
                    support[longest] |= support.pop(k)
        ranked = sorted(support.items(), key=lambda kv: (-len(kv[1]), -self.names[kv[0]].mentions,
                                                         self.names[kv[0]].display(), kv[0]))
        self._ranked[(by, need)] = ranked
        return ranked

    def shared_names(self) -> list[tuple[str, ...]]:
        """Names supported by two articles (one, for a one-article story)."""
        return [k for k, _ in self.ranked_names("articles", min(2, len(self.docs)))]


def _split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, verbatim; a period after an abbreviation or initial is not an
    end."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(paragraph):
        before = paragraph[start:m.start()].split()
        word = before[-1].lower().strip("\"'“‘(") if before else ""
        if paragraph[m.start()] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
                                            or (word[-1:].isdigit() and paragraph[m.end():][:1].isdigit())):
            continue
        out.append(paragraph[start:m.end()].strip())
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


def _ends_like_prose(s: str) -> bool:
    return bool(re.search(r"[.!?…][\"'”’)\]]*$", s)) and len(s.split()) >= 4


def _unit(vec: Counter[str]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _vec(text: str) -> dict[str, float]:
    return dict(Counter(tokens(text)))


# --- headline ------------------------------------------------------------------------------------
def _choose_headline(group: _Group) -> tuple[str, str]:
    """The headline is the distinct member title (site suffix removed) with the highest score:

        score = cosine(title, centroid of titles + leads)           representative, 0..1
              + 0.15 * share of the group's top shared names it holds      specific
              + 0.05 * log(number of members carrying this title)         duplicates vote
              - penalties: question (ends with "?") 0.5; teaser ("You won't believe", "Here's
                why", "What we know", ends with "..."), 0.5; image credit 1.0; all capitals 0.3;
                fewer than 5 or more than 18 words 0.3; a site name left in it 0.3; speculation
                ("could", "might", "suggests", "game changer") 0.15.

    Ties go to the shorter title, then alphabetical order, then the smaller article id. Returns
    (headline, article id it came from).
    """
    top_names = group.shared_names()[:5]
    outlets = {_squash(o) for o in group.outlets} - {""}
    candidates: dict[str, list[_Doc]] = defaultdict(list)
    for d in group.docs:
        if d.title:
            candidates[_norm_words(d.title)].append(d)
    best: tuple | None = None
    for norm, ds in candidates.items():
        # Copies of one title differ only in case or punctuation: show the cleanest one.
        pick = min(ds, key=lambda d: _headline_penalty(d.title, outlets))
        title = pick.title
        stems = set(tokens(title))
        score = _cosine(_vec(title), group.centroid)
        if top_names:
            held = sum(1 for k in top_names if set(_name_stems(k)) <= stems)
            score += 0.15 * held / len(top_names)
        score += 0.05 * math.log(len(ds))
        score -= _headline_penalty(title, outlets)
        key = (-round(score, 9), len(title), title.lower(), pick.article.id)
        if best is None or key < best[0]:
            best = (key, title, pick.article.id)
    if best is None:
        return "", ""
    headline = best[1]
    if headline.endswith(".") and not headline.endswith(".."):
        headline = headline[:-1].rstrip()  # a headline is not a sentence
    return headline, best[2]


def _headline_penalty(title: str, outlets: set[str]) -> float:
    penalty = 0.0
    stripped = title.rstrip("\"'”’ ")
    if stripped.endswith("?"):
        penalty += PENALTY_QUESTION
    if _TEASER.search(title):
        penalty += PENALTY_TEASER
    if _CREDIT.search(title):
        penalty += PENALTY_CREDIT
    if _SPECULATIVE.search(title):
        penalty += PENALTY_SPECULATIVE
    if _MALFORMED.search(title):
        penalty += PENALTY_MALFORMED
    letters = [c for c in title if c.isalpha()]
    if len(title.split()) >= 3 and letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        penalty += PENALTY_ALL_CAPS
    n = len(title.split())
    if n < HEADLINE_MIN_WORDS or n > HEADLINE_MAX_WORDS:
        penalty += PENALTY_LENGTH
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) > 1:
        ends = (parts[0], parts[-1])
        if any(_DOMAINISH.search(p) or _squash(p) in outlets for p in ends) or " | " in title:
            penalty += PENALTY_SITE
    return penalty


def _squash(s: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", s.lower())


def _norm_words(s: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(s))


# --- summary -------------------------------------------------------------------------------------
@dataclass
class _Candidate:
    text: str
    article_id: str
    vec: dict[str, float]
    relevance: float
    anaphoric: bool


def _choose_summary(group: _Group, headline: str, facts: _Facts) -> tuple[tuple[str, str], ...]:
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
            key = _norm_words(s)
            if key in candidates or not _is_summary_sentence(s):
                continue
            vec = _vec(s)
            if not vec:
                continue
            stems = set(vec)
            info = (sum(1 for k in facts.names if set(_name_stems(k)) <= stems)
                    + len({(q.key, q.value) for q in _quantities(s)} & facts.quantities))
            support = sum(1 for t in stems if df[t] - (t in d.vocab) + alone > 0) / len(stems)
            relevance = (0.45 * _cosine(vec, group.centroid) + 0.2 * min(1.0, info / 2)
                         + 0.2 * support + 0.15 / (1 + pos))
            first = s.lstrip("\"'“‘(").split(" ", 1)[0].lower().rstrip(",")
            candidates[key] = _Candidate(s, d.article.id, vec, relevance, first in _ANAPHORIC)
    if not candidates:
        return _title_summary(group, headline)
    pool = sorted(candidates.values(), key=lambda c: (-c.relevance, c.text, c.article_id))
    head_vec = _vec(headline)
    openers = [c for c in pool if not c.anaphoric] or pool
    chosen = [max(openers, key=lambda c: (c.relevance + 0.3 * _cosine(c.vec, head_vec), c.text))]
    words = len(chosen[0].text.split())
    while len(chosen) < SUMMARY_MAX_SENTENCES:
        best, best_score = None, -math.inf
        for c in pool:
            if c in chosen:
                continue
            sim = max(_cosine(c.vec, x.vec) for x in chosen)
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


def _title_summary(group: _Group, headline: str) -> tuple[tuple[str, str], ...]:
    """Headline-only groups: up to two other distinct titles that add to the headline."""
    head_key, head_vec = _norm_words(headline), _vec(headline)
    outlets = {_squash(o) for o in group.outlets} - {""}
    scored = []
    seen: set[str] = set()
    for d in group.docs:
        key = _norm_words(d.title)
        if not d.title or key in seen or key == head_key:
            continue
        seen.add(key)
        if _headline_penalty(d.title, outlets) > 0:
            continue
        scored.append((-_cosine(_vec(d.title), group.centroid), d.title, d.article.id))
    chosen: list[tuple[str, str, dict[str, float]]] = []
    for _, title, aid in sorted(scored):
        vec = _vec(title)
        if any(_cosine(vec, v) >= REDUNDANT_SIMILARITY for v in [head_vec] + [c[2] for c in chosen]):
            continue
        sentence = title if title[-1] in ".!" else title + "."
        if sentence.split(" ", 1)[0].islower():       # but not "iPhone" -> "IPhone"
            sentence = sentence[0].upper() + sentence[1:]
        chosen.append((sentence, aid, vec))
        if len(chosen) == 2:
            break
    return tuple((s, aid) for s, aid, _ in chosen)


# --- names ---------------------------------------------------------------------------------------
@dataclass
class _NameStats:
    articles: set[str] = field(default_factory=set)
    outlets: set[str] = field(default_factory=set)
    mentions: int = 0
    surfaces: Counter[str] = field(default_factory=Counter)

    def display(self) -> str:
        return min(self.surfaces.items(), key=lambda kv: (-kv[1], kv[0].isupper(), -len(kv[0]), kv[0]))[0]


def _name_stems(key: tuple[str, ...]) -> list[str]:
    return [k for k in key if k not in _NAME_JOINERS]


def _find_names(docs: list[_Doc]) -> tuple[dict[tuple[str, ...], _NameStats], dict[str, set[tuple[str, ...]]]]:
    """Runs of capitalized words in body sentences, and every contiguous part of each run, by
    key (stemmed lowercase words). A sentence's first word counts only when the group writes
    it capitalized somewhere else too; a title or role ("Dr", "Governor") splits a run.
    Title-case lines (subheads, cross-links) and, with body text, the titles are not read.
    Returns the names by key and, for each sentence read, the keys it holds."""
    sentences = {d.article.id: d.sentences or ([d.title] if _sentence_case(d.title) else [])
                 for d in docs}
    lower_seen: set[str] = set()
    caps_inside: set[str] = set()
    for ss in sentences.values():
        for s in ss:
            for i, m in enumerate(_NAME_TOKEN.finditer(s)):
                for part in m.group().split("-"):
                    if part[:1].islower():
                        lower_seen.add(part.lower())
                    elif part[:1].isupper() and i > 0:
                        caps_inside.add(part.lower())
    names: dict[tuple[str, ...], _NameStats] = defaultdict(_NameStats)
    names_in: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for d in docs:
        for s in sentences[d.article.id]:
            if is_title_case(s) and not re.search(r"(?<!\.\.)[.!?][\"'”’)]*$", s):
                continue        # a subhead or cross-link line, capitalized throughout
            found: dict[tuple[str, ...], str] = {}
            for run in _capital_runs(s, caps_inside):
                for key, surface, _ in _subspans(run, s):
                    if len(surface) > len(found.get(key, "")):
                        found[key] = surface
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


def _sentence_case(title: str) -> bool:
    """A headline that capitalizes only its names (at most 40% of its content words after the
    first), so its capitals can be read as names."""
    ws = [w for w in _NAME_TOKEN.findall(title)[1:] if w.lower() not in _FUNCTION_WORDS]
    return bool(ws) and sum(w[:1].isupper() for w in ws) <= 0.4 * len(ws)


_OPENER = re.compile(r"[\"“‘(:—–]")
_POSSESSIVE = re.compile(r"['’]s$")


def _capital_runs(sentence: str, caps_inside: set[str]) -> list[list[tuple[str, int, int]]]:
    """Runs of name words as (word, start, end) in the sentence; words inside one run are
    separated only by spaces or hyphens (a comma, quote or period ends a name)."""
    parts: list[tuple[str, int, int]] = []
    for m in _NAME_TOKEN.finditer(sentence):
        offset = m.start()
        for p in m.group().split("-"):
            if p:
                parts.append((p, offset, offset + len(p)))
            offset += len(p) + 1
    runs: list[list[tuple[str, int, int]]] = []
    run: list[tuple[str, int, int]] = []
    for i, (w, a, b) in enumerate(parts):
        gap = sentence[parts[i - 1][2]:a] if i else ""
        initial = i == 0 or bool(_OPENER.search(gap))
        lw = _POSSESSIVE.sub("", w.lower())
        capital = (w[:1].isupper() and lw not in _FUNCTION_WORDS
                   and (not initial or lw in caps_inside) and not (w.isupper() and len(w) > 6))
        # A possessive ends a name: "Ireland's Fyffes" is two.
        joined = i > 0 and not gap.strip(" -") and not _POSSESSIVE.search(parts[i - 1][0])
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
    for i in range(len(run)):
        for j in range(i + 1, len(run) + 1):
            words = [w for w, _, _ in run[i:j]]
            if words[0].lower() in _NAME_JOINERS or words[-1].lower() in _NAME_JOINERS:
                continue
            # A one-letter part ("CAR T", "CAR-T", "CAR") does not tell two names apart.
            key = tuple(k for k in (stem(_POSSESSIVE.sub("", w.lower())) for w in words) if len(k) > 1)
            if not key:
                continue
            surface = _POSSESSIVE.sub("", sentence[run[i][1]:run[j - 1][2]])
            out.append((key, surface, i == 0 and j == len(run)))
    return out


def _is_name(key: tuple[str, ...]) -> bool:
    """Not a lone head word ("University") or a lone letter; at least one part not generic."""
    stems = _name_stems(key)
    return bool(stems) and not all(k in _GENERIC_NAME_WORDS for k in stems)


def _contains(longer: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(longer[i:i + n] == part for i in range(len(longer) - n + 1))


# --- facts -----------------------------------------------------------------------------------------
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
class _Quantity:
    key: str          # noun stem, "person", or "aged"
    value: str        # normalized: "5", "18-24", "5 million"
    noun: str         # the noun as written ("patients"); "" for ages
    approx: bool      # "about 4", "at least 3": never a disputed claim
    low: float = 0.0  # the value as a number (a range's ends)
    high: float = 0.0

    def phrase(self, noun: str | None = None) -> str:
        return f"aged {self.value}" if self.key == "aged" else f"{self.value} {noun or self.noun}"


def _number(tok: str) -> float | None:
    if re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", tok):
        return float(tok.replace(",", ""))
    return _NUMBER_WORDS.get(tok.lower())


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


def _quantities(sentence: str) -> list[_Quantity]:
    """Numbers with what they count: "five patients", "5 severely ill patients", "5 million
    people", "4 women", "aged 18 to 24", "a 20-year-old"; number words up to twenty (and the
    tens) become digits. A number without a noun right after it (a year, a date) is not one."""
    toks = _QTOKEN.findall(_SPACED_THOUSANDS.sub(",", sentence))
    low = [t.lower() for t in toks]
    out: list[_Quantity] = []
    i = 0
    while i < len(toks):
        x = _number(toks[i])
        prev = toks[i - 1] if i else ""
        if x is None or (toks[i][0].isupper() and i > 0) or (
                any(c.isupper() for c in prev) and prev.lower() not in _FUNCTION_WORDS | _APPROX):
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
        if before and before[-1] in ("between",) and len(before) > 1:
            before = before[:-1]
        lo_hi = (x * _SCALES.get(scale.strip(), 1), (hi or x) * _SCALES.get(scale.strip(), 1))
        if before and before[-1] in ("aged", "ages", "age"):
            out.append(_Quantity("aged", value, "", approx, *lo_hi))
        elif low[j:j + 4] in (["-", "year", "-", "old"], ["year", "-", "old"]) or low[j:j + 2] == ["years", "old"]:
            out.append(_Quantity("aged", value, "", approx, *lo_hi))
        else:
            noun = _noun_after(toks, low, j, x if hi is None else hi)
            if noun:
                k = stem(noun.lower())
                out.append(_Quantity("person" if k in _PERSON_STEMS else k, value, noun, approx, *lo_hi))
        i = j
    return out


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
class _Facts:
    key_facts: tuple[str, ...]
    disputed: tuple[str, ...]
    quantities: frozenset[tuple[str, str]]     # agreed (key, value) pairs
    names: tuple[tuple[str, ...], ...]         # agreed name keys


def _facts(group: _Group) -> _Facts:
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
    samples: dict[tuple[str, str], _Quantity] = {}
    for d in group.docs:
        lead = set(d.lead) | {d.title}
        for s in list(dict.fromkeys([d.title, *d.sentences])):
            for q in _quantities(s):
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
        facts.append((-len(said[kv]), 0, samples[kv].phrase(_best_noun(nouns[kv]))))
    ranked = group.ranked_names("outlets", MIN_OUTLETS)
    name_keys = [k for k, _ in ranked]
    for k, outlets in ranked:
        facts.append((-len(outlets), 1, group.names[k].display()))
    facts.sort(key=lambda f: (f[0], f[1], f[2].lower(), f[2]))
    key_facts = tuple(dict.fromkeys(f[2] for f in facts))[:KEY_FACTS_LIMIT]

    disputed = []
    for key in sorted(values):
        if key in _TIME_STEMS:
            continue
        claims: dict[str, list[str]] = defaultdict(list)
        beside: dict[str, set] = defaultdict(set)
        for outlet, vals in sorted(values[key].items()):
            if len(vals) == 1 and outlet not in hedged[key] and outlet in led[key]:
                claims[next(iter(vals))].append(outlet)
                beside[next(iter(vals))] |= led[key][outlet]
        if len(claims) < 2 or not any(beside[a] & beside[b] for a in claims for b in claims if a < b):
            continue
        ends = [samples[(key, v)] for v in claims]
        top, bottom = max(q.high for q in ends), min(q.low for q in ends)
        if top > DISPUTE_MAX_RATIO * bottom or (key == "aged" and top - bottom > DISPUTE_MAX_YEARS):
            continue
        label = "aged" if key == "aged" else _best_noun(set().union(*(nouns[(key, v)] for v in claims)))
        variants = sorted(claims.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        disputed.append(f"{label}: " + " / ".join(f"{v} ({', '.join(o)})" for v, o in variants))
    return _Facts(key_facts, tuple(disputed), agreed, tuple(name_keys))


def _best_noun(used: set[tuple[str, str]]) -> str:
    """The noun most outlets use; ties go to the more specific person noun, then alphabetical."""
    counts = Counter(noun for _, noun in used)
    rank = {n: i for i, n in enumerate(_PERSON_NOUNS)}
    return min(counts, key=lambda n: (-counts[n], rank.get(n.lower(), 99), n)) if counts else ""


# --- entities and keywords -------------------------------------------------------------------------
def _entities(group: _Group) -> tuple[str, ...]:
    """The most supported names (two articles or more when the story has two or more)."""
    return tuple(dict.fromkeys(group.names[k].display() for k in group.shared_names()))[:ENTITIES_LIMIT]


def _keywords(group: _Group) -> tuple[str, ...]:
    """Content words (stop words out) scored by share of articles using them times log(1 + uses),
    shown in their most common lowercase form; numbers and words under three letters left out."""
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for d in group.docs:
        seen: set[str] = set()
        for w in _WORD.findall(d.title + "\n" + d.body):
            lw = w.lower().replace("’", "'")
            if len(lw) < 3 or not lw.isalpha() or lw in STOP_WORDS:
                continue
            k = stem(lw)
            if k in STOP_WORDS:
                continue
            tf[k] += 1
            forms[k][lw] += 1
            seen.add(k)
        df.update(seen)
    n = len(group.docs)
    ranked = sorted(tf, key=lambda k: (-(df[k] / n) * math.log1p(tf[k]), k))
    return tuple(dict.fromkeys(
        min(forms[k].items(), key=lambda kv: (-kv[1], kv[0]))[0] for k in ranked))[:KEYWORDS_LIMIT]
