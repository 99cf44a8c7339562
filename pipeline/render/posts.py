"""Posts composed per network from one story: X a short hook, Bluesky, Mastodon and Threads the
lead, LinkedIn a longer post with the key facts; links with UTM tags, hashtags, shortening and
threads. Counting and validity are each network's rules (rules.py): every post is measured by
its network's counter before it is returned.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from pipeline.model import Story
from pipeline.stories.representative import aggregated
from pipeline.stories.sentences import norm_words
from pipeline.render.payloads import (Link, Span, _bluesky_record, _linkedin_payload, little_escape,
                                      payload_for_text)
from pipeline.render.rules import (ELLIPSIS, LIMITS, NETWORKS, THREAD_SEPARATOR, PostError, GRAPHEME,
                                   rule_of, add_utm, clean_text, cut_points, is_valid, link_count,
                                   post_length, safe_url)
from pipeline.render.tags import camel_tag, hashtags, outlet_keys

__all__ = ["ELLIPSIS", "LIMITS", "NETWORKS", "THREAD_SEPARATOR", "Post", "PostError", "add_utm",
           "best_link", "camel_tag", "clean_text", "cut_points", "hashtags", "is_valid", "lead_line",
           "link_count", "little_escape", "make_post", "make_posts", "body_for", "payload_for_text",
           "post_length", "safe_url"]

log = logging.getLogger(__name__)

BLUESKY_LINK_LABEL = 40            # graphemes of link text when the full URL does not fit
MAX_THREAD_ROUNDS = 8              # re-splits while the "i/N" marker width settles


@dataclass(frozen=True)
class Post:
    network: str
    text: str                       # the post; for a thread, the parts joined by THREAD_SEPARATOR
    parts: tuple[str, ...]          # one item unless the post was split into a thread
    length: int                     # by the network's counting rule; the longest part for a thread
    limit: int
    payload: dict[str, Any] | None = None   # structured record where the network needs one


def best_link(story: Story) -> str | None:
    """The publisher's own page: of the sources whose URL is usable and not an aggregator's
    (a Google News redirect, a pool), the article the headline was taken from (its source title
    is the headline, or opens with it when the headline was shortened), else the one the lead
    sentence came from, else the earliest; an aggregator's link only when no other exists."""
    usable = [s for s in story.sources if safe_url(s.url)]
    usable = [s for s in usable if not aggregated(s.url, s.outlet)] or usable
    head = " ".join(story.headline.split()).rstrip(".")
    for source in usable:
        title = " ".join(source.title.split())
        if head and (title.rstrip(".") == head or title.startswith(head)):
            return safe_url(source.url)
    lead_article = story.summary[0][1] if story.summary else None
    for source in usable:
        if source.article_id == lead_article:
            return safe_url(source.url)
    return safe_url(usable[0].url) if usable else None


# --- composing and shortening ---------------------------------------------------------------

_TRAILING = " ,;:([{\u201c\u2018\"'\u2013\u2014-"



def _compose(body: str, link: Link | None, tags: Sequence[str]) -> tuple[str, tuple[Span, ...]]:
    text, spans = body, []
    if link:
        shown, target = link
        text += "\n\n" if text else ""
        spans.append((len(text), len(text) + len(shown), "link", target))
        text += shown
    if tags:
        text += "\n\n" if text else ""
        for k, tag in enumerate(tags):
            text += " " if k else ""
            spans.append((len(text), len(text) + 1 + len(tag), "tag", tag))
            text += "#" + tag
    return text, tuple(spans)


def _largest(points: Sequence[int], attempt: Callable[[int], Any]) -> Any:
    """Binary search for the largest point whose attempt succeeds (attempts validate their text)."""
    lo, hi, best = 0, len(points) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        result = attempt(points[mid])
        if result is not None:
            best, lo = result, mid + 1
        else:
            hi = mid - 1
    return best


def _single(prefix: str, lead: str, url: Link | None, tags: Sequence[str],
            ok: Callable[[str], bool], allow_cut: bool = True) -> tuple[str, tuple[Span, ...]]:
    for k in range(len(tags), -1, -1):
        text, spans = _compose(prefix + lead, url, tags[:k])
        if ok(text):
            return text, spans
    if not allow_cut:
        raise PostError("the whole lead does not fit")

    def shortened(point: int, k: int) -> tuple[str, tuple[Span, ...]] | None:
        cut = lead[:point].rstrip(_TRAILING)
        if not cut:
            return None
        text, spans = _compose(prefix + cut + ELLIPSIS, url, tags[:k])
        return (text, spans) if ok(text) else None

    points = [p for p in cut_points(lead) if p < len(lead)]
    for k in (min(1, len(tags)), 0):
        found = _largest(points, lambda p: shortened(p, k))
        if found:
            return found
    raise PostError("the link and the first word of the lead do not fit")


def _split(body: str, url: Link | None, tags: Sequence[str], total: int,
           ok: Callable[[str], bool]) -> list[tuple[str, tuple[Span, ...]]]:
    points = cut_points(body)
    parts: list[tuple[str, tuple[Span, ...]]] = []
    start = 0
    while start < len(body):
        number = len(parts) + 1
        first = number == 1

        def attempt(point: int) -> tuple[int, str, tuple[Span, ...]] | None:
            chunk = body[start:point].strip()
            if not chunk:
                return None
            text, spans = _compose(f"{number}/{total} {chunk}", url if first else None,
                                   tags if first else ())
            return (point, text, spans) if ok(text) else None

        found = _largest([p for p in points if p > start], attempt)
        if found is None:
            raise PostError(f"part {number} of the thread cannot hold even one word")
        start, text, spans = found
        parts.append((text, spans))
        while start < len(body) and body[start] == " ":
            start += 1
    return parts


def _thread(prefix: str, body: str, url: Link | None, tags: Sequence[str],
            ok: Callable[[str], bool]) -> list[tuple[str, tuple[Span, ...]]]:
    text, spans = _compose(prefix + body, url, tags)
    if ok(text):                      # it fits whole: no thread needed
        return [(text, spans)]
    error: PostError | None = None
    for k in range(len(tags), -1, -1):
        total = 2
        try:
            for _ in range(MAX_THREAD_ROUNDS):
                parts = _split(prefix + body, url, tags[:k], total, ok)
                if len(parts) == total:
                    return parts
                total = len(parts)
        except PostError as exc:
            error = exc
    raise error or PostError("the thread's part count did not settle")


# --- the post -------------------------------------------------------------------------------

def body_for(story: Story, network: str) -> str:
    """What a post on `network` says, from the same checked story: X a short hook (the
    headline); Bluesky, Mastodon and Threads a sentence that names the subject (the summary's
    lead sentence when it does, else the headline); LinkedIn the headline (unless the lead opens
    with it), the lead, then the summary's further sentence as the line on why it matters, else
    nothing: a "Key facts" line repeats the lead or misleads on its own, and a padded line costs
    the post more than none (the editors' reads)."""
    headline = clean_text(story.headline, strip_markup=True)
    if network == "x":
        return headline or lead_line(story)
    if network == "linkedin":
        sentences = [clean_text(s, strip_markup=True) for s, _ in story.summary]
        lead = " ".join(sentences[:2])
        if lead and norm_words(lead).startswith(norm_words(headline)):
            headline = ""       # "Bettie Page died Thursday ..." twice over
        parts = [headline, lead, sentences[2] if len(sentences) > 2 else ""]
        return "\n\n".join(p for p in parts if p) or lead_line(story)
    return lead_line(story)


def lead_line(story: Story) -> str:
    """The summary's first sentence when it names the headline's subject; else the headline
    (a lead that opens "The actress, 26, checked in ..." says nothing to a reader of one post)."""
    headline = clean_text(story.headline, strip_markup=True)
    for sentence, _ in story.summary[:1]:
        lead = clean_text(sentence, strip_markup=True)
        if lead and (not headline or names_subject(lead, headline)):
            return lead
    return headline or next((clean_text(s, strip_markup=True) for s, _ in story.summary[:1]), "")


# Capitalized first words of a headline that are not names.
_PLAIN_OPENERS = frozenset("the a an in on at for but and as after when while with by from to of this that "
                           "these those how why what who where new more most top first".split())
_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’.-]+")
_CONTENT = re.compile(r"[A-Za-z][a-z'’-]{4,}")


def names_subject(sentence: str, headline: str) -> bool:
    """Whether `sentence` names what `headline` is about: one of its names (a capitalized word;
    its first word too unless a plain opener), else one of its longer words ("launch" of "Rocket
    launch delayed"); a headline in a script without capitals or such words: yes."""
    first = re.match(r"^\W*([A-Z][\w'’.-]+)", headline)
    body = headline[first.end():] if first else headline
    names = {w.strip("'’.").casefold() for w in _CAPITALIZED.findall(body)}
    if first and first.group(1).casefold() not in _PLAIN_OPENERS:
        names.add(first.group(1).strip("'’.").casefold())      # "Trump delays ...": a name too
    names = {n.removesuffix("'s").removesuffix("’s") for n in names if len(n) > 1}
    words = sentence.casefold()
    # "Canada" in the headline, "Canadian" in the sentence: one subject.
    if any(re.search(r"\b" + re.escape(n[:max(4, len(n) - 2)]), words) for n in names):
        return True
    content = [w.casefold() for w in _CONTENT.findall(headline)]
    if not content:
        return not names        # a script without capitals or such words: no telling
    return any(re.search(r"\b" + re.escape(w[:max(5, len(w) - 2)]), words) for w in content)


def _link_choices(url: str | None, network: str) -> list[Link | None]:
    if not url:
        return [None]
    choices: list[Link | None] = [(url, url)]
    if network == "bluesky":
        # Bluesky counts a link in full, but its facet may carry the URL behind shorter text,
        # as its own app does: host and path, cut at BLUESKY_LINK_LABEL graphemes.
        parts = urlsplit(url)
        label = (parts.hostname or "") + parts.path.rstrip("/")
        clusters = GRAPHEME.findall(label)
        if len(clusters) > BLUESKY_LINK_LABEL:
            label = "".join(clusters[:BLUESKY_LINK_LABEL - 1]) + ELLIPSIS
        choices.append((label, url))
    return choices


def make_post(story: Story, network: str, *, campaign: str, limit: int | None = None,
              thread: bool = False, created_at: datetime | None = None,
              language: str | None = None) -> Post:
    """One post (or thread) for `network`, valid by that network's counting rule.

    `campaign` goes into utm_campaign (the digest date, YYYY-MM-DD). `created_at` is the
    Bluesky record's createdAt (now when not given); `language` its `langs`.
    """
    return make_posts(story, (network,), campaign=campaign, limits={network: limit}, thread=thread,
                      created_at=created_at, language=language)[0]


def make_posts(story: Story, networks: Sequence[str], *, campaign: str,
               limits: Mapping[str, int | None] | None = None, thread: bool = False,
               created_at: datetime | None = None, language: str | None = None) -> tuple[Post, ...]:
    """make_post for each of `networks` in turn (the first that cannot be made raises), `limits`
    by network. What every network's post takes from the whole story is found once: its link
    (best_link) and the outlets its hashtags must not name (each looks at every source)."""
    link = functools.cache(lambda: best_link(story))
    outlets = functools.cache(lambda: outlet_keys(story))
    return tuple(_post(story, network, link, outlets, campaign=campaign,
                       limit=(limits or {}).get(network), thread=thread, created_at=created_at,
                       language=language)
                 for network in networks)


def _post(story: Story, network: str, link: Callable[[], str | None],
          outlets: Callable[[], frozenset[str]], *, campaign: str, limit: int | None,
          thread: bool, created_at: datetime | None, language: str | None) -> Post:
    rule = rule_of(network)
    limit = LIMITS[network] if limit is None else limit
    if limit <= 0:
        raise ValueError(f"limit must be positive, not {limit}")
    source_url = link()
    url = add_utm(source_url, network, campaign) if source_url else None
    tags = hashtags(story, rule.max_tags, outlets=outlets())
    prefix = "Update: " if story.is_update else ""

    def ok(text: str) -> bool:
        return is_valid(text, network, limit)

    body = body_for(story, network)
    if thread and rule.threadable:
        body = clean_text(story.summary_text, strip_markup=True) or body
    if not body and not url and not tags:
        raise PostError(f"story {story.id!r} has nothing to post")
    if not body:
        prefix = prefix.rstrip()
    pieces: list[tuple[str, tuple[Span, ...]]] = []
    error: PostError | None = None
    # A shorter link text (Bluesky) is preferred to a lead cut short, the whole headline to a
    # lead cut short, and a cut lead to no post.
    links = _link_choices(url, network)
    headline = clean_text(story.headline, strip_markup=True)
    attempts = [(body, link, False) for link in links]
    if headline and headline != body and not (thread and rule.threadable):
        attempts += [(headline, link, False) for link in links]
    attempts += [(body, link, True) for link in links]
    for said, link, cut in attempts:
        try:
            if thread and rule.threadable:
                pieces = _thread(prefix, said, link, tags, ok)
            else:
                pieces = [_single(prefix, said, link, tags, ok, allow_cut=cut)]
            break
        except PostError as exc:
            error = exc
    if not pieces:
        raise PostError(f"{network} post for story {story.id!r}: {error}")
    parts = tuple(text for text, _ in pieces)
    for part in parts:   # the guarantee, checked once more on exactly what is returned
        if not ok(part):
            raise PostError(f"{network} post for story {story.id!r} does not validate")
    payload = None
    if network == "bluesky":
        stamp = created_at or datetime.now(timezone.utc)
        records = [_bluesky_record(text, spans, stamp, language) for text, spans in pieces]
        payload = records[0] if len(records) == 1 else {"thread": records}
    elif network == "linkedin":
        payload = _linkedin_payload(*pieces[0])
    return Post(
        network=network,
        text=THREAD_SEPARATOR.join(parts),
        parts=parts,
        length=max(rule.count(part) for part in parts),
        limit=limit,
        payload=payload,
    )
