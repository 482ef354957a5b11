"""Benchmark of careloop's comment embeddings, and a first look at what they are worth for classification.

Data: the NHS phase-1 labelled comments in shared/data/nhs-feedback-phase1/text_data.csv (10,334 comments
from three NHS trusts, public in The-Strategy-Unit/pxtextmining). Its README allows development and testing
only: this script reads it to measure, never ships it and never trains the default model on it.

1. Throughput: `careloop.feedback.embeddings.embed` over every comment, several runs, median comments/s
   (DESIGN.md's goal for the whole comment analysis: ≥ 5,000 comments/s on 2 cores). For comparison, the same
   texts on one thread (embed() uses model2vec's thread pool from 10,000 texts) and through a TF-IDF vectoriser.
2. Quality: the 9-way `label` column, on comments de-duplicated by their normalised text (a repeated "Nothing"
   would otherwise sit in both train and test), stratified 5-fold cross-validation, macro F1 (classes are
   unbalanced 24:1) for logistic regression on (a) the embeddings, (b) TF-IDF word 1–2-grams — close to the
   pxtextmining phase-1 recipe, a linear model on TF-IDF features — and (c) both side by side.

    .venv/bin/python bench/bench_comment_embeddings.py [--runs 5] [--model DIR] [--skip-quality]

`--model` evaluates another distilled folder (e.g. one made with a different --pca-dims) instead of the
committed one. The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from model2vec import StaticModel

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from careloop.feedback import embeddings  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "nhs-feedback-phase1" / "text_data.csv"
if not DATA.exists():
    DATA = Path("/work/shared/data/nhs-feedback-phase1/text_data.csv")


Features = Callable[[list[str], list[str]], tuple[Any, Any]]


def read_comments(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["feedback"], row["label"]) for row in csv.DictReader(handle) if row["feedback"].strip()]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def deduplicated(comments: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """One row per distinct normalised text, with the label its coders gave it most often."""
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    first_text: dict[str, str] = {}
    for text, label in comments:
        key = normalised(text)
        labels[key][label] += 1
        first_text.setdefault(key, text)
    keys = list(first_text)
    return [first_text[k] for k in keys], [labels[k].most_common(1)[0][0] for k in keys]


def median_rate(work: Callable[[], object], count: int, runs: int) -> tuple[float, list[float]]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return count / statistics.median(seconds), seconds


def load_model(folder: Path | None) -> tuple[StaticModel, float]:
    started = time.perf_counter()
    model = embeddings.load_static_model(folder) if folder else embeddings.load_embedding_model()
    return model, time.perf_counter() - started


def measure_throughput(model: StaticModel, texts: list[str], runs: int) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    embeddings.embed(texts[:100], model)  # warm the tokenizer and the page cache
    # One thread first: model2vec's thread pool switches tokenizers' own parallelism off for the process.
    single, _ = median_rate(
        lambda: model.encode(texts, show_progress_bar=False, use_multiprocessing=False), len(texts), runs
    )
    rate, seconds = median_rate(lambda: embeddings.embed(texts, model), len(texts), runs)
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
    tfidf_rate, _ = median_rate(lambda: tfidf.transform(texts), len(texts), runs)
    return {
        "comments": len(texts),
        "runs": runs,
        "embed_comments_per_s": round(rate),
        "embed_run_seconds": [round(s, 3) for s in seconds],
        "embed_one_thread_comments_per_s": round(single),
        "tfidf_transform_comments_per_s": round(tfidf_rate),
        "dimensions": int(model.dim),
    }


def cross_validated_macro_f1(
    features: Features, texts: list[str], labels: list[str], folds: int
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    text_array = np.array(texts, dtype=object)
    label_array = np.array(labels)
    scores, fit_seconds = [], []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(text_array, label_array):
        started = time.perf_counter()
        x_train, x_test = features(list(text_array[train]), list(text_array[test]))
        classifier = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        classifier.fit(x_train, label_array[train])
        fit_seconds.append(time.perf_counter() - started)
        scores.append(f1_score(label_array[test], classifier.predict(x_test), average="macro"))
    return {
        "macro_f1_mean": round(float(np.mean(scores)), 3),
        "macro_f1_sd": round(float(np.std(scores, ddof=1)), 3),
        "macro_f1_folds": [round(float(s), 3) for s in scores],
        "fit_seconds_per_fold": round(statistics.median(fit_seconds), 2),
    }


def embedding_features(model: StaticModel) -> Features:
    def features(train: list[str], test: list[str]) -> tuple[Any, Any]:
        return embeddings.embed(train, model), embeddings.embed(test, model)

    return features


def tfidf_features(train: list[str], test: list[str]) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return vectoriser.fit_transform(train), vectoriser.transform(test)


def combined_features(model: StaticModel) -> Features:
    def features(train: list[str], test: list[str]) -> tuple[Any, Any]:
        from scipy.sparse import csr_matrix, hstack

        tfidf_train, tfidf_test = tfidf_features(train, test)
        dense_train, dense_test = embedding_features(model)(train, test)
        return (
            hstack([tfidf_train, csr_matrix(dense_train)]).tocsr(),
            hstack([tfidf_test, csr_matrix(dense_test)]).tocsr(),
        )

    return features


def measure_quality(model: StaticModel, texts: list[str], labels: list[str], folds: int) -> dict[str, Any]:
    return {
        "comments_after_dedup": len(texts),
        "labels": dict(Counter(labels).most_common()),
        "folds": folds,
        "embeddings_logreg": cross_validated_macro_f1(embedding_features(model), texts, labels, folds),
        "tfidf_logreg": cross_validated_macro_f1(tfidf_features, texts, labels, folds),
        "tfidf_plus_embeddings_logreg": cross_validated_macro_f1(combined_features(model), texts, labels, folds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Comment-embedding throughput and a classification baseline.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", type=Path, help="another model2vec folder to measure instead of the committed one")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    model, load_seconds = load_model(args.model)
    comments = read_comments(args.data)
    texts = [text for text, _ in comments]
    figures: dict[str, Any] = {
        "model": str(args.model or embeddings.MODEL_DIR.relative_to(REPO)),
        "cpu_count": os.cpu_count(),
        "load_seconds": round(load_seconds, 3),
        "throughput": measure_throughput(model, texts, args.runs),
    }
    print(f"embed: {figures['throughput']['embed_comments_per_s']:,} comments/s", file=sys.stderr)
    if not args.skip_quality:
        unique_texts, unique_labels = deduplicated(comments)
        figures["quality"] = measure_quality(model, unique_texts, unique_labels, args.folds)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
