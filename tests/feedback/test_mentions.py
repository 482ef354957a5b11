"""Staff mentions: full names, titles, initials, first names, nicknames, accents, and the everyday words
that are also names. Staff members are unsaved StaffMember rows: matching reads only what is passed in."""

from __future__ import annotations

import pytest

from careloop.accounts.models import StaffMember
from careloop.feedback.mentions import find_staff_mentions

STAFF = [
    StaffMember(key="okafor", name="Dr Amara Okafor", title="Physician", is_provider=True),
    StaffMember(key="grace", name="Grace Lee", title="Nurse"),
    StaffMember(key="park", name="William Park", title="Receptionist"),
    StaffMember(key="martinez", name="José Martínez", title="Billing lead"),
    StaffMember(key="rose", name="Rose Tyler", title="Medical assistant"),
    StaffMember(key="garcia", name="María García", title="Front-desk lead"),
    StaffMember(key="lopez", name="Maria Lopez", title="Nurse"),
    StaffMember(key="bell", name="Katherine Bell", title="Scheduler", nicknames=["KB"]),
    StaffMember(key="ruiz", name="Guadalupe Ruiz", title="Nurse"),
    StaffMember(key="chen", name="Michael Chen", title="Physician", is_provider=True),
    StaffMember(key="joy", name="Joy Adams", title="Nurse"),
]

CASES = [
    # full names and titles
    ("Dr Okafor was great", ["okafor"]),
    ("Dr. O explained everything", ["okafor"]),
    ("la doctora Okafor me explicó todo", ["okafor"]),
    ("Amara Okafor is the best doctor", ["okafor"]),
    ("Amara listened to me", ["okafor"]),
    ("Thanks Mr. Park", ["park"]),
    ("María García was lovely", ["garcia"]),
    # accents ignored both ways
    ("jose martinez sorted my bill", ["martinez"]),
    ("Dr Okafór", ["okafor"]),
    # nicknames from the table and from the staff list
    ("Pepe en recepción muy amable", ["martinez"]),
    ("Katie was great", ["bell"]),
    ("KB fixed my appointment", ["bell"]),
    ("Lupe me ayudó mucho", ["ruiz"]),
    ("Mike was thorough", ["chen"]),
    # everyday words that are also names need context
    ("Thanks to Grace", ["grace"]),
    ("Nurse Grace helped me", ["grace"]),
    ("Thank God for grace", []),
    ("Grace was kind", []),  # sentence-initial capital: could be the word
    ("Will at the front desk was rude", ["park"]),
    ("I will come back", []),
    ("Will they call me?", []),
    ("The bill was wrong", []),
    ("nurse joy was lovely", ["joy"]),
    ("It was a joy to visit", []),
    ("Rose at reception was kind", ["rose"]),
    # whole words only
    ("The rosemary smell in the waiting room", []),
    ("Grace's smile made my day, said Joy Adams", ["joy"]),  # "Grace" sentence-initial; Joy by full name
    # a first name two staff share credits neither; a surname disambiguates
    ("Maria was lovely", []),
    ("Maria Lopez was lovely", ["lopez"]),
    # several, in order, each once
    ("Dr Chen and Nurse Grace were kind, and Dr Chen called back", ["chen", "grace"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_it_finds_the_staff_a_comment_names(text: str, expected: list[str]) -> None:
    assert find_staff_mentions(text, STAFF) == expected


def test_it_finds_nobody_without_a_staff_list() -> None:
    assert find_staff_mentions("Dr Okafor was great", []) == []


def test_it_sees_a_changed_staff_list_at_once() -> None:
    assert find_staff_mentions("Dr Novak was great", STAFF) == []
    assert find_staff_mentions("Dr Novak was great", [*STAFF, StaffMember(key="novak", name="Ana Novak")]) == ["novak"]
