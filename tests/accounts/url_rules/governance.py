"""URLs of the governance app: every page is behind require_permission; ids are UUIDs."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REVIEW_ID = "2b7e1f0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
STAFF_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "review_id": (REVIEW_ID, "00000000-0000-4000-8000-000000000001"),
    "staff_id": (STAFF_ID, "00000000-0000-4000-8000-000000000002"),
}


def seed() -> None:
    import uuid

    from careloop.accounts.models import StaffMember
    from careloop.governance.models import Review

    Review.objects.create(external_id=uuid.UUID(REVIEW_ID), title="Monday calls", problem="Calls wait on Mondays.")
    StaffMember.objects.create(external_id=uuid.UUID(STAFF_ID), key="rita-reception", name="Rita Reception")
