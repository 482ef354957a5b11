"""Patient events made with the ORM for the timeline tests: one patient with one row in each table."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.events.models import BillingInquiry, Message, Referral, Visit

UTC = ZoneInfo("UTC")
# 14:30 UTC on 15 January 2025 is 09:30 in New York (EST, UTC-5), the practice's default time zone.
VISIT_START = datetime(2025, 1, 15, 14, 30, tzinfo=UTC)


def make_patient(patient_ref: str = "P-1001", *, specialty: str = "Cardiology") -> str:
    Visit.objects.create(
        visit_id=f"V-{patient_ref}",
        patient_ref=patient_ref,
        provider="dr-okafor",
        location="main-street",
        visit_type="established",
        booking_channel="phone",
        scheduled_start=VISIT_START,
        arrived_at=VISIT_START - timedelta(minutes=10),
        checkout_at=VISIT_START + timedelta(minutes=40),
        status="completed",
    )
    Referral.objects.create(
        referral_id=f"R-{patient_ref}",
        visit_id=f"V-{patient_ref}",
        patient_ref=patient_ref,
        specialty=specialty,
        sent_at=VISIT_START + timedelta(days=1),
        status="sent",
    )
    Message.objects.create(
        message_id=f"M-{patient_ref}",
        channel="portal",
        patient_ref=patient_ref,
        received_at=VISIT_START + timedelta(days=2),
        first_response_at=VISIT_START + timedelta(days=2, hours=3),
    )
    BillingInquiry.objects.create(
        inquiry_id=f"B-{patient_ref}",
        patient_ref=patient_ref,
        opened_at=VISIT_START + timedelta(days=3),
        category="copay",
    )
    return patient_ref
