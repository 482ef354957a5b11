"""Language detection on hand-labelled comments: long and short, English and Spanish, mixed and empty."""

from __future__ import annotations

import pytest

from careloop.feedback.language import detect_language

ENGLISH = [
    "The receptionist was rude and I waited two hours past my appointment time.",
    "Dr Okafor explained everything clearly and listened to me.",
    "Thanks!",
    "Excellent",
    "Long wait",
    "All good",
    "Loved it",
    "Quick and kind.",
    "The bill was wrong again and nobody called me back.",
    "Parking is a nightmare",
    "Nurse José was wonderful with my son",  # a Spanish name in an English sentence
    "I couldn't book online, the website kept crashing",
]
SPANISH = [
    "La doctora fue muy amable y me explicó todo.",
    "Esperé dos horas en la sala de espera.",
    "Muy amables",
    "Gracias",
    "Todo bien",
    "Rápido",
    "nada",
    "Excelente atención",
    "La recepcionista no me ayudó con la factura.",
    "El estacionamiento es difícil",
    "Me cobraron de más y nadie me explicó por qué",
    "Dr Smith fue muy amable conmigo",  # an English name in a Spanish sentence
]
UNDETERMINED = ["", "OK", "10/10", "José", "???", "Okafor", "👍"]


@pytest.mark.parametrize("text", ENGLISH)
def test_it_reads_english_comments_long_and_short(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", SPANISH)
def test_it_reads_spanish_comments_long_and_short(text: str) -> None:
    assert detect_language(text) == "es"


@pytest.mark.parametrize("text", UNDETERMINED)
def test_it_says_undetermined_when_there_is_no_evidence(text: str) -> None:
    assert detect_language(text) == "und"


def test_it_follows_the_language_most_of_a_mixed_comment_is_in() -> None:
    assert detect_language("The doctor was great, muy amable, and the nurse was kind and quick too") == "en"
    assert detect_language("El doctor fue muy amable y me atendieron rápido, thank you") == "es"
    # Half and half: no honest answer.
    assert detect_language("Great staff, muy amable") == "und"
