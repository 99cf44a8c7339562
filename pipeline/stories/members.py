"""The group's text as the merge reads it: each member's title, sentences and lead, the group's
centroid of titles and leads, and the names it states."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

from pipeline.ingest.normalize import clean_title
from pipeline.model import Article
from pipeline.stories.tokens import tokens
from pipeline.stories.names import NameStats, contains, find_names, is_name
from pipeline.stories.sentences import ends_like_prose, norm, split_sentences, unit
from pipeline.stories.tidy import rebuilt, tidy

# The lead: the first prose sentences of an article, where news copy says what happened.
LEAD_SENTENCES = 5


@dataclass
class Doc:
    article: Article
    outlet: str                 # the outlet, else the url's host, else the article id
    title: str                  # site suffix removed
    sentences: list[str]        # every sentence of the text, in order, verbatim
    lead: list[str]             # the first LEAD_SENTENCES prose sentences
    vocab: set[str] = field(default_factory=set)   # stemmed content tokens of title and text
    profile: list[str] = field(default_factory=list)  # the tokens of its title and lead

    @classmethod
    def of(cls, a: Article) -> Doc:
        host = urlsplit(a.url).hostname if a.url else None
        outlet = a.source or host or a.id
        body = a.text if a.text.strip() else (a.summary or "")
        # Text rebuilt from tokens is repaired as it is read ("4. 6 - magnitude"): every choice
        # below quotes what a reader will see.
        joined = rebuilt(body)
        title = tidy(clean_title(a.title, outlet=a.source, url=a.url) or a.title.strip(), joined)
        sentences: list[str] = []
        vocab = set(tokens(title))
        for para in body.split("\n"):
            # No token spans a line break: the body's tokens are those of its paragraphs, and
            # copies of one article repeat paragraphs.
            para_sentences, para_vocab = _paragraph(tidy(para, joined))
            sentences += para_sentences
            vocab |= para_vocab
        lead = [s for s in sentences if ends_like_prose(s)][:LEAD_SENTENCES]
        return cls(a, outlet, title, sentences, lead, vocab, tokens(title + " " + " ".join(lead)))

    @property
    def body(self) -> str:
        return "\n".join(self.sentences)


@dataclass
class DocGroup:
    docs: list[Doc]
    centroid: dict[str, float]
    names: dict[tuple[str, ...], NameStats]   # every name and name part found, by key
    names_in: dict[str, set[tuple[str, ...]]]   # sentence -> the name keys it holds
    outlets: list[str]
    _ranked: dict[tuple[str, int], list] = field(default_factory=dict)

    @classmethod
    def of(cls, docs: list[Doc]) -> DocGroup:
        centroid: Counter[str] = Counter()
        for d in docs:
            # Each article votes once per word: the centroid weighs agreement, not repetition.
            # Its words in the order they come (a set's order changes with the process's string
            # hashing, and the centroid's norm and dot products sum its floats in that order).
            vec = unit(Counter(dict.fromkeys(d.profile, 1)))
            for t, w in vec.items():
                centroid[t] += w / len(docs)
        names, names_in = find_names(docs)
        return cls(docs, dict(centroid), names, names_in, sorted({d.outlet for d in docs}))

    @cached_property
    def centroid_norm(self) -> float:
        return norm(self.centroid)

    def ranked_names(self, by: str, need: int) -> list[tuple[tuple[str, ...], set[str]]]:
        """Names with at least `need` supporters (by "articles" or "outlets"), most supported
        first. A part found inside one longer such name only ("Schett" in "Georg Schett"), with at
        least a third of its support, is folded into it: the full form is shown, credited with the
        part's supporters too."""
        if (by, need) in self._ranked:
            return self._ranked[(by, need)]
        support = {k: set(getattr(s, by)) for k, s in self.names.items()
                   if len(getattr(s, by)) >= need and is_name(k)}
        # The longer names holding each part, found once (not by testing every pair of names).
        holding: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for o in support:
            for part in dict.fromkeys(o[i:j] for i in range(len(o))
                                      for j in range(i + 1, len(o) + 1) if j - i < len(o)):
                holding[part].append(o)
        for k in sorted(support, key=lambda k: (len(k), k)):
            # Only into a name that is itself common: "Chiquita" stays itself beside a few
            # "Chiquita-Fyffes".
            containers = [o for o in holding.get(k, ()) if o in support
                          and 3 * len(support[o]) >= len(support[k])]
            if containers:
                longest = max(containers, key=lambda o: (len(o), o))
                if all(contains(longest, o) for o in containers):
                    support[longest] |= support.pop(k)
        ranked = sorted(support.items(), key=lambda kv: (-len(kv[1]), -self.names[kv[0]].mentions,
                                                         self.names[kv[0]].display(), kv[0]))
        self._ranked[(by, need)] = ranked
        return ranked

    def shared_names(self) -> list[tuple[str, ...]]:
        """Names supported by two articles (one, for a one-article story)."""
        return [k for k, _ in self.ranked_names("articles", min(2, len(self.docs)))]


# Paragraphs whose sentences and tokens are remembered: the copies of one article a story
# holds repeat most of them (300-feed bench: 80k paragraphs read, 30k distinct).
# Each of the four caches of the merge (paragraphs, keyword texts, sentence quality, quantities)
# keeps 8,192 entries: on the 300-feed bench as many hits as 65,536 (e.g. quantities 22.2k
# misses vs 20.5k) for +17 MB of a process's peak (65,536: +81 MB); 4,096 missed 26k.
PARAGRAPHS_CACHED = 1 << 13


@lru_cache(maxsize=PARAGRAPHS_CACHED)
def _paragraph(para: str) -> tuple[tuple[str, ...], frozenset[str]]:
    return tuple(split_sentences(para.strip())), frozenset(tokens(para))
