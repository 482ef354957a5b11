"""URLs of the events app."""

from __future__ import annotations

from careloop.accounts.roles import CAN_SEARCH_PATIENTS, CAN_VIEW_AGGREGATES, CAN_VIEW_PATIENT_EVENTS
from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {
    "api/events/patients/<path:patient_ref>/timeline": ApiRule(CAN_VIEW_PATIENT_EVENTS),
    "api/events/patients/search": ApiRule(CAN_SEARCH_PATIENTS, "post", {"patient_ref": "{patient_ref}"}),
    "api/events/summary": ApiRule(CAN_VIEW_AGGREGATES),
}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "patient_ref": ("P-1001", "P-guessed-0000"),
    "visit_id": ("V-P-1001", "no-such-visit"),
}


def seed() -> None:
    from tests.events.patient_events import make_patient

    from careloop.events.models import PatientContact

    make_patient("P-1001")
    PatientContact.objects.create(patient_ref="P-1001", given_name="Ana", email="ana@example.test")
