"""Sentence embeddings for patient comments, from the static model committed in `model/`.

The model is a model2vec table distilled from all-MiniLM-L6-v2 by `tools/distill_embeddings.py`
(provenance, sums and licence in `model/PROVENANCE.md`): a comment's vector is the mean of its tokens'
vectors, normalised to length 1. No torch, no network: the folder is read from the installed package, and
is checked before model2vec sees it, because model2vec treats a path that does not exist as a hub name to
download.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from model2vec import StaticModel

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")

# Comments longer than this many tokens are cut: a static model's mean over 512 tokens (about 400 words)
# already says what the comment is about, and a pasted letter should not cost more than a paragraph.
MAX_TOKENS = 512

THREAD_POOL_FROM = 10_000

Embeddings = npt.NDArray[np.float32]


class EmbeddingModelMissing(RuntimeError):
    """The committed model folder is incomplete: the installation is broken, not the input."""


def missing_model_files(folder: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (folder / name).is_file()]


def load_static_model(folder: Path) -> StaticModel:
    """A model2vec folder, read from disk only."""
    missing = missing_model_files(folder)
    if missing:
        raise EmbeddingModelMissing(
            f"The comment-embedding model in {folder} lacks {', '.join(missing)}: reinstall careloop "
            "(the model ships inside the package and is never downloaded)."
        )
    return StaticModel.from_pretrained(folder, max_length=MAX_TOKENS)


@cache
def load_embedding_model() -> StaticModel:
    """The committed static model, loaded once per process (about 15 MB, a fraction of a second)."""
    return load_static_model(MODEL_DIR)


def embedding_dimensions() -> int:
    return int(load_embedding_model().dim)


def embed(texts: Sequence[str], model: StaticModel | None = None) -> Embeddings:
    """One unit-length float32 row per text, in order (the committed model unless another is given).
    An empty text, or one with no known token, gets a row of zeros, so callers can line rows up with
    their comments without filtering first."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts; wrap a single comment in a list")
    if model is None:
        model = load_embedding_model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    # model2vec spreads batches over a thread pool from 10,000 texts on (its default); on 2 cores that
    # measured 1.0-1.8x faster than one thread, depending on what else ran (docs/comment-model.md).
    # Below that, threads cost as much as they save.
    vectors = model.encode(list(texts), show_progress_bar=False, multiprocessing_threshold=THREAD_POOL_FROM)
    return np.asarray(vectors, dtype=np.float32)
