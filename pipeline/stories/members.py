"""The group's text as the merge reads it: each member's title, sentences and lead, the group's
centroid of titles and leads, and the names it states."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pipeline.ingest.normalize import clean_title
from pipeline.model import Article
from pipeline.stories.tokens import tokens
from pipeline.stories.names import NameStats, contains, find_names, is_name
from pipeline.stories.sentences import ends_like_prose, split_sentences, unit

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

    @classmethod
    def of(cls, a: Article) -> Doc:
        host = urlsplit(a.url).hostname if a.url else None
        outlet = a.source or host or a.id
        body = a.text if a.text.strip() else (a.summary or "")
        sentences = [s for para in body.split("\n") for s in split_sentences(para.strip())]
        lead = [s for s in sentences if ends_like_prose(s)][:LEAD_SENTENCES]
        title = clean_title(a.title, outlet=a.source, url=a.url) or a.title.strip()
        return cls(a, outlet, title, sentences, lead, set(tokens(title)) | set(tokens(body)))

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
            vec = unit(Counter(set(tokens(d.title + " " + " ".join(d.lead)))))
            for t, w in vec.items():
                centroid[t] += w / len(docs)
        names, names_in = find_names(docs)
        return cls(docs, dict(centroid), names, names_in, sorted({d.outlet for d in docs}))

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

