"""Benchmark of careloop's comment analysis: throughput of the whole analysis, and quality beside the
pxtextmining recipe on the same de-duplicated split.

Data: the NHS phase-1 labelled comments (default ../shared/data/nhs-feedback-phase1/text_data.csv, relative
to the repository; 10,334 comments from three NHS trusts, public in The-Strategy-Unit/pxtextmining). Its
README allows development and testing only: this script reads it to measure; nothing here ships it, and the
default model never saw it.

1. Throughput (single process; numpy and model2vec may use both cores): `analysis.analyse_texts` over every
   comment with the shipped default model, the default journey's touchpoints and the demo practice's staff
   list: embedding, themes, sentiment, touchpoints, language, staff mentions, urgency and redaction, i.e.
   everything but the database write. Median of --runs runs; each stage is also timed alone over the same
   texts. Goal (DESIGN.md): >= 5,000 comments/s. Each timed run of the whole starts from empty word
   memories (`analysis.forget_remembered_words`), as a fresh process would; the same with them kept is
   printed too. The parts made faster are also timed beside the slower definitions they replaced
   (tests/feedback/reference_readers.py, model2vec's encode, scikit-learn's TF-IDF), in the same run.
   Touchpoint routing quality on the hand-labelled comments (tests/feedback/touchpoint_comments.py).
2. Quality on the 9-way `label` column: comments de-duplicated by normalised text (evaluation.deduplicated),
   the same stratified 5 folds (evaluation.fold_indices, seed 0) for every model:
   - careloop: TF-IDF word 1-2-grams beside the static embeddings, linear SVM (classifiers.py), exactly what
     `careloop feedback train` fits;
   - the peer: pxtextmining's recipe as a TF-IDF vectoriser and a linear SVC (scikit-learn defaults:
     `TfidfVectorizer()`, `LinearSVC()`), and the same with balanced class weights; the stronger of the two
     is the bar.
   Macro F1 (every category alike; they run from 3,121 to 142 comments) and micro F1, mean over folds.
3. The shipped default model (seed set only) on the same comments, its themes compared with the NHS labels
   mapped onto the framework (themes.nhs_theme), and sentiment against the coders' `criticality` (-5..5).

    .venv/bin/python bench/comments.py [DATA] [--runs 5] [--skip-quality]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # careloop, and tests/feedback's reference readers and labelled comments
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
DEFAULT_DATA = REPO.parent / "shared" / "data" / "nhs-feedback-phase1" / "text_data.csv"
GOAL_PER_SECOND = 5_000


def read_nhs(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise SystemExit(f"{path}: not found. Give the NHS phase-1 text_data.csv as the first argument.")
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["feedback"].strip()]


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def default_analyser() -> Any:
    """The shipped model, the default journey's touchpoints (journey file + seed phrases), the demo
    practice's staff, built without a database."""
    import yaml

    from careloop.accounts.models import StaffMember
    from careloop.demo.practice import PROVIDERS, STAFF
    from careloop.feedback.analysis import Analyser
    from careloop.feedback.model_store import SHIPPED_MODEL_DIR, load_model_folder
    from careloop.feedback.touchpoints import build_router, named, seed_touchpoint_examples
    from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH

    journey = yaml.safe_load(Path(DEFAULT_JOURNEY_PATH).read_text(encoding="utf-8"))
    seed = seed_touchpoint_examples()
    examples = {}
    for tp in journey["touchpoints"]:
        phrases = [*(tp.get("example_phrases") or []), *seed.get(tp["key"], [])]
        examples[tp["key"]] = phrases + named(tp["name"], phrases)
    staff = [StaffMember(key=p.key, name=p.name, nicknames=list(p.nicknames)) for p in (*STAFF, *PROVIDERS)]
    return Analyser(model=load_model_folder(SHIPPED_MODEL_DIR), router=build_router(examples), staff=staff)


def throughput(texts: list[str], runs: int) -> dict[str, Any]:
    from careloop.feedback.analysis import analyse_texts, forget_remembered_words
    from careloop.feedback.embeddings import embed, reference_embed
    from careloop.feedback.language import detect_language, language_scores
    from careloop.feedback.mentions import find_staff_mentions
    from careloop.feedback.redaction import redact
    from careloop.feedback.sentiment import lexicon_features
    from careloop.feedback.urgency import assess_urgency, fold, may_be_urgent
    from tests.feedback import reference_readers as before

    analyser = default_analyser()
    analyse_texts(texts[:200], analyser)  # warm what loads once per process (tokenizer, matchers, regexes)

    def cold() -> object:
        # As a fresh process would see these comments: no word or text piece remembered.
        forget_remembered_words(analyser)
        return analyse_texts(texts, analyser)

    whole_cold = median_seconds(cold, runs)
    whole_warm = median_seconds(lambda: analyse_texts(texts, analyser), runs)
    vectors = embed(texts)
    model = analyser.model
    stages: dict[str, Callable[[], object]] = {
        "embed": lambda: embed(texts),
        "themes": lambda: model.themes.predict(model.features.transform(texts, vectors)),
        "sentiment": lambda: model.sentiment.predict(texts, vectors),
        "touchpoints": lambda: analyser.router.route(texts, vectors),
        "language": lambda: [detect_language(t) for t in texts],
        "mentions": lambda: [find_staff_mentions(t, analyser.staff) for t in texts],
        "urgency": lambda: [assess_urgency(t, "en") for t in texts],
        "redaction": lambda: [redact(t, keep=()) for t in texts],
    }
    stage_rates = {name: len(texts) / median_seconds(work, runs) for name, work in stages.items()}
    # The parts made faster, each beside the definition it replaced (reference_readers.py), timed here in
    # the same run: the ratio holds whatever else the machine is doing.
    folded = [fold(t) for t in texts]
    wording = analyser.router.wording
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "embed": (lambda: embed(texts), lambda: reference_embed(texts)),
        "tfidf": (lambda: model.features.tfidf(texts), lambda: model.features.reference_tfidf(texts)),
        "touchpoint_wording": (lambda: wording.transform(texts), lambda: before.wording_transform(wording, texts)),
        "language_words": (lambda: [language_scores(t) for t in texts], lambda: [before.language_scores(t) for t in texts]),
        "sentiment_words": (lambda: [lexicon_features(t) for t in texts], lambda: [before.lexicon_features(t) for t in texts]),
        "urgency_words": (lambda: [may_be_urgent(t) for t in folded], lambda: [before.may_be_urgent(t) for t in folded]),
    }
    speedups = {}
    for name, (fast, reference) in pairs.items():
        # Both from empty word memories (the reference readers share the character-gram one): the first
        # run cold, the others warm, as in a worker.
        forget_remembered_words(analyser)
        reference_seconds = median_seconds(reference, runs)
        forget_remembered_words(analyser)
        speedups[name] = reference_seconds / median_seconds(fast, runs)
    return {"comments": len(texts), "per_second": len(texts) / whole_cold, "warm_per_second": len(texts) / whole_warm,
            "stage_per_second": stage_rates, "speedup_over_reference": speedups}


def touchpoint_quality() -> dict[str, Any]:
    """The default journey's router on the hand-labelled comments (tests/feedback/touchpoint_comments.py):
    DEV chose its settings, TEST was held out."""
    from careloop.feedback.evaluation import evaluate_touchpoints
    from tests.feedback.touchpoint_comments import DEV, TEST

    router = default_analyser().router
    figures: dict[str, Any] = {}
    for name, comments in (("dev", DEV), ("test", TEST)):
        evaluation = evaluate_touchpoints(router, [t for t, _ in comments], [labels for _, labels in comments], name)
        figures[name] = {"macro_f1": round(evaluation.macro_f1, 4), "micro_f1": round(evaluation.micro_f1, 4),
                         "recall": {s.label: round(s.recall, 3) for s in evaluation.labels},
                         "precision": {s.label: round(s.precision, 3) for s in evaluation.labels}}
    return figures


def quality(rows: list[dict[str, str]]) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.svm import LinearSVC

    from careloop.feedback.embeddings import embed
    from careloop.feedback.evaluation import deduplicated, fit_labeller, fold_indices
    from careloop.feedback.training import LabelledComments

    data = LabelledComments(texts=[r["feedback"] for r in rows], label_sets=[[r["label"].strip()] for r in rows],
                            labels=sorted({r["label"].strip() for r in rows}), source="nhs")
    unique, duplicates = deduplicated(data)
    texts = unique.texts
    truth = np.asarray([row[0] for row in unique.label_sets])
    vectors = embed(texts)
    folds = fold_indices(unique.label_sets, 5)
    scores: dict[str, list[tuple[float, float, float]]] = {"careloop": [], "peer": [], "peer_balanced": []}
    for train, test in folds:
        train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
        started = time.perf_counter()
        features, labeller = fit_labeller(train_texts, [unique.label_sets[i] for i in train], unique.labels, vectors[train])
        predicted = np.asarray([p[0] for p in labeller.predict(features.transform(test_texts, vectors[test]))])
        scores["careloop"].append(fold_scores(truth[test], predicted, time.perf_counter() - started, f1_score))
        for name, weights in (("peer", None), ("peer_balanced", "balanced")):
            started = time.perf_counter()
            vectoriser = TfidfVectorizer()
            svm = LinearSVC(class_weight=weights, random_state=0)
            svm.fit(vectoriser.fit_transform(train_texts), truth[train])
            predicted = svm.predict(vectoriser.transform(test_texts))
            scores[name].append(fold_scores(truth[test], predicted, time.perf_counter() - started, f1_score))
    summary = {
        name: {"macro_f1": float(np.mean([s[0] for s in values])), "macro_f1_sd": float(np.std([s[0] for s in values])),
               "micro_f1": float(np.mean([s[1] for s in values])), "fit_and_predict_seconds": float(np.mean([s[2] for s in values]))}
        for name, values in scores.items()
    }
    return {"distinct_comments": len(texts), "duplicates_removed": duplicates, "folds": len(folds), **summary}


def fold_scores(truth: np.ndarray, predicted: np.ndarray, seconds: float, f1_score: Any) -> tuple[float, float, float]:
    return (float(f1_score(truth, predicted, average="macro")), float(f1_score(truth, predicted, average="micro")), seconds)


def default_model_on_nhs(rows: list[dict[str, str]]) -> dict[str, Any]:
    from scipy.stats import spearmanr

    from careloop.feedback.embeddings import embed
    from careloop.feedback.evaluation import evaluate_model
    from careloop.feedback.model_store import SHIPPED_MODEL_DIR, load_model_folder
    from careloop.feedback.themes import THEME_KEYS, nhs_theme
    from careloop.feedback.training import LabelledComments

    model = load_model_folder(SHIPPED_MODEL_DIR)
    data = LabelledComments(texts=[r["feedback"] for r in rows],
                            label_sets=[[nhs_theme(r["label"], r["subcategory"])] for r in rows],
                            labels=list(THEME_KEYS), source="nhs")
    themes = evaluate_model(model, data)
    rated = [(r["feedback"], int(r["criticality"])) for r in rows if r["criticality"].lstrip("-").isdigit()
             and -5 <= int(r["criticality"]) <= 5]
    texts = [text for text, _ in rated]
    criticality = np.asarray([value for _, value in rated])
    predicted = np.asarray(model.sentiment.predict(texts, embed(texts)))
    # Criticality -5..5 onto 1..5: <= -3 very negative, -2..-1 negative, 0 neutral, 1..2 positive, >= 3 very positive.
    mapped = np.select([criticality <= -3, criticality <= -1, criticality == 0, criticality <= 2], [1, 2, 3, 4], 5)
    raw = model.sentiment.scores(texts, embed(texts))
    rho = spearmanr(predicted, criticality).statistic
    # "Couldn't be improved" answers are coded for criticality by a fixed rule (pxtextmining forces them
    # to 3), not by how they read: agreement without them says more about sentiment.
    improvable = np.asarray([r["label"].strip() != "Couldn't be improved" for r in rows
                             if r["criticality"].lstrip("-").isdigit() and -5 <= int(r["criticality"]) <= 5])
    rho_improvable = spearmanr(raw[improvable], criticality[improvable]).statistic
    mean_by_criticality = {str(v): round(float(raw[criticality == v].mean()), 2) for v in range(-5, 6) if (criticality == v).any()}
    return {
        "themes_macro_f1": themes.macro_f1, "themes_micro_f1": themes.micro_f1, "themes_comments": themes.comments,
        "sentiment_comments": len(texts), "sentiment_spearman": float(rho),
        "sentiment_spearman_without_couldnt_be_improved": float(rho_improvable),
        "sentiment_mean_by_criticality": mean_by_criticality,
        "sentiment_exact": float(np.mean(predicted == mapped)), "sentiment_within_1": float(np.mean(np.abs(predicted - mapped) <= 1)),
        "sentiment_direction_agrees": float(np.mean(np.sign(predicted - 3) == np.sign(mapped - 3))),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args(argv)
    import django

    django.setup()
    rows = read_nhs(args.data)
    print(f"{len(rows):,} comments from {args.data}; load average {os.getloadavg()[0]:.1f}")
    figures: dict[str, Any] = {}
    speed = throughput([r["feedback"] for r in rows], args.runs)
    figures["analysis_per_second"] = round(speed["per_second"])
    figures["analysis_per_second_warm"] = round(speed["warm_per_second"])
    figures["speedup_over_reference"] = {k: round(v, 2) for k, v in speed["speedup_over_reference"].items()}
    figures["goal_per_second"] = GOAL_PER_SECOND
    figures["ratio_to_goal"] = round(speed["per_second"] / GOAL_PER_SECOND, 2)
    figures["stage_per_second"] = {k: round(v) for k, v in speed["stage_per_second"].items()}
    figures["load_average"] = round(os.getloadavg()[0], 1)
    print(f"whole analysis: {speed['per_second']:,.0f} comments/s (median of {args.runs}, each as a fresh process: "
          f"no word remembered; goal {GOAL_PER_SECOND:,}: {speed['per_second'] / GOAL_PER_SECOND:.2f}x)")
    print(f"  again with the words of the previous run remembered: {speed['warm_per_second']:,.0f} comments/s")
    for name, rate in speed["stage_per_second"].items():
        print(f"  {name:<12} {rate:>10,.0f} comments/s alone")
    # The machine's load moves every figure together; these ratios, both sides measured in this run, do not.
    print("  faster paths over the definitions they replaced (same run): " + ", ".join(
        f"{name} {ratio:.2f}x" for name, ratio in speed["speedup_over_reference"].items()))
    figures["touchpoints"] = touchpoint_quality()
    print(f"touchpoints on hand-labelled comments: macro F1 {figures['touchpoints']['dev']['macro_f1']:.3f} on DEV "
          f"(tuned on), {figures['touchpoints']['test']['macro_f1']:.3f} on TEST (held out)")
    if not args.skip_quality:
        measured = quality(rows)
        ours, peer, balanced = measured["careloop"], measured["peer"], measured["peer_balanced"]
        bar = max(peer["macro_f1"], balanced["macro_f1"])
        print(f"quality, {measured['folds']}-fold over {measured['distinct_comments']:,} distinct comments "
              f"({measured['duplicates_removed']:,} duplicates removed):")
        for name, figures_of in (("careloop (TF-IDF + embeddings, linear SVM)", ours), ("peer: TF-IDF + LinearSVC", peer),
                                 ("peer: TF-IDF + LinearSVC, balanced", balanced)):
            print(f"  {name:<44} macro F1 {figures_of['macro_f1']:.3f} ± {figures_of['macro_f1_sd']:.3f}  "
                  f"micro F1 {figures_of['micro_f1']:.3f}  {figures_of['fit_and_predict_seconds']:.1f} s/fold")
        print(f"  careloop - best peer: {ours['macro_f1'] - bar:+.3f} macro F1")
        figures.update({
            "macro_f1": round(ours["macro_f1"], 4), "micro_f1": round(ours["micro_f1"], 4),
            "peer_macro_f1": round(peer["macro_f1"], 4), "peer_micro_f1": round(peer["micro_f1"], 4),
            "peer_balanced_macro_f1": round(balanced["macro_f1"], 4),
            "macro_f1_over_best_peer": round(ours["macro_f1"] - bar, 4),
            "distinct_comments": measured["distinct_comments"],
        })
        shipped = default_model_on_nhs(rows)
        print(f"shipped default model (seed set only) on NHS labels mapped to themes: macro F1 "
              f"{shipped['themes_macro_f1']:.3f}, micro F1 {shipped['themes_micro_f1']:.3f} ({shipped['themes_comments']:,} comments)")
        print(f"sentiment vs criticality ({shipped['sentiment_comments']:,} rated comments): Spearman "
              f"{shipped['sentiment_spearman']:.3f}, exact {shipped['sentiment_exact']:.3f}, within 1 point "
              f"{shipped['sentiment_within_1']:.3f}, same side of neutral {shipped['sentiment_direction_agrees']:.3f}; "
              f"Spearman without \"Couldn't be improved\" {shipped['sentiment_spearman_without_couldnt_be_improved']:.3f}")
        print(f"  mean 1-5 reading by criticality: {shipped['sentiment_mean_by_criticality']}")
        figures["default_model"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in shipped.items()}
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
