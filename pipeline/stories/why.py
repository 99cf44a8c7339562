"""Why an article joined its story, in words: its best match among the story's members by the
join model, what the two share and how the model scored them ("titles 0.62; text 0.41; both
name Samsung, 110tn won"; the time between them is added where it is shown)."""
from __future__ import annotations

import numpy as np

from pipeline.stories.features import SHARED_SHOWN, Weighted
from pipeline.stories.joiner import load_model
from pipeline.stories.neighbours import NOT_LISTED
from pipeline.stories.pairs import FEATURES, pair_features

_COL = {name: k for k, name in enumerate(FEATURES)}
MAX_COMPARED = 64   # members a row without a scored pair in its story is compared with


def shared_keys(keys: list[tuple[str, ...]], r: int, o: int) -> tuple[str, ...]:
    """Names both articles mention (most specific first), then numbers they share."""
    theirs = set(keys[o])
    shared = tuple(k for k in keys[r] if k in theirs and not k.startswith("#"))
    shared += tuple(k.lstrip("#") for k in keys[r] if k in theirs and k.startswith("#"))
    return shared[:SHARED_SHOWN]


def evidence(x: np.ndarray, names: tuple[str, ...]) -> tuple[str, ...]:
    """The main evidence of one scored pair, as short phrases (the time between the two is
    added where it is shown: the records hold both dates)."""
    titles = max(float(x[_COL["title_words"]]), float(x[_COL["title_chars"]]))
    out = [f"titles {titles:.2f}", f"text {float(x[_COL['words']]):.2f}"]
    if names:
        out.append("both name " + ", ".join(names))
    if x[_COL["title_numbers_conflict"]]:
        out.append("their titles give different numbers")
    return tuple(out)


def best_matches(cands, label: np.ndarray) -> dict[int, tuple[float, int, int]]:
    """For every row with a scored pair inside its own story: (probability, the other row, the
    pair's index) of its best such pair; ties go to the lower row. One pass over the pairs."""
    best: dict[int, tuple[float, int, int]] = {}
    if cands is None:
        return best
    k = np.arange(len(cands.a))
    for a, b in ((cands.a, cands.b), (cands.b, cands.a)):
        same = label[a] == label[b]
        for r, o, kk in zip(a[same].tolist(), b[same].tolist(), k[same].tolist()):
            p = float(cands.p[kk])
            if r not in best or (p, -o) > (best[r][0], -best[r][1]):
                best[r] = (p, o, kk)
    return best


def explain(w: Weighted, keys: list[tuple[str, ...]], rows: np.ndarray, others: np.ndarray,
            cands, best: dict[int, tuple[float, int, int]]
            ) -> list[tuple[int, float, tuple[str, ...], tuple[str, ...]]]:
    """For each of `rows`: the member of `others` (its story) it matches best, the model's
    probability for that pair, the names they share and the evidence in words. `cands` are the
    scored candidate pairs, `best` their best_matches."""
    out = []
    model = None
    for r in rows.tolist():
        if r in best:
            p, o, kk = best[r]
            x = cands.x[kk]
        else:
            pool = others[others != r][:MAX_COMPARED]
            if not len(pool):
                out.append((-1, 0.0, (), ()))
                continue
            model = model or load_model()
            far = np.full(len(pool), NOT_LISTED)
            xs = pair_features(w, np.full(len(pool), r), pool, np.zeros(len(w.ts)), far, far)
            ps = model.probability(xs)
            k = int(np.argmax(ps))
            p, o, x = float(ps[k]), int(pool[k]), xs[k]
        names = shared_keys(keys, r, o)
        out.append((o, round(p, 3), names, evidence(x, names)))
    return out
