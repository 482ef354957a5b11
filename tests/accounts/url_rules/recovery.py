"""URLs of the recovery app: every page is behind require_permission; a case id is a UUID."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

CASE_ID = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "case_id": (CASE_ID, "00000000-0000-4000-8000-000000000000"),
}


def seed() -> None:
    import uuid

    from careloop.recovery.models import Case
    from careloop.recovery.opening import CaseOpening, open_case

    case, _ = open_case(
        CaseOpening(
            dedupe_key="P-1001:visit:V-P-1001",
            trigger="long_wait",
            summary="Waited 75 minutes to see the provider",
            touchpoint_key="check-in",
            priority="normal",
            evidence_kind="visit",
            evidence_ref="V-P-1001",
            patient_ref="P-1001",
        )
    )
    Case.objects.filter(pk=case.pk).update(external_id=uuid.UUID(CASE_ID))
