"""Redaction on the planted-identifier corpus (tests/feedback/phi_corpus.py): every planted phone, email,
record number and date of birth goes, at least 95 % of planted names go, and staff names stay."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from careloop.feedback.redaction import nhs_number_is_valid, redact
from tests.feedback.phi_corpus import CORPUS, STAFF_NAMES, planted_count

TOKENS = {"phone": "[PHONE]", "email": "[EMAIL]", "dob": "[DOB]", "record": "[RECORD]", "address": "[ADDRESS]"}


def left_over_parts(value: str, redacted: str) -> list[str]:
    """Pieces of an identifier still in the text ("'Neill" of "O'Neill", "4455" of a phone number)."""
    parts = re.findall(r"[^\W_]{3,}", value)
    return [p for p in parts if re.search(rf"(?<![^\W_]){re.escape(p)}(?![^\W_])", redacted)]


def recall_by_kind() -> tuple[Counter[str], Counter[str], list[str]]:
    planted: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    missed: list[str] = []
    for comment in CORPUS:
        redacted = redact(comment.text, keep=STAFF_NAMES)
        for kind, values in comment.planted.items():
            for value in values:
                planted[kind] += 1
                if value in redacted or left_over_parts(value, redacted):
                    missed.append(f"{kind} {value!r} in {redacted!r}")
                else:
                    removed[kind] += 1
    return planted, removed, missed


def test_the_corpus_plants_enough_identifiers_in_both_languages() -> None:
    assert planted_count() >= 60
    planted, _, _ = recall_by_kind()
    assert set(planted) == {"name", "phone", "email", "dob", "record", "address"}


def test_it_removes_every_planted_phone_email_record_and_date_of_birth() -> None:
    planted, removed, missed = recall_by_kind()
    for kind in ("phone", "email", "record", "dob", "address"):
        assert removed[kind] == planted[kind], [m for m in missed if m.startswith(kind)]


def test_it_removes_at_least_95_percent_of_planted_names() -> None:
    planted, removed, missed = recall_by_kind()
    assert removed["name"] / planted["name"] >= 0.95, [m for m in missed if m.startswith("name")]


def test_it_keeps_the_staff_names_being_praised() -> None:
    for comment in CORPUS:
        redacted = redact(comment.text, keep=STAFF_NAMES)
        for name in comment.staff:
            assert name in redacted, (name, redacted)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "My name is Jane Doe and my DOB is 03/04/1961. Call me on (555) 010-3344 or jane@example.com.",
            "My name is [NAME] and my DOB is [DOB]. Call me on [PHONE] or [EMAIL].",
        ),
        ("I am Maria Lopez, MRN 00123456, I live at 42 Oak Street.", "I am [NAME], MRN [RECORD], I live at [ADDRESS]."),
        ("Mrs Okafor was lovely. Mr Johnson was rude.", "Mrs Okafor was lovely. Mr [NAME] was rude."),
        ("I'm Jane. Jane again here.", "I'm [NAME]. [NAME] again here."),
        ("Me llamo Ana Ríos, nací el 4 de marzo de 1970.", "Me llamo [NAME], nací el [DOB]."),
        ("Seen on 12/05/2024 by Dr Chen", "Seen on [DATE] by Dr Chen"),
        ("Thanks to Mrs Watson-O'Neil for her help", "Thanks to Mrs [NAME] for her help"),
    ],
)
def test_it_puts_a_token_saying_what_was_there(text: str, expected: str) -> None:
    assert redact(text, keep=STAFF_NAMES) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am very upset. I waited 45 minutes on Main Street.",
        "I am Diabetic and the patient experience was poor",
        "Great visit, 10/10, waited 20 minutes, rated 9 out of 10",
        "Dr Okafor and Grace Lee were wonderful",
        "Thank you Dr Chen",
        "Soy diabética y la espera fue larga",
        # From the NHS comments: shouting, a doctor after a number, years of service.
        "IM DISGUSTED AND FEEL LET DOWN BY THIS SERVICE",
        "I had 3 x appointments with Dr Rita and 2 visits with St Johns",
        "I was a nurse in the NHS for 37 yrs",
        "We know the patient Is safe and secure",
        "",
    ],
)
def test_it_leaves_comments_without_identifiers_alone(text: str) -> None:
    assert redact(text, keep=STAFF_NAMES) == text


def test_it_checks_nhs_numbers_by_modulus_11() -> None:
    # 943 476 5919 is the NHS Data Dictionary's worked example; changing its check digit breaks it.
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
