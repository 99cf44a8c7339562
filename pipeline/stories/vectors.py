"""Hashed term vectors: terms are hashed into a fixed space so that no vocabulary has to be
fitted (vectors made in different runs line up, and document frequencies can be added up as
articles arrive); TF-IDF rows of unit length over them."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

N_FEATURES = 1 << 20
IDF_MIN_DOCS = 1000   # about a day of a few dozen feeds; the bench sets hold 745 to 3,183 articles


def hashed(docs: Sequence[Mapping[str, float]]) -> sp.csr_matrix:
    """One row of raw term weights per document (murmurhash3, the same on every machine)."""
    if not docs:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    # Imported here: reading bodies in a worker (read_bodies) needs nothing of sklearn.
    from sklearn.feature_extraction import FeatureHasher
    hasher = FeatureHasher(N_FEATURES, input_type="dict", alternate_sign=False, dtype=np.float32)
    m = hasher.transform(docs).tocsr()
    m.sum_duplicates()
    return m


def l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ m)


class TermStats:
    """Document frequencies over the hashed space, kept up to date as articles arrive."""

    def __init__(self, n_docs: int = 0, df: np.ndarray | None = None):
        self.n_docs = n_docs
        self.df = df if df is not None else np.zeros(N_FEATURES, dtype=np.int32)

    def add(self, counts: sp.csr_matrix) -> None:
        self.n_docs += counts.shape[0]
        self.df += np.bincount(counts.indices, minlength=N_FEATURES).astype(np.int32)

    def remove(self, counts: sp.csr_matrix) -> None:
        self.n_docs -= counts.shape[0]
        self.df -= np.bincount(counts.indices, minlength=N_FEATURES).astype(np.int32)

    def idf(self) -> np.ndarray:
        """Smoothed IDF, counted as if there were at least IDF_MIN_DOCS documents: in a run of a
        handful of articles about one event, its own words are in every one of them, and a
        plain IDF would weigh them as if they were "the" and "said"."""
        n = max(self.n_docs, IDF_MIN_DOCS)
        return (np.log((n + 1) / (self.df + 1.0)) + 1.0).astype(np.float32)

    def weigh(self, counts: sp.csr_matrix, sublinear: bool = True) -> sp.csr_matrix:
        """TF-IDF rows of unit length (sublinear tf: a name said ten times is not ten names)."""
        m = counts.copy().astype(np.float32)
        if sublinear:
            m.data = 1.0 + np.log(np.maximum(m.data, 1e-6))
            m.data[m.data < 0] = 0
        m.data *= self.idf()[m.indices]
        return l2_rows(m)


