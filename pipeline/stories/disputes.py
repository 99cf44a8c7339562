"""The same measure given differently: each outlet's latest article a claimant."""
from __future__ import annotations

from collections import defaultdict

from pipeline.stories.tokens import stem
from pipeline.stories.members import DocGroup
from pipeline.stories.quantities import TIME_STEMS, Quantity, best_noun, quantities

# Different claims further apart than this factor are about different things. Counts that
# outlets really disagree on (casualties, crowds) are within it; on the ECB+ dev stories the
# pairs further apart were different referents (2 boats vs 100 vessels, 54 vs 157 games).
DISPUTE_MAX_RATIO = 3
# Ages a few years apart are one person's age reported differently; further apart (36 vs 66,
# 57 vs 86 on ECB+ dev) they are two people.
DISPUTE_MAX_YEARS = 10

# Tolls that rise as a day goes on (1, 5, 11, 24 dead) are one measure however far apart.
_NO_RATIO_LIMIT = frozenset({"deaths", "injured", stem("missing")})


def disputes(group: DocGroup) -> list[str]:
    """The same measure given differently. Each article is a claimant, an outlet's latest
    article only (its earlier ones are superseded); an article claims a value when it states
    exactly one for that noun in its whole text, and states it in its title or lead. Two or more
    different unhedged claims, two of them made beside one same name, within a factor of
    DISPUTE_MAX_RATIO (any factor for tolls) and DISPUTE_MAX_YEARS for ages, are a dispute,
    shown lowest first with what was measured and the hedges as written:
    "deaths: 1 (A) / at least 5 (B) / 24 (C, D)". A hedged claim ("less than 30") is shown
    beside them but never makes a dispute by itself."""
    latest: dict[str, object] = {}
    for d in group.docs:       # source order: earliest first, so the last one seen is the latest
        latest[d.outlet] = d
    claims: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    beside: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    samples: dict[tuple[str, str], Quantity] = {}
    nouns: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for outlet, d in sorted(latest.items()):
        lead = set(d.lead) | {d.title}
        found: dict[str, dict[str, Quantity]] = defaultdict(dict)
        led: dict[str, set] = defaultdict(set)       # key -> names beside it in title or lead
        for s in dict.fromkeys([d.title, *d.sentences]):
            for q in quantities(s):
                found[q.key].setdefault(q.value, q)
                if s in lead:
                    led[q.key].add(("",))
                    led[q.key] |= group.names_in.get(s, set())
        for key, by_value in found.items():
            if key in TIME_STEMS or len(by_value) != 1 or not led[key]:
                continue
            q = next(iter(by_value.values()))
            claims[key][q.claim].append(outlet)
            beside[key][q.claim] |= led[key] - {("",)}
            samples[(key, q.claim)] = q
            nouns[key].add((outlet, q.noun))
    out = []
    for key in sorted(claims):
        made = claims[key]
        exact = [c for c in made if not samples[(key, c)].hedge]
        if len(exact) < 2 or not any(beside[key][a] & beside[key][b] for a in exact for b in exact if a < b):
            continue
        ends = [samples[(key, c)] for c in exact]
        top, bottom = max(q.high for q in ends), min(q.low for q in ends)
        if key not in _NO_RATIO_LIMIT and top > DISPUTE_MAX_RATIO * bottom:
            continue
        if key == "aged" and top - bottom > DISPUTE_MAX_YEARS:
            continue
        label = "aged" if key == "aged" else best_noun(nouns[key])
        ordered = sorted(made, key=lambda c: (samples[(key, c)].low, samples[(key, c)].high, c))
        out.append(f"{label}: " + " / ".join(f"{c} ({', '.join(made[c])})" for c in ordered))
    return out
