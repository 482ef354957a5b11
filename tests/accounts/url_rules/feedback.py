"""URLs of the feedback app: the explorer, the empathy map and the label correction, all pages behind
require_permission; the correction page needs an analysis to name."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

ANALYSIS_ID = "6f1c2a9e-3b7d-4c1e-9a55-0c8d2f7e4b10"

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "analysis_id": (ANALYSIS_ID, "0b3e8d1c-9f4a-4e2b-8c7d-5a6f1e2d3c4b"),
}


def seed() -> None:
    import uuid

    from django.utils import timezone

    from tests.feedback.explorer_cases import analysed_comment

    analysis = analysed_comment(
        "The wait was long <script>alert(1)</script> but Grace Lee was kind.",
        when=timezone.now(),
        touchpoints=["waiting-room"],
        themes=["timeliness"],
        sentiment=3,
    )
    analysis.external_id = uuid.UUID(ANALYSIS_ID)
    analysis.save(update_fields=["external_id"])
