"""The comment readers as they were before they were made fast (issue 6's throughput work), kept here as
the definition the fast paths must match: tests/feedback/test_fast_paths.py compares them on the NHS-like
and tricky texts below, and bench/comments.py times both.

Each function is the earlier product code, word for word but for its name."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from careloop.feedback.language import (
    DIGRAPH_WEIGHT,
    ENDING_WEIGHT,
    ENGLISH_DIGRAPHS,
    ENGLISH_ENDINGS,
    ENGLISH_WORDS,
    MARK_WEIGHT,
    SPANISH_ENDINGS,
    SPANISH_MARKS,
    SPANISH_WORDS,
    WORD,
    WORD_WEIGHT,
)
from careloop.feedback.sentiment import INTENSIFIERS, NEGATION_SPAN, NEGATIONS, NEGATIVE, POSITIVE, plain_words
from careloop.feedback.touchpoints import WordingIndex, wording_words
from careloop.feedback.urgency import ANCHOR_STEMS, NEGATION_WORD, STEM_LENGTHS, STEM_STARTS

# Comments that take the unusual paths: accents and other scripts, ligatures, letters whose case
# changes their length, the tokenizer's own special tokens, control characters and every kind of space,
# empty and blank texts, a text past the 512-token limit, repeated words.
TRICKY_TEXTS = [
    "",
    "   ",
    "a",
    "[UNK] [PAD]x and [PAD]",
    "a\x1cb c\u2028d e\x0bf g\xa0h",
    "Ünïcödé ñandú 東京 emoji 😀😀 résumé café CAFÉ",
    "ﬁne ligature, İstanbul, Straße, ΣΊΣΥΦΟΣ",
    "tab\tseparated\nnew line\r\ncarriage  double  spaces ",
    "x" * 300,
    "word " * 700,
    "the the the nurse nurse",
    "¿Dónde está la recepción? ¡Qué amable la enfermera!",
    "Mr. O'Neil-Smith & Dr McDonald at 555-201-3344, jane.doe@example.com",
    "don't can't won't I'm it's",
    "12345 67 8.9 10/10",
]


def language_scores(text: str) -> tuple[float, float]:
    """(English evidence, Spanish evidence) for a text."""
    lowered = text.lower()
    words = WORD.findall(lowered)
    english = sum(WORD_WEIGHT for w in words if w in ENGLISH_WORDS)
    spanish = sum(WORD_WEIGHT for w in words if w in SPANISH_WORDS)
    if not lowered.isascii():
        spanish += MARK_WEIGHT * len(SPANISH_MARKS.findall(lowered))
    # Endings count on words longer than the ending ("ida" alone is no evidence).
    spanish += ENDING_WEIGHT * sum(1 for w in words if len(w) > 4 and w.endswith(SPANISH_ENDINGS))
    english += ENDING_WEIGHT * sum(1 for w in words if len(w) > 4 and w.endswith(ENGLISH_ENDINGS))
    english += DIGRAPH_WEIGHT * sum(
        1 for w in words if w not in SPANISH_WORDS for pair in ENGLISH_DIGRAPHS if pair in w
    )
    return english, spanish


def may_be_urgent(folded_text: str) -> bool:
    """Whether any word starts with an anchor stem: False means no pattern can match."""
    return any(
        word[:n] in ANCHOR_STEMS
        for word in NEGATION_WORD.findall(folded_text)
        if word[:3] in STEM_STARTS
        for n in STEM_LENGTHS
    )


def wording_transform(index: WordingIndex, texts: Sequence[str]) -> sp.csr_matrix:
    """Character-gram weights counted one word at a time."""
    rows: list[int] = []
    columns: list[int] = []
    for row, text in enumerate(texts):
        for word in wording_words(text):
            grams = index.grams_of(word)
            columns.extend(grams)
            rows.extend([row] * len(grams))
    ones = np.ones(len(columns), dtype=np.float32)
    shape = (len(texts), len(index.vocabulary))
    # COO to CSR sums repeated (row, gram) pairs into counts.
    matrix = sp.coo_matrix((ones, (np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64))), shape=shape).tocsr()
    matrix.data = (1 + np.log(matrix.data)) * index.idf[matrix.indices]
    return sp.csr_matrix(normalize(matrix, norm="l2", copy=False))


def lexicon_features(text: str) -> list[float]:
    """[positive strength, negative strength, net, exclamation marks, number of words (log)]."""
    positive = negative = 0.0
    flip_left = 0
    boost = 1.0
    words = plain_words(text)
    for word in words:
        if word in NEGATIONS:
            flip_left = NEGATION_SPAN
            continue
        if word in INTENSIFIERS:
            boost = 1.5
            continue
        strength = POSITIVE.get(word, 0.0) - NEGATIVE.get(word, 0.0)
        if strength:
            strength *= boost
            if flip_left:
                # "not good" is mildly negative, "not bad" mildly positive: a flip halves the strength.
                strength = -strength / 2
            if strength > 0:
                positive += strength
            else:
                negative -= strength
        boost = 1.0
        flip_left = max(0, flip_left - 1)
    return [positive, negative, positive - negative, float(min(text.count("!"), 3)), float(np.log1p(len(words)))]

