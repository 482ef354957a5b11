"""Every language of the answer pages has every word: a language is added by adding a wording file."""

from __future__ import annotations

import re

from careloop.surveys.languages import available_languages, missing_words, wording


def test_it_translates_every_word_into_every_language() -> None:
    assert available_languages() == ("en", "es")
    for language in available_languages():
        assert missing_words(language) == [], language


def test_it_keeps_the_same_placeholders_in_every_language() -> None:
    english = wording("en")
    for language in available_languages():
        words = wording(language)
        for key, text in english.items():
            if isinstance(text, str):
                assert set(re.findall(r"{\w+}", words[key])) == set(re.findall(r"{\w+}", text)), f"{language}: {key}"


def test_it_falls_back_to_english_for_an_unknown_language() -> None:
    assert wording("xx")["next"] == "Next"
    assert wording("es")["next"] == "Siguiente"
