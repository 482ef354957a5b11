"""Linear label classifiers over comment features, trained with scikit-learn and kept as plain arrays.

One weight row per label over [TF-IDF | embeddings]. Two modes, chosen from the training data:

- single-label (every training comment has exactly one label, like the NHS phase-1 `label` column):
  a comment gets the label with the highest score;
- multi-label (some comments have several): a comment gets every label whose score reaches the label's
  threshold (a score of 0, the SVM's margin, by default), and at least its best label.

The weights come from a linear SVM (scikit-learn's LinearSVC, one-vs-rest, C = 0.3, balanced class
weights). On the first two de-duplicated NHS folds over the same features (docs/comment-model.md) it
scored macro F1 0.5725 in 4.8 s per fit, against 0.5689 in 47 s for the logistic regression (C = 4) measured
best earlier, and 0.5649 / 0.5675 for C = 0.1 / 1. Balanced weights because labels are very uneven (3,121
comments for one NHS category, 142 for another) and macro F1 weighs every label alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.svm import LinearSVC

from careloop.feedback.features import CommentFeatures

C = 0.3
# Embeddings are unit vectors beside an L2-normalised TF-IDF row, so both kinds of feature start on one
# scale; the weight was not tuned (the SVM scales each column's coefficient itself; only the
# regularisation sees the weight).
EMBEDDING_WEIGHT = 1.0
MAX_ITERATIONS = 5000
DEFAULT_THRESHOLD = 0.0

FloatArray = npt.NDArray[np.float32]


@dataclass
class LinearLabeller:
    labels: list[str]
    # (n_labels, n_tfidf + n_embedding_dims)
    coefficients: FloatArray
    intercepts: FloatArray
    thresholds: FloatArray
    single_label: bool
    tfidf_width: int
    embedding_weight: float = EMBEDDING_WEIGHT

    def scores(self, features: CommentFeatures) -> FloatArray:
        """Raw linear scores, one column per label. The sparse and dense parts are multiplied apart so
        prediction never builds the stacked matrix."""
        tfidf_part = features.tfidf @ self.coefficients[:, : self.tfidf_width].T
        embedding_part = (features.embeddings * self.embedding_weight) @ self.coefficients[:, self.tfidf_width :].T
        return np.asarray(tfidf_part + embedding_part + self.intercepts, dtype=np.float32)

    def predict(self, features: CommentFeatures) -> list[list[str]]:
        if not self.labels:
            return [[] for _ in range(features.embeddings.shape[0])]
        scores = self.scores(features)
        best = scores.argmax(axis=1)
        if self.single_label:
            return [[self.labels[index]] for index in best]
        chosen = scores >= self.thresholds
        chosen[np.arange(len(best)), best] = True
        return [[self.labels[index] for index in np.flatnonzero(row)] for row in chosen]


def train_labeller(features: CommentFeatures, label_sets: Sequence[Sequence[str]], labels: Sequence[str], *,
                   multi_label: bool = False) -> LinearLabeller:
    """Fit the labeller; `labels` fixes the order (and may include labels no comment has, which then
    never win). Single-label mode when every comment has one label, unless `multi_label` forces
    one-vs-rest (the default model: its seed comments have one theme each, real comments often more)."""
    stacked = features.stacked(EMBEDDING_WEIGHT)
    width = stacked.shape[1]
    single = not multi_label and all(len(set(row)) == 1 for row in label_sets)
    index = {label: position for position, label in enumerate(labels)}
    coefficients = np.zeros((len(labels), width), dtype=np.float32)
    # A label nobody has can never be predicted: a very low intercept says so.
    intercepts = np.full(len(labels), -30.0, dtype=np.float32)
    if single:
        targets = np.asarray([index[row[0]] for row in label_sets])
        present = sorted(set(targets.tolist()))
        if len(present) == 1:
            intercepts[present[0]] = 30.0
        else:
            model = new_svm()
            model.fit(stacked, targets)
            for row, label_index in enumerate(model.classes_):
                if len(present) == 2:
                    # scikit-learn keeps one row for two classes: the second class's log-odds.
                    sign = 1.0 if row == 1 else -1.0
                    coefficients[label_index] = sign * model.coef_[0] / 2
                    intercepts[label_index] = sign * model.intercept_[0] / 2
                else:
                    coefficients[label_index] = model.coef_[row]
                    intercepts[label_index] = model.intercept_[row]
    else:
        for label, position in index.items():
            targets = np.asarray([label in row for row in label_sets], dtype=np.int8)
            if targets.sum() == 0:
                continue
            if targets.sum() == len(targets):
                intercepts[position] = 30.0
                continue
            model = new_svm()
            model.fit(stacked, targets)
            coefficients[position] = model.coef_[0]
            intercepts[position] = model.intercept_[0]
    return LinearLabeller(
        labels=list(labels),
        coefficients=coefficients,
        intercepts=intercepts,
        thresholds=np.full(len(labels), DEFAULT_THRESHOLD, dtype=np.float32),
        single_label=single,
        tfidf_width=features.tfidf.shape[1],
    )


def new_svm() -> LinearSVC:
    # random_state pins liblinear's coordinate order, so the same data gives the same model.
    return LinearSVC(C=C, class_weight="balanced", max_iter=MAX_ITERATIONS, random_state=0)
