"""Sentence embeddings for patient comments, from the static model committed in `model/`.

The model is a model2vec table distilled from all-MiniLM-L6-v2 by `tools/distill_embeddings.py`
(provenance, sums and licence in `model/PROVENANCE.md`): a comment's vector is the mean of its tokens'
vectors, normalised to length 1. No torch, no network: the folder is read from the installed package, and
is checked before model2vec sees it, because model2vec treats a path that does not exist as a hub name to
download.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from model2vec import StaticModel
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")

# Comments longer than this many tokens are cut: a static model's mean over 512 tokens (about 400 words)
# already says what the comment is about, and a pasted letter should not cost more than a paragraph.
MAX_TOKENS = 512

# Distinct pieces of text (words and punctuation marks, PieceEmbedder) whose token ids are remembered per
# process, about 150 bytes each with the dictionary entry; the 10,334 NHS phase-1 comments hold 6,600.
# Past it the memory is cleared and starts again.
PIECE_CACHE_SIZE = 300_000

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
    their comments without filtering first. The same numbers as model2vec's own `encode` (up to float16
    rounding), faster: see `PieceEmbedder`."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts; wrap a single comment in a list")
    if model is None:
        model = load_embedding_model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    if model.token_mapping is not None or model.weights is not None:
        return reference_embed(texts, model)
    return piece_embedder(model).embed(texts)


def reference_embed(texts: Sequence[str], model: StaticModel | None = None) -> Embeddings:
    """model2vec's own encoding, one tokenizer call over every whole text: the definition `embed` must
    match (tests/feedback/test_fast_paths.py), and the path for a long text, a text holding "[" and a
    quantised model."""
    if model is None:
        model = load_embedding_model()
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    vectors = model.encode(list(texts), show_progress_bar=False, use_multiprocessing=False)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), model.dim)


# A piece: a run of characters that are neither BERT's whitespace nor ASCII punctuation (BERT's
# `_is_punctuation`: code points 33-47, 58-64, 91-96, 123-126), or one ASCII punctuation mark.
PIECE = re.compile(r"[^ \t\n\r!-/:-@\[-`{-~]+|[!-/:-@\[-`{-~]")


def pieces_of(text: str) -> list[str]:
    """A text's pieces (PieceEmbedder), an ASCII text lower-cased first as BERT's normaliser would."""
    if "[" in text:
        return []  # embedded by `reference_embed`
    return PIECE.findall(text.lower() if text.isascii() else text)


@dataclass
class PieceEmbedder:
    """Embeds like model2vec's `encode` (mean of the token vectors, normalised), tokenising each distinct
    piece of text (a word, or one punctuation mark) once per process instead of every comment in full.

    Why it is the same: the tokenizer (BERT normaliser, BERT pre-tokeniser, WordPiece) works character
    by character and then word by word, and it always ends a word at a space, tab or line break (which
    no token holds) and always makes an ASCII punctuation mark a word of its own, so a text's tokens are
    its pieces' tokens one after the other. It also lower-cases, so an ASCII text is lower-cased first
    ("The" and "the" are one piece). A text holding "[" may hold the tokenizer's special tokens
    ("[UNK]"), which are read before any of that: it goes through `reference_embed`, as does a text cut
    by the token limit (MAX_TOKENS), which cuts it exactly as model2vec does.

    Comments repeat their words, so most pieces are already known: tokenising the 10,334 NHS comments in
    full cost about 50 us each (half of the embedding time); their 6,600 distinct pieces are tokenised
    once, the rest is looking up. The token ids of every occurrence are gathered with numpy into one
    sparse (texts x vocabulary) count matrix, and the means are one sparse product with the token
    vectors."""

    model: StaticModel
    piece_index: dict[str, int] = field(default_factory=dict)
    # Every known piece's token ids, one after the other; piece i's are tokens[starts[i]:starts[i] + sizes[i]].
    tokens: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    starts: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sizes: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _vectors: Embeddings | None = field(default=None, repr=False)
    _tokenizer: Tokenizer | None = field(default=None, repr=False)
    # One batch at a time: a web thread (the empathy map embeds) must not read the piece arrays while
    # another thread's batch is adding to them.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def vectors(self) -> Embeddings:
        """The token table in float32 (sparse products need it; 30 MB for the committed model)."""
        if self._vectors is None:
            self._vectors = np.asarray(self.model.embedding, dtype=np.float32)
        return self._vectors

    def embed(self, texts: Sequence[str]) -> Embeddings:
        with self._lock:
            return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> Embeddings:
        model = self.model
        limit = model.max_length
        if limit is not None:
            # model2vec cuts the characters before tokenising: MAX_TOKENS x the median token length.
            cut = limit * model.median_token_length
            texts = [text[:cut] for text in texts]
        if len(self.piece_index) > PIECE_CACHE_SIZE:
            self._forget()
        pieces_per_text = [pieces_of(text) for text in texts]
        index = self.piece_index
        new = {piece for pieces in pieces_per_text for piece in pieces if piece not in index}
        if new:
            self._learn(new)
        occurrences = np.asarray([index[piece] for pieces in pieces_per_text for piece in pieces], dtype=np.int64)
        pieces_in_text = np.fromiter((len(pieces) for pieces in pieces_per_text), dtype=np.int64, count=len(texts))
        # Each occurrence's token ids, gathered: position k of occurrence j is tokens[starts[p_j] + k].
        sizes = self.sizes[occurrences]
        ends = np.cumsum(sizes)
        offsets = np.repeat(self.starts[occurrences] - (ends - sizes), sizes)
        token_ids = self.tokens[offsets + np.arange(ends[-1] if len(ends) else 0)]
        text_of_occurrence = np.repeat(np.arange(len(texts), dtype=np.int64), pieces_in_text)
        tokens_in_text = np.bincount(text_of_occurrence, weights=sizes, minlength=len(texts)).astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(tokens_in_text)])
        counts = sp.csr_matrix((np.ones(len(token_ids), dtype=np.float32), token_ids, indptr),
                               shape=(len(texts), len(self.vectors())))
        totals = np.asarray(counts @ self.vectors(), dtype=np.float32)
        means = np.zeros_like(totals)
        has_tokens = tokens_in_text > 0
        # The mean in model2vec's precision: float16 table, float16 mean, normalised in float32, float16 out.
        means[has_tokens] = totals[has_tokens] / tokens_in_text[has_tokens, None]
        out = means.astype(model.embedding.dtype).astype(np.float32)
        if model.normalize:
            out = (out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-32)).astype(model.embedding.dtype)
        vectors = np.asarray(out, dtype=np.float32)
        exact = [i for i, text in enumerate(texts) if "[" in text]
        if limit is not None:
            exact += np.flatnonzero(tokens_in_text >= limit).tolist()
        if exact:
            vectors[exact] = reference_embed([texts[i] for i in exact], model)
        return vectors

    def _learn(self, new_pieces: set[str]) -> None:
        """Tokenise the new pieces in one call over them joined by spaces (a third faster than a batch of
        separate strings: the tokenizer's cost is per item as much as per character), each token going
        back to its piece by its character offset."""
        ordered = sorted(new_pieces)
        encoding = self.tokenizer().encode(" ".join(ordered), add_special_tokens=False)
        ids = np.asarray(encoding.ids, dtype=np.int64)
        owner = np.zeros(len(ids), dtype=np.int64)
        if len(ids):
            lengths = np.fromiter((len(piece) + 1 for piece in ordered), dtype=np.int64, count=len(ordered))
            piece_starts = np.cumsum(lengths) - lengths
            token_starts = np.asarray(encoding.offsets, dtype=np.int64)[:, 0]
            owner = np.searchsorted(piece_starts, token_starts, side="right") - 1
        if self.model.unk_token_id is not None:
            # model2vec drops unknown tokens before averaging (`StaticModel.tokenize`).
            known = ids != self.model.unk_token_id
            ids, owner = ids[known], owner[known]
        first = len(self.sizes)
        self.piece_index.update((piece, first + i) for i, piece in enumerate(ordered))
        # The tokenizer keeps the text's order, so each piece's tokens are one run of `ids`.
        sizes = np.bincount(owner, minlength=len(ordered)).astype(np.int64)
        self.starts = np.concatenate([self.starts, len(self.tokens) + np.cumsum(sizes) - sizes])
        self.sizes = np.concatenate([self.sizes, sizes])
        self.tokens = np.concatenate([self.tokens, ids])

    def tokenizer(self) -> Tokenizer:
        """A copy of the model's tokenizer without its token limit (the joined pieces are long); a copy, so
        that model2vec's `encode` in another thread keeps its own limit."""
        if self._tokenizer is None:
            self._tokenizer = Tokenizer.from_str(self.model.tokenizer.to_str())
            self._tokenizer.no_truncation()
        return self._tokenizer

    def forget(self) -> None:
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self.piece_index.clear()
        self.tokens = np.zeros(0, dtype=np.int64)
        self.starts = np.zeros(0, dtype=np.int64)
        self.sizes = np.zeros(0, dtype=np.int64)


_embedders: weakref.WeakKeyDictionary[StaticModel, PieceEmbedder] = weakref.WeakKeyDictionary()


def piece_embedder(model: StaticModel) -> PieceEmbedder:
    embedder = _embedders.get(model)
    if embedder is None:
        embedder = _embedders[model] = PieceEmbedder(model)
    return embedder
