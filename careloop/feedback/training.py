"""Training comment models: from a practice's labelled CSV, from the seed set (the shipped default), and
from the label corrections people made in the explorer.

CSV layout (docs/comment-analysis.md): one text column, and either one label column (`--label-column`,
labels separated by ';' because real label names contain commas and ampersands) or, without it, every
other column a 0/1 label. Problems are reported with the file, the line and the column: a missing text
column or label column, a label value that is not 0/1, a label column nobody has (empty) or everybody has
(constant), a label with too few examples to learn from.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from careloop.feedback.classifiers import train_labeller
from careloop.feedback.embeddings import embed
from careloop.feedback.features import TextFeatures, text_hashes
from careloop.feedback.model_store import CommentModel
from careloop.feedback.sentiment import SentimentModel, train_sentiment
from careloop.feedback.themes import THEME_KEYS, theme_key
from careloop.feedback.touchpoints import read_seed

LABEL_SEPARATOR = ";"
# Below this many comments a label's classifier learns the examples, not the label; the NHS phase-1
# data's rarest category has 142. Labels under the minimum get a warning, labels with one comment are
# left out (nothing to learn from, and no way to test them).
MIN_EXAMPLES_PER_LABEL = 5
TRUE_VALUES = frozenset({"1", "1.0", "true", "yes", "y"})
FALSE_VALUES = frozenset({"0", "0.0", "false", "no", "n", ""})


class TrainingDataError(ValueError):
    """A CSV that cannot be used, with one sentence naming the file, line and column."""


@dataclass
class LabelledComments:
    texts: list[str]
    label_sets: list[list[str]]
    labels: list[str]
    source: str
    warnings: list[str] = field(default_factory=list)
    # Line numbers in the file (1 = header) of each kept row, for messages.
    lines: list[int] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(label for row in self.label_sets for label in row)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise TrainingDataError(f"{path}: no such file.")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip() for name in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "") for k, v in row.items() if k is not None} for row in reader]
    except UnicodeDecodeError as error:
        raise TrainingDataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8 CSV.") from None
    except csv.Error as error:
        raise TrainingDataError(f"{path}: not a readable CSV ({error}).") from None
    if not columns:
        raise TrainingDataError(f"{path}: the file is empty (no header row).")
    return columns, rows


def read_texts(path: Path, text_column: str) -> tuple[list[str], list[int]]:
    """The non-empty texts of a CSV's text column with their line numbers (for classify)."""
    columns, rows = read_rows(path)
    require_column(path, columns, text_column, "text")
    texts, lines = [], []
    for number, row in enumerate(rows, start=2):
        text = row.get(text_column, "").strip()
        if text:
            texts.append(text)
            lines.append(number)
    return texts, lines


def require_column(path: Path, columns: Sequence[str], column: str, role: str) -> None:
    if column not in columns:
        raise TrainingDataError(
            f"{path}: no {role} column {column!r} (the header has: {', '.join(columns)})."
        )


def read_labelled_csv(path: Path, text_column: str, label_column: str | None = None, *,
                      for_training: bool = True) -> LabelledComments:
    """The labelled comments of a CSV. `for_training` checks there is something to learn (labels with
    enough examples, two labels at least); a test set for a saved model needs neither."""
    columns, rows = read_rows(path)
    require_column(path, columns, text_column, "text")
    if label_column is not None:
        require_column(path, columns, label_column, "label")
        data = _from_label_column(path, rows, text_column, label_column)
    else:
        data = _from_indicator_columns(path, columns, rows, text_column)
    return checked_label_counts(data) if for_training else data


def _from_label_column(path: Path, rows: list[dict[str, str]], text_column: str, label_column: str) -> LabelledComments:
    data = LabelledComments(texts=[], label_sets=[], labels=[], source=str(path))
    unlabelled: list[int] = []
    blank_texts = 0
    for number, row in enumerate(rows, start=2):
        text = row.get(text_column, "").strip()
        labels = unique_labels(row.get(label_column, "").split(LABEL_SEPARATOR))
        if not text:
            blank_texts += 1
            continue
        if not labels:
            unlabelled.append(number)
            continue
        data.texts.append(text)
        data.label_sets.append(labels)
        data.lines.append(number)
    if not data.texts:
        raise TrainingDataError(f"{path}: label column {label_column!r} is empty: no row has both a text and a label.")
    if blank_texts:
        data.warnings.append(f"{path}: {blank_texts} rows with an empty {text_column!r} were skipped.")
    if unlabelled:
        data.warnings.append(
            f"{path}: {len(unlabelled)} rows with no label in {label_column!r} were skipped (first at line {unlabelled[0]})."
        )
    data.labels = sorted(data.counts())
    if len(data.labels) == 1:
        raise TrainingDataError(
            f"{path}: label column {label_column!r} is constant (every row is {data.labels[0]!r}): nothing to tell apart."
        )
    return data


def unique_labels(parts: Sequence[str]) -> list[str]:
    labels: dict[str, None] = {}
    for part in parts:
        if part.strip():
            labels.setdefault(part.strip(), None)
    return list(labels)


def _from_indicator_columns(path: Path, columns: list[str], rows: list[dict[str, str]], text_column: str) -> LabelledComments:
    label_columns = [column for column in columns if column != text_column and column]
    if not label_columns:
        raise TrainingDataError(
            f"{path}: no label columns: give --label-column, or add one 0/1 column per label beside {text_column!r}."
        )
    data = LabelledComments(texts=[], label_sets=[], labels=[], source=str(path))
    counts = Counter[str]()
    kept_rows: list[tuple[int, str, list[str]]] = []
    for number, row in enumerate(rows, start=2):
        text = row.get(text_column, "").strip()
        if not text:
            continue
        labels = []
        for column in label_columns:
            value = row.get(column, "").strip().lower()
            if value in TRUE_VALUES:
                labels.append(column)
            elif value not in FALSE_VALUES:
                raise TrainingDataError(
                    f"{path}, line {number}, column {column!r}: {row.get(column)!r} is not 0 or 1 "
                    "(without --label-column every column but the text is a 0/1 label)."
                )
        counts.update(labels)
        kept_rows.append((number, text, labels))
    usable = []
    for column in label_columns:
        if counts[column] == 0:
            data.warnings.append(f"{path}: label column {column!r} is empty (no row has it); left out.")
        elif counts[column] == len(kept_rows):
            data.warnings.append(f"{path}: label column {column!r} is constant (every row has it); left out.")
        else:
            usable.append(column)
    if not usable:
        raise TrainingDataError(f"{path}: no label column has both 0s and 1s: nothing to learn.")
    unlabelled = 0
    for number, text, labels in kept_rows:
        labels = [label for label in labels if label in usable]
        if not labels:
            unlabelled += 1
            continue
        data.texts.append(text)
        data.label_sets.append(labels)
        data.lines.append(number)
    if unlabelled:
        data.warnings.append(f"{path}: {unlabelled} rows with no label set to 1 were skipped.")
    data.labels = usable
    return data


def checked_label_counts(data: LabelledComments) -> LabelledComments:
    """Warn about labels with few examples; leave out those with one (module constants)."""
    counts = data.counts()
    too_few = [label for label in data.labels if counts[label] < 2]
    for label in data.labels:
        if counts[label] < 2:
            data.warnings.append(f"{data.source}: label {label!r} has {counts[label]} example; left out (at least 2 needed).")
        elif counts[label] < MIN_EXAMPLES_PER_LABEL:
            data.warnings.append(
                f"{data.source}: label {label!r} has only {counts[label]} examples; at least "
                f"{MIN_EXAMPLES_PER_LABEL} are needed to learn it reliably."
            )
    if too_few:
        keep_labels = [label for label in data.labels if label not in too_few]
        kept = [(t, [x for x in s if x not in too_few], n) for t, s, n in zip(data.texts, data.label_sets, data.lines)]
        kept = [row for row in kept if row[1]]
        data.texts = [row[0] for row in kept]
        data.label_sets = [row[1] for row in kept]
        data.lines = [row[2] for row in kept]
        data.labels = keep_labels
    if len(data.labels) < 2:
        raise TrainingDataError(f"{data.source}: fewer than two labels with enough examples: nothing to tell apart.")
    return data


def as_theme_keys(data: LabelledComments) -> LabelledComments:
    """The same data with labels written as theme keys; an error naming any label outside the framework
    (the analysis's default model must answer in themes)."""
    mapping = {label: theme_key(label) for label in data.labels}
    unknown = sorted(label for label, key in mapping.items() if key is None)
    if unknown:
        raise TrainingDataError(
            f"{data.source}: labels {', '.join(repr(x) for x in unknown)} are not themes of the framework "
            f"({', '.join(THEME_KEYS)}). Rename them, or train a separate model with --model NAME."
        )
    data.label_sets = [unique_labels([mapping[label] or label for label in row]) for row in data.label_sets]
    data.labels = sorted({mapping[label] or label for label in data.labels})
    return data


# --- the seed set and corrections -------------------------------------------------------------------------


def seed_theme_examples() -> LabelledComments:
    themes = read_seed().get("themes") or {}
    assert isinstance(themes, dict)
    data = LabelledComments(texts=[], label_sets=[], labels=list(THEME_KEYS), source="seed_examples.yaml")
    for key, texts in themes.items():
        if key not in THEME_KEYS:
            raise TrainingDataError(f"seed_examples.yaml: themes: {key!r} is not a theme key ({', '.join(THEME_KEYS)}).")
        for text in texts:
            data.texts.append(str(text))
            data.label_sets.append([str(key)])
    return data


def seed_sentiment_examples() -> tuple[list[str], list[int]]:
    sentiment = read_seed().get("sentiment") or {}
    assert isinstance(sentiment, dict)
    texts: list[str] = []
    scores: list[int] = []
    for score, examples in sentiment.items():
        if int(score) not in range(1, 6):
            raise TrainingDataError(f"seed_examples.yaml: sentiment: {score!r} is not a score from 1 to 5.")
        for text in examples:
            texts.append(str(text))
            scores.append(int(score))
    return texts, scores


def latest_corrections(field_name: str) -> list[tuple[str, Any]]:
    """(comment, corrected value) for each analysis's latest correction of one field."""
    from careloop.feedback.models import LabelCorrection

    latest: dict[int, tuple[str, Any]] = {}
    corrections = LabelCorrection.objects.filter(field=field_name).select_related("analysis__response")
    for correction in corrections.order_by("corrected_at", "id"):
        comment = correction.analysis.response.comment.strip()
        if comment:
            latest[correction.analysis_id] = (comment, correction.value)
    return list(latest.values())


def add_theme_corrections(data: LabelledComments, allowed: Collection[str]) -> int:
    """Corrected themes become training rows (replacing a CSV row with the same text); only corrections
    whose labels are all in `allowed` (for the default model every theme of the framework, so a theme
    the CSV lacks can be learnt from corrections). Returns how many were used."""
    used = 0
    position = {text: index for index, text in enumerate(data.texts)}
    for comment, value in latest_corrections("themes"):
        labels = [str(label) for label in value or []]
        if not labels or not set(labels) <= set(allowed):
            continue
        if comment in position:
            data.label_sets[position[comment]] = labels
        else:
            data.texts.append(comment)
            data.label_sets.append(labels)
        data.labels = sorted(set(data.labels) | set(labels))
        used += 1
    return used


def sentiment_training_set(include_corrections: bool = True) -> tuple[list[str], list[int], int]:
    texts, scores = seed_sentiment_examples()
    if not include_corrections:
        return texts, scores, 0
    corrections = [(comment, int(value)) for comment, value in latest_corrections("sentiment") if value in range(1, 6)]
    for comment, score in corrections:
        texts.append(comment)
        scores.append(score)
    return texts, scores, len(corrections)


# --- building models --------------------------------------------------------------------------------------


def train_model(data: LabelledComments, *, name: str, multi_label: bool = False, include_corrections: bool = True,
                correction_labels: Collection[str] | None = None, about: dict[str, Any] | None = None) -> CommentModel:
    """A theme (or any label) model on `data`, with the sentiment model from the seed set and sentiment
    corrections. `multi_label` forces one-vs-rest even when every comment has one label (the default
    model: its seed comments have one theme each, real comments often have several)."""
    allowed = data.labels if correction_labels is None else correction_labels
    corrections_used = add_theme_corrections(data, allowed) if include_corrections else 0
    texts = data.texts
    embeddings = embed(texts)
    features = TextFeatures.fit(texts)
    labeller = train_labeller(features.transform(texts, embeddings), data.label_sets, data.labels, multi_label=multi_label)
    sentiment_texts, sentiment_scores, sentiment_corrections = sentiment_training_set(include_corrections)
    sentiment = train_sentiment(sentiment_texts, sentiment_scores, embed(sentiment_texts))
    facts: dict[str, Any] = {
        "trained_at": timezone.now().isoformat(timespec="seconds"),
        "source": data.source,
        "comments": len(texts),
        "label_counts": dict(sorted(data.counts().items())),
        "theme_corrections_used": corrections_used,
        "sentiment_corrections_used": sentiment_corrections,
        "sentiment_examples": len(sentiment_texts),
    }
    facts.update(about or {})
    return CommentModel(name=name, features=features, themes=labeller, sentiment=sentiment,
                        training_hashes=text_hashes(texts), about=facts)


def build_default_model() -> CommentModel:
    """The shipped default: themes and sentiment from seed_examples.yaml only (never the NHS data)."""
    return train_model(seed_theme_examples(), name="default", multi_label=True, include_corrections=False,
                       about={"source": "seed_examples.yaml (hand-written, EN + ES)", "trained_at": "build"})
