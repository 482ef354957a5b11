"""The fast paths of comment analysis give the numbers of the slower definitions they replaced: model2vec's
own encoding, scikit-learn's TF-IDF, and the word-at-a-time readers kept in reference_readers.py. Compared
on every comment the feedback tests hold (seed set, planted-PHI corpus, touchpoint comments, NHS-like
tricky texts), so a change to a tokenizer, a vocabulary or a word list that breaks the equivalence shows."""

from __future__ import annotations

import gc
import random
import re
import string

import numpy as np
import pytest
import scipy.sparse as sp

from careloop.feedback import embeddings, language, redaction, sentiment, urgency
from careloop.feedback.analysis import cyclic_gc_paused
from careloop.feedback.embeddings import embed, load_embedding_model, piece_embedder, pieces_of, reference_embed
from careloop.feedback.features import TextFeatures
from careloop.feedback.model_store import SHIPPED_MODEL_DIR, load_model_folder
from careloop.feedback.touchpoints import WordingIndex, read_seed
from tests.feedback import reference_readers
from tests.feedback.phi_corpus import CORPUS
from tests.feedback.touchpoint_comments import DEV, TEST


def corpus() -> list[str]:
    seed = read_seed()
    texts: list[str] = []
    for section in ("themes", "sentiment", "touchpoints"):
        groups = seed[section]
        assert isinstance(groups, dict)
        texts += [str(text) for group in groups.values() for text in group]
    texts += [comment.text for comment in CORPUS]
    texts += [text for text, _ in DEV + TEST]
    # Longer comments made of the others, with the spacing patients type (several spaces, new lines).
    texts += ["  ".join(texts[i : i + 5]) for i in range(0, len(texts), 5)]
    texts += ["\n".join(texts[i : i + 3]) for i in range(0, 60, 3)]
    return texts + reference_readers.TRICKY_TEXTS


TEXTS = corpus()


@pytest.fixture
def fresh_pieces() -> None:
    piece_embedder(load_embedding_model()).forget()


def test_it_embeds_as_model2vec_does(fresh_pieces: None) -> None:
    expected = reference_embed(TEXTS)
    cold = embed(TEXTS)
    warm = embed(TEXTS)  # every piece known now
    # The same float16 numbers; a sum taken in another order may round one value to its neighbour.
    assert np.abs(cold - expected).max() <= 2**-10
    assert np.mean(np.all(cold == expected, axis=1)) >= 0.99
    assert np.array_equal(cold, warm)
    assert cold.dtype == np.float32 and cold.shape == (len(TEXTS), load_embedding_model().dim)


def test_it_embeds_random_text_in_any_script_as_model2vec_does(fresh_pieces: None) -> None:
    rng = random.Random(1)
    # Letters, digits, every ASCII mark, accents (composed and combining), other scripts, emoji, every
    # kind of space and control character the tokenizer cleans, its replacement character.
    alphabet = (list(string.ascii_letters + string.digits) * 3 + [" "] * 30 + list(string.punctuation)
                + list("áéíóúñÑüçßİıſΣσςΩ東京한국😀\u0301\u0308\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000\u200b"
                       "\ufeff\x00\ufffd¿¡’“”…–—"))
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(1500)]
    texts += ["a", ".", "", "  "]  # ending on texts with no piece at all
    assert np.abs(embed(texts) - reference_embed(texts)).max() <= 2**-10


def test_it_splits_pieces_where_the_tokenizer_splits_words() -> None:
    assert pieces_of("Staff were RUDE, (very) rude!") == ["staff", "were", "rude", ",", "(", "very", ")", "rude", "!"]
    # Not lower-cased when not ASCII (Unicode lower-casing is not always BERT's), and "[" goes the exact way.
    assert pieces_of("Muy Amable\tla señora") == ["Muy", "Amable", "la", "señora"]
    assert pieces_of("an [UNK] token") == []


def test_it_embeds_texts_past_the_token_limit_as_model2vec_cuts_them(fresh_pieces: None) -> None:
    long_texts = ["word " * 700, "the nurse was kind " * 200, "x" * 5000 + " short"]
    assert np.abs(embed(long_texts) - reference_embed(long_texts)).max() <= 2**-10


def test_it_starts_again_when_the_piece_memory_is_full(monkeypatch: pytest.MonkeyPatch, fresh_pieces: None) -> None:
    monkeypatch.setattr(embeddings, "PIECE_CACHE_SIZE", 50)
    first, second = TEXTS[:40], TEXTS[40:80]
    assert np.abs(embed(first) - reference_embed(first)).max() <= 2**-10
    assert np.abs(embed(second) - reference_embed(second)).max() <= 2**-10
    # Full after `first`, so emptied before `second`: what it holds now is `second`'s pieces alone.
    assert set(piece_embedder(load_embedding_model()).piece_index) == {p for t in second for p in pieces_of(t)}


def assert_same_sparse(fast: sp.csr_matrix, reference: sp.csr_matrix) -> None:
    assert fast.shape == reference.shape
    assert np.array_equal(fast.indptr, reference.indptr)
    assert np.array_equal(fast.indices, reference.indices)
    assert fast.dtype == reference.dtype
    assert np.array_equal(fast.data, reference.data)


def test_it_counts_tfidf_as_scikit_learn_does() -> None:
    shipped = load_model_folder(SHIPPED_MODEL_DIR).features
    assert_same_sparse(shipped.tfidf(TEXTS), shipped.reference_tfidf(TEXTS))
    # A vocabulary fitted here has bigrams whose words are not unigrams of it (min_df prunes them apart).
    fitted = TextFeatures.fit(TEXTS[: len(TEXTS) // 2], min_df=2)
    assert any(" " in term for term in fitted.vocabulary)
    assert_same_sparse(fitted.tfidf(TEXTS), fitted.reference_tfidf(TEXTS))


def test_it_weighs_touchpoint_wording_as_one_word_at_a_time() -> None:
    index = WordingIndex.fit(TEXTS[:300])
    assert_same_sparse(index.transform(TEXTS), reference_readers.wording_transform(index, TEXTS))


def test_it_reads_language_urgency_and_sentiment_words_as_before() -> None:
    language._EVIDENCE.clear()
    urgency._ANCHORED.clear()
    for _ in range(2):  # with the word memories empty, then full
        assert [language.language_scores(t) for t in TEXTS] == [reference_readers.language_scores(t) for t in TEXTS]
        folded = [urgency.fold(t) for t in TEXTS]
        assert [urgency.may_be_urgent(t) for t in folded] == [reference_readers.may_be_urgent(t) for t in folded]
    assert any(urgency.may_be_urgent(t) for t in folded) and not all(urgency.may_be_urgent(t) for t in folded)
    assert [sentiment.lexicon_features(t) for t in TEXTS] == [reference_readers.lexicon_features(t) for t in TEXTS]


def test_it_finds_name_cues_as_the_ungrouped_pattern_does() -> None:
    ungrouped = re.compile(
        rf"\b(?=[mipstdnelMIPSTDNEL])(?P<cue>(?i:{redaction.NAME_CUES}))\s*:?\s+(?P<name>{redaction.NAME_RE})"
    )
    cue_texts = TEXTS + [f"{cue} Jane Doe" for cue in ("My name is", "MR.", "patient name:", "Sra.", "mi mamá,", "I'm")]

    def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str, str]]:
        return [(m.span(), m.group("cue"), m.group("name")) for m in pattern.finditer(text)]

    assert [found(redaction.NAME_AFTER_CUE_RE, t) for t in cue_texts] == [found(ungrouped, t) for t in cue_texts]
    assert sum(bool(found(ungrouped, t)) for t in cue_texts) >= 10
    assert redaction.top_level_alternatives("a|b(?:c|d)|[|]e") == ["a", "b(?:c|d)", "[|]e"]


def test_it_looks_for_a_signature_only_where_one_can_be() -> None:
    for sign_off in redaction.top_level_alternatives(redaction.SIGN_OFFS):
        assert any(word in sign_off for word in redaction.SIGN_OFF_WORDS), sign_off
    signed = TEXTS + ["Great care.\nKind Regards,\nJane Doe", "Muy bien. Un saludo, María López", "All good -- Jane",
                      "Thanks Jane", "ok\n~ Bob Smith", "Fine. ſincerely Jane Doe"]
    for text in signed:
        tail_start = max(0, len(text) - redaction.SIGNATURE_REACH)
        if redaction.SIGN_OFF_RE.search(text, tail_start):
            assert redaction.may_sign_off(text[tail_start:]), text
    assert sum(bool(redaction.SIGN_OFF_RE.search(t, max(0, len(t) - 80))) for t in signed) >= 5
    assert not redaction.may_sign_off("the nurse was kind and the wait was short")


def test_it_pauses_the_cycle_collector_only_while_reading_a_batch() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), cyclic_gc_paused():
        raise ValueError("a reader failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
