"""The store around ingest: what it knew about the sources is read before (`recall`), what the
run learnt is written after (`remember`), so that reading the sources never touches the store.

recall:   store + SourcePlan -> SourceMemory (validators, fingerprints, health, stored ids)
remember: store + IngestResult -> IngestResult (health written in one transaction; articles
          saved, and an undated article keeps the date it was first seen)
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pipeline.ingest.records import IngestResult, SourceMemory

if TYPE_CHECKING:                         # the store is only ever passed in, by the run
    from datetime import datetime

    from pipeline.ingest.plan import SourcePlan
    from pipeline.store import Store

__all__ = ["SourceMemory", "recall", "remember"]


def recall(store: "Store | None", plan: "SourcePlan", *, load: bool = False) -> SourceMemory:
    """What the store knows of the plan's sources (nothing without a store). With `load`, the
    stored articles too, for sources that turn out unchanged or failing."""
    if store is None:
        return SourceMemory(loaded=load)
    states = store.feed_states(plan.keys)
    if not load:
        return SourceMemory(states)
    wanted = {k: s.article_ids for k, s in states.items() if s.ids}
    found = {a.id: a for a in store.articles([i for ids in wanted.values() for i in ids])}
    stored = {k: tuple(found[i] for i in ids if i in found) for k, ids in wanted.items()}
    return SourceMemory(states, stored, loaded=True)


def remember(store: "Store | None", result: IngestResult, *, now: "datetime") -> IngestResult:
    """Write what ingest learnt: every source's health and validators in one transaction, and
    the articles; returns the result with each undated article dated when first seen."""
    if store is None:
        return result
    store.record_fetches(result.updates)
    if not result.articles:
        return result
    first = store.save_articles(result.articles, now=now)
    articles = tuple(replace(a, published=first[a.id]) if a.published_guessed and a.id in first else a
                     for a in result.articles)
    return replace(result, articles=articles)
