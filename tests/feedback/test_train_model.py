"""`careloop feedback train`: models from a practice's labelled CSV, saved as arrays and JSON (no
pickle), the CSV's problems named by file, line and column, and label corrections used at the next
training; the shipped default model is the one the seed set rebuilds."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from careloop.feedback.model_store import SHIPPED_MODEL_DIR, load_model, load_model_folder
from careloop.feedback.models import CommentAnalysis, LabelCorrection
from careloop.feedback.training import build_default_model, read_labelled_csv
from tests.feedback.explorer_cases import analysed_comment
from tests.feedback.labelled_csv import BILLING, STAFF, WAITING, write_indicator_csv, write_label_column_csv


@pytest.fixture
def home(tmp_path: Path) -> object:
    with override_settings(HOME=tmp_path):
        yield tmp_path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("feedback", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_it_trains_a_named_model_from_a_label_column_with_commas_and_ampersands(home: Path, tmp_path: Path) -> None:
    csv_path = write_label_column_csv(tmp_path / "labelled.csv")
    out, _ = run("train", "--csv", str(csv_path), "--text", "comment", "--label-column", "labels", "--model", "practice-1")
    folder = home / "models" / "practice-1"
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.npz"]
    assert "Trained model 'practice-1' on 62 comments, 3 labels (several per comment)" in out
    described = json.loads((folder / "model.json").read_text())
    assert described["labels"] == [BILLING, WAITING, STAFF] or set(described["labels"]) == {BILLING, STAFF, WAITING}
    # The weights are plain arrays: loading them with pickles refused works.
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        assert arrays["coefficients"].shape[0] == 3
    model = load_model("practice-1")
    texts = ["the bill had a wrong charge", "the receptionist was very rude", "I waited 55 minutes"]
    assert model.themes.predict(model.features.transform(texts)) == [[BILLING], [STAFF], [WAITING]]


@pytest.mark.django_db
def test_it_trains_from_0_1_columns_and_leaves_out_empty_and_constant_ones_with_a_warning(home: Path, tmp_path: Path) -> None:
    rows = 62
    csv_path = write_indicator_csv(tmp_path / "indicators.csv", {"Dignity": ["0"] * rows, "Any comment": ["1"] * rows})
    data = read_labelled_csv(csv_path, "comment")
    assert set(data.labels) == {BILLING, STAFF, WAITING}
    assert any("label column 'Dignity' is empty" in warning for warning in data.warnings)
    assert any("label column 'Any comment' is constant" in warning for warning in data.warnings)
    _, err = run("train", "--csv", str(csv_path), "--text", "comment", "--model", "from-columns")
    assert "'Dignity' is empty" in err


@pytest.mark.django_db
def test_it_names_the_missing_text_or_label_column(home: Path, tmp_path: Path) -> None:
    csv_path = write_label_column_csv(tmp_path / "labelled.csv")
    with pytest.raises(CommandError, match=r"no text column 'feedback' \(the header has: comment, labels, site\)"):
        run("train", "--csv", str(csv_path), "--text", "feedback", "--label-column", "labels", "--model", "x")
    with pytest.raises(CommandError, match=r"no label column 'theme'"):
        run("train", "--csv", str(csv_path), "--text", "comment", "--label-column", "theme", "--model", "x")


@pytest.mark.django_db
def test_it_names_the_line_and_column_of_a_label_that_is_not_0_or_1(tmp_path: Path) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("comment,Billing,Staff\nbilled twice,1,0\nrude nurse,0,yes please\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3, column 'Staff': 'yes please' is not 0 or 1"):
        read_labelled_csv(csv_path, "comment")


@pytest.mark.django_db
def test_it_refuses_an_empty_or_constant_label_column(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("comment,labels\nbilled twice,\nrude nurse,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"label column 'labels' is empty"):
        read_labelled_csv(empty, "comment", "labels")
    constant = tmp_path / "constant.csv"
    constant.write_text("comment,labels\nbilled twice,Billing\nrude nurse,Billing\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"label column 'labels' is constant"):
        read_labelled_csv(constant, "comment", "labels")


@pytest.mark.django_db
def test_it_warns_about_labels_with_too_few_examples_and_drops_single_ones(tmp_path: Path) -> None:
    rows = [(f"billed twice {n}", [BILLING]) for n in range(10)] + [(f"rude nurse {n}", [STAFF]) for n in range(3)]
    rows.append(("a lonely comment about parking", ["Parking"]))
    data = read_labelled_csv(write_label_column_csv(tmp_path / "few.csv", rows), "comment", "labels")
    assert data.labels == [BILLING, STAFF]
    assert any(f"label {STAFF!r} has only 3 examples; at least 5" in warning for warning in data.warnings)
    assert any("label 'Parking' has 1 example; left out" in warning for warning in data.warnings)


@pytest.mark.django_db
def test_it_refuses_non_theme_labels_for_the_default_model(home: Path, tmp_path: Path) -> None:
    rows = [(f"billed twice {n}", ["Billing dept"]) for n in range(6)] + [(f"rude nurse {n}", [STAFF]) for n in range(6)]
    csv_path = write_label_column_csv(tmp_path / "custom.csv", rows)
    with pytest.raises(CommandError, match=r"labels 'Billing dept' are not themes of the framework"):
        run("train", "--csv", str(csv_path), "--text", "comment", "--label-column", "labels")


@pytest.mark.django_db
def test_it_uses_label_corrections_at_the_next_training(home: Path, tmp_path: Path) -> None:
    rows = [(f"I was billed twice on visit {n}", ["cost_billing"]) for n in range(8)]
    rows += [(f"the nurse was rude on visit {n}", ["staff_attitude"]) for n in range(8)]
    csv_path = write_label_column_csv(tmp_path / "themes.csv", rows)
    from django.utils import timezone

    corrected = analysed_comment("The car park had no spaces at all", when=timezone.now(), touchpoints=[],
                                 themes=["staff_attitude"])
    LabelCorrection.objects.create(analysis=corrected, field="themes", value=["environment"])
    LabelCorrection.objects.create(analysis=corrected, field="sentiment", value=2)
    out, _ = run("train", "--csv", str(csv_path), "--text", "comment", "--label-column", "labels")
    assert "1 label corrections used" in out
    model = load_model()  # the practice's default now
    assert model.name == "default" and "environment" in model.themes.labels
    assert model.about["sentiment_corrections_used"] == 1
    assert model.themes.predict(model.features.transform(["The car park had no spaces at all"])) == [["environment"]]
    assert CommentAnalysis.objects.get(pk=corrected.pk).effective_labels()["themes"] == ["environment"]


def test_it_ships_the_default_model_the_seed_set_rebuilds() -> None:
    shipped = load_model_folder(SHIPPED_MODEL_DIR)
    rebuilt = build_default_model()
    assert shipped.themes.labels == rebuilt.themes.labels
    assert shipped.features.vocabulary == rebuilt.features.vocabulary
    np.testing.assert_allclose(shipped.themes.coefficients, rebuilt.themes.coefficients, atol=1e-5)
    np.testing.assert_allclose(shipped.sentiment.coefficients, rebuilt.sentiment.coefficients, atol=1e-5)
    # Small: the shipped theme and sentiment model is a few tens of KB beside the 15 MB embedding model.
    assert sum(path.stat().st_size for path in SHIPPED_MODEL_DIR.iterdir()) < 200_000
