"""What the theme classifier sees of a comment: TF-IDF word and word-pair weights beside the comment's
static sentence embedding.

Measured on the NHS phase-1 labels (docs/comment-model.md): TF-IDF carries most of the signal on a
practice's own vocabulary, the embeddings add a little on top and let words never seen in training
("impolite" when training said "rude") count, so both are used, side by side. The vectoriser is stored as
its vocabulary and idf weights (model_store.py), not as a pickle, so loading a model runs no code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from careloop.feedback.embeddings import Embeddings, embed

# Word 1-2-grams, sublinear tf: the settings measured best in docs/comment-model.md (C = 4 logistic
# regression, 0.560 macro F1 alone). Accents are stripped so "telefono" typed on a phone without
# accents meets "teléfono".
NGRAM_RANGE = (1, 2)
# Three times the NHS phase-1 vocabulary (16,070 1-2-grams seen in two comments or more, all 10,334
# comments) so a larger practice's comments fit, while a model stays a few MB (50,000 x 11 labels x 4 bytes).
MAX_FEATURES = 50_000


@dataclass
class CommentFeatures:
    """Features of a batch of comments: a sparse TF-IDF matrix and a dense embedding matrix, row-aligned."""

    tfidf: sp.csr_matrix
    embeddings: Embeddings

    def stacked(self, embedding_weight: float) -> sp.csr_matrix:
        """One matrix for training a linear model on both kinds of features."""
        return sp.hstack([self.tfidf, sp.csr_matrix(self.embeddings * embedding_weight)], format="csr")


@dataclass
class TextFeatures:
    """A fitted TF-IDF vocabulary (with its idf weights) plus the embedding model."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    _vectoriser: TfidfVectorizer | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(cls, texts: Sequence[str], *, min_df: int = 2) -> TextFeatures:
        # A term seen in one comment only says nothing about a label; with very few comments (the
        # seed set, a practice's first labelled batch) every term counts.
        min_df = min_df if len(texts) >= 200 else 1
        vectoriser = new_vectoriser(min_df=min_df)
        vectoriser.fit(list(texts))
        vocabulary = {term: int(index) for term, index in vectoriser.vocabulary_.items()}
        return cls(vocabulary=vocabulary, idf=np.asarray(vectoriser.idf_, dtype=np.float64))

    def vectoriser(self) -> TfidfVectorizer:
        vectoriser = new_vectoriser(vocabulary=self.vocabulary)
        vectoriser.idf_ = self.idf
        return vectoriser

    @property
    def width(self) -> int:
        return len(self.vocabulary)

    def transform(self, texts: Sequence[str], embeddings: Embeddings | None = None) -> CommentFeatures:
        """Features for `texts`; pass `embeddings` when the caller already embedded them (the analysis
        embeds a batch once for themes, sentiment and touchpoints)."""
        if embeddings is None:
            embeddings = embed(list(texts))
        tfidf = self._cached_vectoriser().transform(list(texts)).tocsr()
        return CommentFeatures(tfidf=tfidf, embeddings=embeddings)

    def _cached_vectoriser(self) -> TfidfVectorizer:
        if self._vectoriser is None:
            self._vectoriser = self.vectoriser()
        return self._vectoriser


def new_vectoriser(*, min_df: int = 1, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        strip_accents="unicode",
        min_df=min_df,
        max_features=None if vocabulary is not None else MAX_FEATURES,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


NOT_WORD = re.compile(r"[^\w]+")


def normalised_text(text: str) -> str:
    """A comment as compared for duplicates: case, accents, punctuation and spacing ignored, so
    "Nothing." and "nothing" are one text and cannot sit in training and test at once."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return NOT_WORD.sub(" ", without_accents).strip()


def text_hashes(texts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """64-bit fingerprints of normalised texts (BLAKE2b), stored with a model so evaluation can leave
    out comments the model was trained on without keeping the comments themselves."""
    values = [
        int.from_bytes(hashlib.blake2b(normalised_text(text).encode(), digest_size=8).digest(), "little")
        for text in texts
    ]
    return np.asarray(sorted(set(values)), dtype=np.uint64)
