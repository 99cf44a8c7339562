"""A story's lead image: the picture of its most representative member that has one.

The member whose title became the headline comes first (the story is told as that article tells
it, so its picture fits the headline), then the members closest to the group's centroid of
titles and leads, then the rest in source order. A pure function of the group, like the rest of
the merge.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipeline.model import Article, Image
from pipeline.stories.members import DocGroup
from pipeline.stories.sentences import cosine, unit


def choose_image(ordered: Sequence[Article], group: DocGroup, headline_article: str | None) -> Image | None:
    """The lead image of the first member that has one, most representative first."""
    with_image = [a for a in ordered if a.image]
    if not with_image:
        return None
    central = {d.article.id: cosine(unit(Counter(dict.fromkeys(d.profile, 1))), group.centroid,
                                    group.centroid_norm)
               for d in group.docs if d.article.image}
    rank = {a.id: n for n, a in enumerate(ordered)}      # source order breaks ties
    best = min(with_image, key=lambda a: (a.id != headline_article, -central.get(a.id, -1.0),
                                          rank[a.id]))
    return best.lead_image
