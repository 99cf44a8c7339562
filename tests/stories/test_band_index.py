"""The array LSH of near-duplicate bodies finds exactly what datasketch's MinHashLSH finds for
the same threshold, and a stored index answers the same after a round trip."""
import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipeline.stories.duplicates import BAND_ROWS, BANDS, NEAR_DUP_JACCARD, BandIndex
from pipeline.stories.features import NUM_PERM, _TEMPLATE

SCHEME = _TEMPLATE.scheme


def _signature(words: list[str]) -> np.ndarray:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([w.encode() for w in words])
    return np.asarray(m.hashvalues)


def test_bands_are_those_datasketch_chooses_for_the_threshold():
    lsh = MinHashLSH(threshold=NEAR_DUP_JACCARD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, BAND_ROWS)


def test_candidates_match_datasketch_on_near_and_far_copies():
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(5000)]
    bodies = []
    for _ in range(150):
        base = list(rng.choice(vocab, size=120, replace=False))
        bodies.append(base)
        for keep in (0.95, 0.85, 0.6):          # near copies and a loose one
            cut = int(len(base) * keep)
            bodies.append(base[:cut] + list(rng.choice(vocab, size=len(base) - cut)))
    sigs = [_signature(b) for b in bodies]
    half = len(sigs) // 2
    ours = BandIndex(np.array(sigs[:half]))             # built from stored rows ...
    for r in range(half, len(sigs)):                     # ... then added to, as a run does
        ours.add(r, sigs[r])
    theirs = MinHashLSH(threshold=NEAR_DUP_JACCARD, num_perm=NUM_PERM)
    for r, s in enumerate(sigs):
        theirs.insert(r, LeanMinHash(seed=1, hashvalues=s, scheme=SCHEME))
    hits = 0
    for r, s in enumerate(sigs):
        expected = set(theirs.query(LeanMinHash(seed=1, hashvalues=s, scheme=SCHEME)))
        assert ours.query(s, sigs) == expected
        hits += len(expected) > 1
    assert hits > 100                                    # the copies were found, not only selves
