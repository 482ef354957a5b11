"""How good a comment model is, measured honestly: on comments it was not trained on, with duplicate
texts never on both sides of a split.

Patient comments repeat ("Nothing", "All good", the same praise copied into several surveys); a duplicate
in both training and test makes a model look better than it will be on next month's comments. So texts
are compared after normalisation (features.normalised_text), each distinct text is kept once (with its
most frequent label set), and the folds are drawn over distinct texts.

Figures: per-label precision, recall, F1 and support; macro F1 (the mean over labels, every label counts
alike, the figure pxtextmining and docs/comment-model.md report) and micro F1 (over all label decisions);
and a confusion summary: for each label, the labels predicted instead when it was missed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from careloop.feedback.classifiers import LinearLabeller, train_labeller
from careloop.feedback.embeddings import Embeddings, embed
from careloop.feedback.features import TextFeatures, normalised_text, text_hashes
from careloop.feedback.model_store import CommentModel
from careloop.feedback.touchpoints import TouchpointRouter
from careloop.feedback.training import LabelledComments

DEFAULT_FOLDS = 5
SEED = 0
CONFUSIONS_SHOWN = 3


@dataclass
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    labels: list[LabelScore]
    macro_f1: float
    micro_f1: float
    comments: int
    # For each true label: {predicted-instead label: count} when the true label was missed.
    confusions: dict[str, dict[str, int]]
    method: str
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "comments": self.comments,
            "macro_f1": round(self.macro_f1, 4),
            "micro_f1": round(self.micro_f1, 4),
            "labels": {
                score.label: {"precision": round(score.precision, 4), "recall": round(score.recall, 4),
                              "f1": round(score.f1, 4), "support": score.support}
                for score in self.labels
            },
            "confusions": self.confusions,
            "notes": self.notes,
        }

    def as_text(self) -> str:
        width = max([len(score.label) for score in self.labels] + [5])
        lines = [f"{self.method}: {self.comments:,} comments", ""]
        lines.append(f"{'label':<{width}}  precision  recall     f1  support")
        for score in self.labels:
            lines.append(f"{score.label:<{width}}  {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:5.3f}  {score.support:7,}")
        lines += ["", f"macro F1 {self.macro_f1:.3f}   micro F1 {self.micro_f1:.3f}", "", "when a label was missed, the model said instead:"]
        for label, instead in self.confusions.items():
            if instead:
                shown = ", ".join(f"{other} ({count})" for other, count in instead.items())
                lines.append(f"  {label}: {shown}")
        lines += self.notes
        return "\n".join(lines)


def deduplicated(data: LabelledComments) -> tuple[LabelledComments, int]:
    """One row per distinct normalised text, labelled with its most frequent label set (ties: the
    first seen). Returns the data and how many rows were duplicates."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(data.texts):
        groups[normalised_text(text)].append(index)
    texts, label_sets = [], []
    for indices in groups.values():
        votes = Counter(tuple(sorted(data.label_sets[index])) for index in indices)
        best = max(votes.values())
        chosen = next(tuple(sorted(data.label_sets[i])) for i in indices if votes[tuple(sorted(data.label_sets[i]))] == best)
        texts.append(data.texts[indices[0]])
        label_sets.append(list(chosen))
    unique = LabelledComments(texts=texts, label_sets=label_sets, labels=list(data.labels), source=data.source)
    return unique, len(data.texts) - len(texts)


def stratification_keys(label_sets: Sequence[Sequence[str]]) -> list[str]:
    """Each comment's rarest label, so every label reaches every fold as far as its count allows."""
    counts = Counter(label for row in label_sets for label in row)
    return [min(row, key=lambda label: (counts[label], label)) for row in label_sets]


def fold_indices(label_sets: Sequence[Sequence[str]], folds: int, seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    keys = stratification_keys(label_sets)
    smallest = min(Counter(keys).values())
    if smallest < folds:
        # StratifiedKFold needs every key in every fold; rare keys are merged into one stratum.
        counts = Counter(keys)
        keys = [key if counts[key] >= folds else "(rare)" for key in keys]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(np.zeros(len(keys)), keys)]


def fit_labeller(texts: Sequence[str], label_sets: Sequence[Sequence[str]], labels: Sequence[str],
                 embeddings: Embeddings) -> tuple[TextFeatures, LinearLabeller]:
    features = TextFeatures.fit(texts)
    return features, train_labeller(features.transform(texts, embeddings), label_sets, labels)


def cross_validate(data: LabelledComments, *, folds: int = DEFAULT_FOLDS, seed: int = SEED) -> Evaluation:
    """De-duplicated stratified k-fold cross-validation; predictions of all folds pooled."""
    unique, duplicates = deduplicated(data)
    if len(unique.texts) < folds * 2:
        raise ValueError(f"{data.source}: {len(unique.texts)} distinct comments are too few for {folds}-fold evaluation.")
    embeddings = embed(unique.texts)
    predicted: list[list[str]] = [[] for _ in unique.texts]
    for train, test in fold_indices(unique.label_sets, folds, seed):
        train_texts = [unique.texts[i] for i in train]
        features, labeller = fit_labeller(train_texts, [unique.label_sets[i] for i in train], unique.labels, embeddings[train])
        test_texts = [unique.texts[i] for i in test]
        for index, labels in zip(test, labeller.predict(features.transform(test_texts, embeddings[test]))):
            predicted[index] = labels
    method = (f"{folds}-fold cross-validation over distinct texts ({duplicates:,} duplicate rows removed "
              f"of {len(data.texts):,})")
    return score_predictions(unique.label_sets, predicted, unique.labels, method)


def evaluate_model(model: CommentModel, data: LabelledComments) -> Evaluation:
    """A saved model on labelled comments, leaving out any text it was trained on."""
    unique, duplicates = deduplicated(data)
    seen = model.was_trained_on(np.asarray([text_hashes([text])[0] for text in unique.texts], dtype=np.uint64))
    keep = [index for index in range(len(unique.texts)) if not seen[index]]
    if not keep:
        raise ValueError(f"{data.source}: every comment was in model {model.name!r}'s training data: nothing left to test on.")
    texts = [unique.texts[index] for index in keep]
    truth = [unique.label_sets[index] for index in keep]
    predicted = model.themes.predict(model.features.transform(texts))
    labels = sorted(set(model.themes.labels) | set(unique.labels))
    method = f"model {model.name!r} on {data.source}"
    evaluation = score_predictions(truth, predicted, labels, method)
    evaluation.notes.append(
        f"{int(seen.sum()):,} comments the model was trained on and {duplicates:,} duplicate rows were left out."
    )
    unknown = sorted(set(unique.labels) - set(model.themes.labels))
    if unknown:
        evaluation.notes.append(f"Labels the model does not know (recall 0 by construction): {', '.join(unknown)}.")
    return evaluation


def score_predictions(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str],
                      method: str) -> Evaluation:
    scores: list[LabelScore] = []
    total_tp = total_fp = total_fn = 0
    confusions: dict[str, Counter[str]] = {label: Counter() for label in labels}
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted) if label in t and label in p)
        fp = sum(1 for t, p in zip(truth, predicted) if label not in t and label in p)
        fn = sum(1 for t, p in zip(truth, predicted) if label in t and label not in p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        scores.append(LabelScore(label, precision, recall, f1, tp + fn))
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
    for t, p in zip(truth, predicted):
        for label in t:
            if label not in p and label in confusions:
                confusions[label].update(other for other in p if other not in t)
    # Macro F1 over the labels present in the truth: a label nobody has in the test set has no F1.
    present = [score for score in scores if score.support > 0]
    macro = float(np.mean([score.f1 for score in present])) if present else 0.0
    denominator = 2 * total_tp + total_fp + total_fn
    micro = 2 * total_tp / denominator if denominator else 0.0
    summary = {label: dict(counter.most_common(CONFUSIONS_SHOWN)) for label, counter in confusions.items()}
    return Evaluation(labels=scores, macro_f1=macro, micro_f1=micro, comments=len(truth), confusions=summary, method=method)


def evaluate_touchpoints(router: TouchpointRouter, texts: Sequence[str], truth: Sequence[Sequence[str]],
                         method: str) -> Evaluation:
    """Touchpoint routing against hand labels (a list of touchpoint keys per comment, empty for none):
    per-touchpoint precision, recall and F1, macro and micro F1, and a note on the comments about no
    touchpoint, which count only through the false positives they draw."""
    predicted = router.route(texts, embed(list(texts)))
    evaluation = score_predictions(truth, predicted, router.keys, method)
    about_none = [index for index, labels in enumerate(truth) if not labels]
    if about_none:
        left_alone = sum(1 for index in about_none if not predicted[index])
        evaluation.notes.append(f"Comments about no touchpoint given none: {left_alone} of {len(about_none)}.")
    return evaluation
