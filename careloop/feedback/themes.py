"""The fixed theme framework: what a comment is about, whichever touchpoint it names.

The eleven themes are issue 6's list. They follow the categories NHS coders used for the pxtextmining
framework (care received, staff, communication, environment/facilities, access, transition/coordination,
dignity, couldn't be improved, miscellaneous), with two themes a US practice needs and the NHS does not
code separately: timeliness (waits on the day and for results, split out of NHS "Access") and
cost/billing (NHS care is free at the point of use).
"""

from __future__ import annotations

THEMES: dict[str, str] = {
    "timeliness": "Timeliness and waiting",
    "staff_attitude": "Staff attitude",
    "communication": "Communication and information",
    "clinical_care": "Clinical care",
    "environment": "Environment and facilities",
    "cost_billing": "Cost, billing and insurance",
    "access_booking": "Access and booking",
    "coordination_referrals": "Coordination and referrals",
    "dignity_respect": "Dignity and respect",
    "nothing_to_improve": "Nothing to improve",
    "other": "Other",
}
THEME_KEYS: tuple[str, ...] = tuple(THEMES)

# The NHS phase-1 data's (label, subcategory) pairs mapped onto our themes, to measure the default model
# on data it never saw (bench/comments.py, docs/comment-model.md). Subcategories about waiting are
# timeliness; the rest follows the label.
NHS_LABEL_TO_THEME: dict[str, str] = {
    "Access": "access_booking",
    "Care received": "clinical_care",
    "Communication": "communication",
    "Couldn't be improved": "nothing_to_improve",
    "Dignity": "dignity_respect",
    "Environment/ facilities": "environment",
    "Miscellaneous": "other",
    "Staff": "staff_attitude",
    "Transition/coordination": "coordination_referrals",
}
NHS_WAITING_SUBCATEGORIES = frozenset(
    {"Time spent waiting between appointments", "Time spent waiting for first appt/referral/service"}
)


def nhs_theme(label: str, subcategory: str) -> str:
    """Our theme for one NHS phase-1 row; KeyError for a label outside the nine NHS categories."""
    if subcategory.strip() in NHS_WAITING_SUBCATEGORIES:
        return "timeliness"
    if subcategory.strip() == "Nothing to improve":
        return "nothing_to_improve"
    return NHS_LABEL_TO_THEME[label.strip()]


def theme_key(name: str) -> str | None:
    """The theme key for a key or a display name in any case ("Staff attitude" -> staff_attitude);
    None if it is not a theme of the framework."""
    wanted = name.strip().lower()
    for key, label in THEMES.items():
        if wanted in {key, label.lower(), key.replace("_", " ")}:
            return key
    return None


def theme_label(key: str) -> str:
    return THEMES.get(key, key)
