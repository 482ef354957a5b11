"""`careloop feedback evaluate`: figures computed by hand on small cases, a split that never puts one
text (up to case and punctuation) in both training and test, and the JSON the bench and scripts read."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from careloop.feedback.evaluation import deduplicated, fold_indices, score_predictions
from careloop.feedback.features import normalised_text
from careloop.feedback.training import LabelledComments, read_labelled_csv
from tests.feedback.labelled_csv import BILLING, STAFF, WAITING, write_label_column_csv


def test_it_scores_predictions_as_computed_by_hand() -> None:
    truth = [["a"], ["a"], ["b"], ["b"], ["a", "b"]]
    predicted = [["a"], ["b"], ["b"], ["b"], ["a"]]
    evaluation = score_predictions(truth, predicted, ["a", "b"], "by hand")
    a, b = evaluation.labels
    # a: tp 2 (rows 1, 5), fp 0, fn 1 (row 2) -> P 1, R 2/3, F1 0.8
    assert (a.precision, round(a.recall, 4), round(a.f1, 4), a.support) == (1.0, 0.6667, 0.8, 3)
    # b: tp 2 (rows 3, 4), fp 1 (row 2), fn 1 (row 5) -> P 2/3, R 2/3, F1 2/3
    assert (round(b.precision, 4), round(b.recall, 4), round(b.f1, 4), b.support) == (0.6667, 0.6667, 0.6667, 3)
    assert round(evaluation.macro_f1, 4) == round((0.8 + 2 / 3) / 2, 4)
    # micro: tp 4, fp 1, fn 2 -> 8 / 11
    assert round(evaluation.micro_f1, 4) == round(8 / 11, 4)
    assert evaluation.confusions == {"a": {"b": 1}, "b": {}}


def test_it_keeps_one_row_per_text_with_its_most_frequent_labels() -> None:
    data = LabelledComments(
        texts=["Nothing.", "nothing", "NOTHING!", "rude nurse", "Rude nurse"],
        label_sets=[["none"], ["none"], ["other"], ["staff"], ["staff"]],
        labels=["none", "other", "staff"], source="test")
    unique, duplicates = deduplicated(data)
    assert duplicates == 3
    assert sorted(zip(unique.texts, map(tuple, unique.label_sets))) == [("Nothing.", ("none",)), ("rude nurse", ("staff",))]


def test_it_never_puts_a_text_in_training_and_test_at_once(tmp_path: Path) -> None:
    data = read_labelled_csv(write_label_column_csv(tmp_path / "labelled.csv"), "comment", "labels")
    unique, duplicates = deduplicated(data)
    assert duplicates == 1
    for train, test in fold_indices(unique.label_sets, 5):
        train_texts = {normalised_text(unique.texts[i]) for i in train}
        assert not train_texts & {normalised_text(unique.texts[i]) for i in test}


@pytest.mark.django_db
def test_it_prints_per_label_figures_and_macro_and_micro_f1_as_json(tmp_path: Path) -> None:
    csv_path = write_label_column_csv(tmp_path / "labelled.csv")
    out = StringIO()
    call_command("feedback", "evaluate", "--csv", str(csv_path), "--text", "comment", "--label-column", "labels",
                 "--json", stdout=out, stderr=StringIO())
    figures = json.loads(out.getvalue())
    assert set(figures["labels"]) == {BILLING, STAFF, WAITING}
    assert figures["comments"] == 61  # 62 rows, one duplicate text
    assert figures["labels"][BILLING]["support"] == 21
    # The template comments of each label share their wording: a linear model separates them.
    assert figures["macro_f1"] >= 0.9 and figures["micro_f1"] >= 0.9
    assert "1 duplicate rows removed" in figures["method"]
    text = StringIO()
    call_command("feedback", "evaluate", "--csv", str(csv_path), "--text", "comment", "--label-column", "labels",
                 "--folds", "3", stdout=text, stderr=StringIO())
    assert "macro F1" in text.getvalue() and "micro F1" in text.getvalue()


@pytest.mark.django_db
def test_it_evaluates_a_saved_model_only_on_comments_it_was_not_trained_on(tmp_path: Path) -> None:
    with override_settings(HOME=tmp_path):
        train_csv = write_label_column_csv(tmp_path / "train.csv")
        call_command("feedback", "train", "--csv", str(train_csv), "--text", "comment", "--label-column", "labels",
                     "--model", "mine", stdout=StringIO(), stderr=StringIO())
        test_rows = [("The bill had a charge my insurance should have paid", [BILLING]),
                     ("the bill had a charge my insurance should have paid!", [BILLING]),
                     ("I waited 10 minutes past my appointment", [WAITING]),  # a training text
                     ("The receptionist was rude and dismissive", [STAFF]),
                     ("Waited ages before the doctor saw me", [WAITING])]
        out = StringIO()
        call_command("feedback", "evaluate", "--csv", str(write_label_column_csv(tmp_path / "test.csv", test_rows)),
                     "--text", "comment", "--label-column", "labels", "--model", "mine", "--json",
                     stdout=out, stderr=StringIO())
    figures = json.loads(out.getvalue())
    assert figures["comments"] == 3
    assert "1 comments the model was trained on and 1 duplicate rows were left out." in figures["notes"]
