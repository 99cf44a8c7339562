"""The story's headline: the most representative plain member title."""
from __future__ import annotations

import math
import re
from collections import defaultdict

from pipeline.stories.tokens import tokens
from pipeline.stories.members import Doc, DocGroup
from pipeline.stories.names import name_stems
from pipeline.stories.quality import blemishes
from pipeline.stories.sentences import bag, cosine, norm_words, squash
from pipeline.stories.tidy import front_trimmed, tail_cut

# A plural with a possessive 's ("individuals’s") or a doubled word ("the the"): the marks of
# machine-rewritten or careless copy; another outlet's title reads better.
_MALFORMED = re.compile(r"(?i)\b\w+s['’]s\b|\b(\w+)\s+\1\b")
PENALTY_MALFORMED = 0.3

# Headlines of ordinary length; outside this they are labels or whole sentences.
# Representative of the group's text, and worded as the other titles word it: on allsides-dev
# (--given story) headline ROUGE-1 43.14 with the centroid alone, 44.4 with both (a grid over
# 0.5-2 x 0.5-2 stays within 43.7-44.5).
W_CENTROID, W_AGREE = 2.0, 1.0
HEADLINE_MIN_WORDS = 5
HEADLINE_MAX_WORDS = 16
# A title longer than this loses its trailing clause ("..., as talks stall") when a clause
# boundary leaves a headline.
HEADLINE_TRIM_WORDS = 12
# A longer headline is cut at a clause boundary (";", ":", " — ", ", as") when what is left
# keeps at least this many words and reads as a headline.
HEADLINE_CUT_MIN_WORDS = 6


# Headline penalties, subtracted from a representativeness score in 0..1 (cosine to the
# centroid, typically 0.3-0.7 for on-topic titles): a question or teaser must lose to any plain
# on-topic title; an image credit is never a headline.
PENALTY_QUESTION = 0.5
PENALTY_TEASER = 0.5
PENALTY_CREDIT = 1.0
PENALTY_ALL_CAPS = 0.3
# A title over HEADLINE_MAX_WORDS that no clause boundary shortens loses to a fitting one.
# allsides-dev headline ROUGE-1 with at most 16 words: 0.3 -> 43.14, 0.1 -> 43.32, but 0.1 let
# 30-word sentence-titles head two ECB+ cards: the editor's rule wins.
PENALTY_LENGTH = 0.3
# A title still over HEADLINE_MAX_WORDS + 4 after shortening (a sentence whose verb comes last:
# "A fire that caused ... church in Wasilla, Alaska, may have been set ...") is no headline.
PENALTY_SENTENCE = 1.0
PENALTY_SITE = 0.3
# A title that reports a possibility ("X could be a game changer") rather than what happened.
PENALTY_SPECULATIVE = 0.15

# --- words -------------------------------------------------------------------------------------
_TEASER = re.compile(
    r"""(?ix)
    ^(?:you\s+won['’]?t\s+believe | here['’]?s\s+(?:why|what|how|the|everything)
      | what\s+we\s+know | what\s+(?:you|to)\s+(?:need\s+to\s+)?know | everything\s+you\s+need
      | this\s+is\s+(?:why|what|how) | why\s+you\s+should | watch\b | live\b | breaking\b
      | opinion\b | quiz\b | \d+\s+(?:\w+\s+)?(?:things|ways|reasons|facts|takeaways)\b)
    | \b(?:you\s+won['’]?t\s+believe | will\s+(?:shock|surprise|amaze)\s+you | blow\s+your\s+mind
      | what\s+happened\s+next | find\s+out\s+(?:why|what|how) | click\s+here | one\s+weird\s+trick
      | (?:you|to)\s+need\s+to\s+know | fast\s+facts | \d+\s+(?:\w+\s+)?(?:things|facts|takeaways))\b
    | (?:\.\.\.|…)\s*$
    """)
# A possibility or a forecast ("X could be a game changer", "favourite to take over") loses to a
# title reporting what happened.
_SPECULATIVE = re.compile(r"(?i)\b(?:could|might|would|suggests?|game[ -]changer|favou?rite\s+to"
                          r"|tipped\s+to|poised\s+to|in\s+line\s+to|frontrunner|front-runner)\b")
_CREDIT = re.compile(r"(?i)\b(?:credit|cc\s+by|getty\s+images|shutterstock|ap\s+photo|file\s+photo"
                     r"|photograph(?:ed)?\s+by|image\s*:|photo\s*:)|©")
_SITE_SEPARATOR = re.compile(r"\s+(?:[-|–—•·:]|::)\s+")
_DOMAINISH = re.compile(r"\.(?:com|net|org|co\.uk|co|io|news|info|de|fr|jp|in|au|ca)\b", re.I)


def choose_headline(group: DocGroup, allowed: set[str] | None = None,
                    bonus: dict[str, float] | None = None) -> tuple[str, str]:
    """The headline is the distinct member title (site suffix removed) with the highest score:

        score = W_CENTROID * cosine(title, centroid of titles + leads)  representative, 0..1
              + W_AGREE * mean word overlap (F1) with the other titles    the headline most
                                                                          sources agree with
              + 0.15 * share of the group's top shared names it holds      specific
              + 0.05 * log(number of members carrying this title)         duplicates vote
              - penalties: question (ends with "?") 0.5; teaser ("You won't believe", "Here's
                why", "What we know", ends with "..."), 0.5; image credit 1.0; all capitals 0.3;
                fewer than 5 or more than 18 words 0.3; a site name left in it 0.3; speculation
                ("could", "might", "suggests", "game changer") 0.15.

    plus `bonus` for the article the title is taken from (representative.article_bonus: a
    clean lead to build the summary on, a publisher over an aggregator). Only `allowed` articles
    (those in the digest's language) give a title, unless none of them has one.

    Ties go to the shorter title, then alphabetical order, then the smaller article id. Returns
    (headline, article id it came from): the story's representative article.
    """
    bonus = bonus or {}
    top_names = group.shared_names()[:5]
    outlets = {squash(o) for o in group.outlets} - {""}
    candidates: dict[str, list[Doc]] = defaultdict(list)
    for d in group.docs:
        if d.title and (allowed is None or d.article.id in allowed):
            candidates[norm_words(d.title)].append(d)
    if not candidates and allowed is not None:
        return choose_headline(group, None, bonus)
    titles = {norm: set(tokens(ds[0].title)) for norm, ds in candidates.items()}
    best: tuple | None = None
    for norm, ds in candidates.items():
        # Copies of one title differ only in case or punctuation: show the cleanest one.
        pick = min(ds, key=lambda d: (headline_penalty(d.title, outlets) - bonus.get(d.article.id, 0.0),
                                      d.article.id))
        title = shorten(strip_site(pick.title, outlets), HEADLINE_TRIM_WORDS)
        stems = set(tokens(title))
        others = [titles[o] for o in titles if o != norm]
        agree = sum(_overlap(stems, t) for t in others) / len(others) if others else 0.0
        score = W_CENTROID * cosine(bag(title), group.centroid, group.centroid_norm) + W_AGREE * agree
        if top_names:
            held = sum(1 for k in top_names if set(name_stems(k)) <= stems)
            score += 0.15 * held / len(top_names)
        score += 0.05 * math.log(len(ds))
        score -= headline_penalty(title, outlets)
        score += bonus.get(pick.article.id, 0.0)
        key = (-round(score, 9), len(title), title.lower(), pick.article.id)
        if best is None or key < best[0]:
            best = (key, title, pick.article.id)
    if best is None:
        return "", ""
    headline = shorten(strip_site(best[1], outlets))
    if headline.endswith(".") and not headline.endswith(".."):
        headline = headline[:-1].rstrip()  # a headline is not a sentence
    return headline, best[2]


def _overlap(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def headline_penalty(title: str, outlets: set[str]) -> float:
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
    if _MALFORMED.search(title) or blemishes(title):
        penalty += PENALTY_MALFORMED
    letters = [c for c in title if c.isalpha()]
    if len(title.split()) >= 3 and letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        penalty += PENALTY_ALL_CAPS
    n = len(title.split())
    if n < HEADLINE_MIN_WORDS or n > HEADLINE_MAX_WORDS:
        penalty += PENALTY_SENTENCE if n > HEADLINE_MAX_WORDS + 4 else PENALTY_LENGTH
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) > 1:
        ends = (parts[0], parts[-1])
        if any(_DOMAINISH.search(p) or squash(p) in outlets for p in ends) or " | " in title:
            penalty += PENALTY_SITE
    return penalty



# Outlets and agencies whose names are left at a title's end by feeds ("... - Reuters").
WIRE_NAMES = frozenset("reuters bloomberg ap apnews associatedpress afp upi dpa ani pti xinhua kyodo "
                       "yonhap tass efe ansa cnn bbc bbcnews cnbc nyt yahoo yahoofinance msn".split())


def strip_site(title: str, outlets: set[str]) -> str:
    """The title without a site suffix or prefix: " - Reuters", " | Bloomberg Línea",
    "Example.com: ..." (an outlet of the story, a wire or a domain name)."""
    names = outlets | WIRE_NAMES
    while True:
        seps = list(_SITE_SEPARATOR.finditer(title))
        if not seps:
            return title
        tail = title[seps[-1].end():]
        end = squash(tail)
        if not end or not (end in names or _DOMAINISH.search(tail)
                           or any(len(o) > 3 and end.startswith(o) for o in names)):
            return title
        title = title[:seps[-1].start()].rstrip()


_CLAUSE = re.compile(r"\s*(?:;|:|\s[—–]\s|,\s+(?=as\b|while\b|after\b|amid\b|but\b|with\b)"
                     r"|\s(?=(?:[Aa]s|[Aa]mid|[Ww]hile)\s))\s*")


# A short label before a colon ("Exclusive:", "Watch:") or an attribution after one (": report",
# ": sources say") is the outlet's framing, not the news.
_LEAD_LABEL = re.compile(r"^(?:(?:[A-Z][\w'’-]*\s?){1,2}:\s+(?=\S)"
                         r"|(?i:exclusive|analysis|breaking|factbox|explainer|insight|update\s\d+|refile)"
                         r"\s*[-–—]\s*(?=[A-Z]))")
_TAIL_LABEL = re.compile(r"\s*:\s+(?:[\w'’-]+\s?){1,3}$")


def _unlabelled(title: str) -> str:
    for label in (_TAIL_LABEL, _LEAD_LABEL):
        m = label.search(title)
        if m:
            rest = title[:m.start()] + title[m.end():]
            if len(rest.split()) >= HEADLINE_CUT_MIN_WORDS:
                title = rest
    return title


def shorten(title: str, most: int | None = None) -> str:
    """At most `most` (HEADLINE_MAX_WORDS) words: a longer title loses what comes before its news
    (tidy.front_trimmed), then is cut at its last clause boundary that leaves
    HEADLINE_CUT_MIN_WORDS to `most` words; with none, trailing phrases of time, place or
    circumstance go (tidy.tail_cut) until at most HEADLINE_MAX_WORDS are left."""
    most = HEADLINE_MAX_WORDS if most is None else most
    title = _unlabelled(title)
    if len(title.split()) <= most:
        return title
    title = front_trimmed(title)
    if len(title.split()) <= most:
        return title
    for m in reversed(list(_CLAUSE.finditer(title))):
        head = title[:m.start()].rstrip(" ,")
        if HEADLINE_CUT_MIN_WORDS <= len(head.split()) <= most:
            return head
    return tail_cut(title, HEADLINE_MAX_WORDS)
