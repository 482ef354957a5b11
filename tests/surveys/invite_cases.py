"""What the invitation tests start from: the visit survey loaded, a completed visit, a patient's
contact preferences. Times are fixed: 4 March 2025 is before the US switch to daylight time
(9 March), so New York (the practice's default zone) is UTC-5."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.events.models import PatientContact, Visit
from careloop.surveys.instrument_file import active_instrument_version, load_shipped_instruments
from careloop.surveys.models import InstrumentVersion

UTC = ZoneInfo("UTC")
# 10:00 in New York.
NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def visit_survey() -> InstrumentVersion:
    load_shipped_instruments()
    version = active_instrument_version("cg-cahps-visit")
    assert version is not None
    return version


def completed_visit(visit_id: str = "V-1", patient_ref: str = "P-1", *, checkout: datetime = NOW - timedelta(hours=1), status: str = "completed") -> Visit:
    return Visit.objects.create(
        visit_id=visit_id,
        patient_ref=patient_ref,
        provider="dr-okafor",
        location="main-street",
        visit_type="established",
        booking_channel="phone",
        scheduled_start=checkout - timedelta(minutes=45),
        checkout_at=checkout,
        status=status,
    )


def contact(patient_ref: str = "P-1", *, email: str = "pat@example.test", phone: str = "", language: str = "en", consent_email: bool = True, consent_sms: bool = False) -> PatientContact:
    return PatientContact.objects.create(
        patient_ref=patient_ref, email=email, phone=phone, language=language, consent_email=consent_email, consent_sms=consent_sms
    )
