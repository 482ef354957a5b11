"""Saving and loading comment models as plain arrays and JSON, never as pickles.

A model is a folder: `model.json` (name, labels, mode, thresholds, the TF-IDF vocabulary, when and from
what it was trained) and `weights.npz` (idf weights, label coefficients and intercepts, the sentiment
model, and 64-bit fingerprints of the training comments). Loading uses `json` and `numpy.load(...,
allow_pickle=False)`: a model file can only ever be data. A pickled scikit-learn model (joblib, or
pickle) runs arbitrary code when loaded (the Python docs' warning on `pickle`; scikit-learn's "Model
persistence" page says the same), and practices will copy model folders between machines. skops would
avoid that too, but is one more dependency for what is, here, a few arrays.

The default model ships in `careloop/feedback/default_model/`, trained from seed_examples.yaml only
(training.build_default_model). Models a practice trains live in CARELOOP_HOME/models/NAME; one named
`default` there replaces the shipped one for the analysis.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings

from careloop.feedback.classifiers import LinearLabeller
from careloop.feedback.features import TextFeatures
from careloop.feedback.sentiment import SentimentModel

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
DEFAULT_NAME = "default"
FORMAT_VERSION = 1
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


class ModelNotFound(LookupError):
    pass


class BadModelName(ValueError):
    pass


@dataclass
class CommentModel:
    name: str
    features: TextFeatures
    themes: LinearLabeller
    sentiment: SentimentModel
    training_hashes: npt.NDArray[np.uint64]
    # Free-form facts about training, shown by `careloop feedback` and kept for provenance.
    about: dict[str, Any] = field(default_factory=dict)

    def was_trained_on(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        return np.isin(hashes, self.training_hashes)


def models_dir() -> Path:
    return Path(settings.HOME) / "models"


def check_model_name(name: str) -> str:
    if not MODEL_NAME.match(name):
        raise BadModelName(
            f"Model name {name!r}: use lower-case letters, digits, '.', '_' or '-' (up to 63 characters), "
            "starting with a letter or digit."
        )
    return name


def model_folder(name: str) -> Path:
    return models_dir() / check_model_name(name)


def save_model(model: CommentModel, folder: Path) -> Path:
    """Write the model's two files; the folder is replaced file by file, never half-written (each file
    goes to a temporary name first)."""
    folder.mkdir(parents=True, exist_ok=True)
    description = {
        "format": FORMAT_VERSION,
        "name": model.name,
        "labels": model.themes.labels,
        "single_label": model.themes.single_label,
        "tfidf_width": model.themes.tfidf_width,
        "embedding_weight": model.themes.embedding_weight,
        "vocabulary": model.features.vocabulary,
        "sentiment_intercept": model.sentiment.intercept,
        "about": model.about,
    }
    arrays = {
        "idf": model.features.idf.astype(np.float32),
        "coefficients": model.themes.coefficients.astype(np.float32),
        "intercepts": model.themes.intercepts.astype(np.float32),
        "thresholds": model.themes.thresholds.astype(np.float32),
        "sentiment_coefficients": model.sentiment.coefficients.astype(np.float32),
        "training_hashes": model.training_hashes.astype(np.uint64),
    }
    weights_tmp = folder / "weights.tmp.npz"
    np.savez_compressed(weights_tmp, **arrays)  # type: ignore[arg-type]
    json_tmp = folder / "model.json.tmp"
    json_tmp.write_text(json.dumps(description, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    weights_tmp.replace(folder / "weights.npz")
    json_tmp.replace(folder / "model.json")
    return folder


def load_model_folder(folder: Path) -> CommentModel:
    if not (folder / "model.json").is_file() or not (folder / "weights.npz").is_file():
        raise ModelNotFound(f"No comment model in {folder} (model.json and weights.npz expected).")
    description = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    if description.get("format") != FORMAT_VERSION:
        raise ModelNotFound(f"{folder}: model format {description.get('format')!r}, expected {FORMAT_VERSION}.")
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        idf = np.asarray(arrays["idf"], dtype=np.float64)
        coefficients = np.asarray(arrays["coefficients"], dtype=np.float32)
        intercepts = np.asarray(arrays["intercepts"], dtype=np.float32)
        thresholds = np.asarray(arrays["thresholds"], dtype=np.float32)
        sentiment_coefficients = np.asarray(arrays["sentiment_coefficients"], dtype=np.float32)
        hashes = np.asarray(arrays["training_hashes"], dtype=np.uint64)
    features = TextFeatures(vocabulary={str(k): int(v) for k, v in description["vocabulary"].items()}, idf=idf)
    themes = LinearLabeller(
        labels=[str(label) for label in description["labels"]],
        coefficients=coefficients,
        intercepts=intercepts,
        thresholds=thresholds,
        single_label=bool(description["single_label"]),
        tfidf_width=int(description["tfidf_width"]),
        embedding_weight=float(description["embedding_weight"]),
    )
    sentiment = SentimentModel(coefficients=sentiment_coefficients, intercept=float(description["sentiment_intercept"]))
    return CommentModel(name=str(description["name"]), features=features, themes=themes, sentiment=sentiment,
                        training_hashes=hashes, about=dict(description.get("about") or {}))


def load_model(name: str | None = None) -> CommentModel:
    """A model by name from CARELOOP_HOME/models; with no name, the practice's `default` if it trained
    one, else the shipped default."""
    if name is None or name == DEFAULT_NAME:
        practice_default = model_folder(DEFAULT_NAME)
        if (practice_default / "model.json").is_file():
            return load_model_folder(practice_default)
        return load_model_folder(SHIPPED_MODEL_DIR)
    folder = model_folder(name)
    if not folder.is_dir():
        available = sorted(path.name for path in models_dir().glob("*") if (path / "model.json").is_file())
        listing = ", ".join(available) if available else "none yet"
        raise ModelNotFound(f"No comment model named {name!r} in {models_dir()} (trained models: {listing}).")
    return load_model_folder(folder)
