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
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode
from sklearn.preprocessing import normalize

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
    _counter: NgramCounter | None = field(default=None, repr=False, compare=False)

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
        return CommentFeatures(tfidf=self.tfidf(texts), embeddings=embeddings)

    def tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF rows of `texts`: the numbers scikit-learn's vectoriser gives (`reference_tfidf`),
        counted by `NgramCounter`."""
        if self._counter is None:
            self._counter = NgramCounter.for_vocabulary(self.vocabulary)
        return weighted(self._counter.counts(texts), self.idf)

    def reference_tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        """scikit-learn's TfidfVectorizer with this vocabulary: the definition `tfidf` must match."""
        if self._vectoriser is None:
            self._vectoriser = self.vectoriser()
        return sp.csr_matrix(self._vectoriser.transform(list(texts)))


def weighted(counts: sp.csr_matrix, idf: npt.NDArray[np.float64]) -> sp.csr_matrix:
    """Sublinear tf times idf, rows scaled to length 1, in the order and precision TfidfTransformer uses
    (so the numbers are the same to the last bit)."""
    np.log(counts.data, counts.data)
    counts.data += 1.0
    counts.data *= idf[counts.indices]
    return sp.csr_matrix(normalize(counts, norm="l2", copy=False))


# scikit-learn's default token pattern: runs of two or more word characters.
TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass
class NgramCounter:
    """Counts a fitted vocabulary's word 1-2-grams in texts, with numpy doing the pairing.

    scikit-learn builds every unigram and bigram of every comment as a Python string and looks each up
    (22 us a comment on the NHS data, the costliest part of the theme model). Here each token is looked
    up once, as a word id (-1 for a word in no vocabulary term); unigram columns are an array lookup, and
    bigrams are pairs of neighbouring ids within a comment, found by binary search among the vocabulary's
    bigrams encoded as one integer each. Tokens are made exactly as the vectoriser makes them (lower case,
    accents stripped by NFKD, TOKEN), so the counts are the same."""

    word_ids: dict[str, int]
    unigram_columns: npt.NDArray[np.int64]
    bigram_keys: npt.NDArray[np.int64]
    bigram_columns: npt.NDArray[np.int64]
    width: int

    @classmethod
    def for_vocabulary(cls, vocabulary: dict[str, int]) -> NgramCounter:
        word_ids: dict[str, int] = {}
        for term in vocabulary:
            for word in term.split(" "):
                word_ids.setdefault(word, len(word_ids))
        words = len(word_ids)
        unigram_columns = np.full(words, -1, dtype=np.int64)
        keys: list[int] = []
        columns: list[int] = []
        for term, column in vocabulary.items():
            parts = term.split(" ")
            if len(parts) == 1:
                unigram_columns[word_ids[term]] = column
            elif len(parts) == 2:
                keys.append(word_ids[parts[0]] * words + word_ids[parts[1]])
                columns.append(column)
            else:
                raise ValueError(f"vocabulary term {term!r} is not a word 1-2-gram")
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        return cls(word_ids=word_ids, unigram_columns=unigram_columns,
                   bigram_keys=np.asarray(keys, dtype=np.int64)[order],
                   bigram_columns=np.asarray(columns, dtype=np.int64)[order], width=len(vocabulary))

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """(texts x vocabulary) float32 counts, indices sorted, as CountVectorizer gives them."""
        get = self.word_ids.get
        tokens_per_text = [TOKEN.findall(strip_accents_unicode(text.lower())) for text in texts]
        ids = np.asarray([get(token, -1) for tokens in tokens_per_text for token in tokens], dtype=np.int64)
        lengths = np.fromiter((len(tokens) for tokens in tokens_per_text), dtype=np.int64, count=len(texts))
        row_of_token = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        known = ids >= 0
        unigram = np.full(len(ids), -1, dtype=np.int64)
        unigram[known] = self.unigram_columns[ids[known]]
        rows = [row_of_token[unigram >= 0]]
        columns = [unigram[unigram >= 0]]
        if len(ids) > 1 and len(self.bigram_keys):
            first, second = ids[:-1], ids[1:]
            same_text = row_of_token[:-1] == row_of_token[1:]
            pair = same_text & (first >= 0) & (second >= 0)
            keys = first[pair] * len(self.word_ids) + second[pair]
            found = np.searchsorted(self.bigram_keys, keys)
            found[found == len(self.bigram_keys)] = 0
            hit = self.bigram_keys[found] == keys
            rows.append(row_of_token[:-1][pair][hit])
            columns.append(self.bigram_columns[found[hit]])
        row = np.concatenate(rows)
        column = np.concatenate(columns)
        matrix = sp.csr_matrix((np.ones(len(row), dtype=np.float32), (row, column)), shape=(len(texts), self.width))
        matrix.sum_duplicates()
        return matrix


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
