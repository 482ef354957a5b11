"""Survey invitations for the tests: the shipped instruments loaded, and a link for a visit or a patient."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from careloop.events.models import Visit
from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.tokens import NewInvitation, create_invitation

VISIT_START = datetime(2025, 1, 15, 14, 30, tzinfo=ZoneInfo("UTC"))


def make_visit(visit_id: str = "V-1", *, status: str = "completed", provider: str = "dr-okafor") -> Visit:
    return Visit.objects.create(
        visit_id=visit_id,
        patient_ref=f"P-{visit_id}",
        provider=provider,
        location="main-street",
        visit_type="established",
        booking_channel="phone",
        scheduled_start=VISIT_START,
        status=status,
    )


def survey_link(instrument: str = "cg-cahps-visit", *, visit: Visit | None = None, **options: Any) -> NewInvitation:
    load_shipped_instruments()
    version = active_instrument_version(instrument)
    assert version is not None
    if visit is None and "patient_ref" not in options and version.instrument.audience == "patient":
        visit = make_visit(f"V-{Visit.objects.count() + 1}")
    return create_invitation(version, visit=visit, **options)


def expire(link: NewInvitation) -> None:
    link.invitation.expires_at = link.invitation.created_at - timedelta(seconds=1)
    link.invitation.save(update_fields=["expires_at"])
