"""Events in the JSON API: a patient's timeline (audited), the exact-match patient search, and
counts per table for everyone who may see aggregates (no patient data)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from careloop.accounts.access import require_api_permission
from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.events.access import TimelineEntry, find_patient_or_none, get_patient_timeline_or_404
from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit

router = Router(tags=["events"])


class TimelineDetailOut(Schema):
    label: str
    value: str


class TimelineEntryOut(Schema):
    kind: str
    record_id: str
    at: datetime
    title: str
    status: str
    details: list[TimelineDetailOut]


class PatientTimelineOut(Schema):
    patient_ref: str
    time_zone: str
    entries: list[TimelineEntryOut]


class PatientSearchIn(Schema):
    patient_ref: str


class PatientFoundOut(Schema):
    patient_ref: str


class EventCountsOut(Schema):
    visits: int
    calls: int
    referrals: int
    messages: int
    billing_inquiries: int
    audits: int
    slot_snapshots: int


def _local_iso(value: datetime | str) -> str:
    return timezone.localtime(value).isoformat() if isinstance(value, datetime) else value


def _entry_out(entry: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        kind=entry.kind,
        record_id=entry.record_id,
        at=timezone.localtime(entry.at),
        title=entry.title,
        status=entry.status,
        details=[TimelineDetailOut(label=label, value=_local_iso(value)) for label, value in entry.details if value],
    )


@router.get("/patients/{path:patient_ref}/timeline", response=PatientTimelineOut)
def patient_timeline(request: HttpRequest, patient_ref: str) -> PatientTimelineOut:
    timeline = get_patient_timeline_or_404(request.user, patient_ref, request)  # type: ignore[arg-type]
    return PatientTimelineOut(
        patient_ref=timeline.patient_ref,
        time_zone=timezone.get_current_timezone_name(),
        entries=[_entry_out(e) for e in timeline.entries()],
    )


# POST, so the reference travels in the body rather than in URLs that proxies and browsers log.
@router.post("/patients/search", response=PatientFoundOut)
def patient_search(request: HttpRequest, payload: PatientSearchIn) -> PatientFoundOut:
    found = find_patient_or_none(request.user, payload.patient_ref, request)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    return PatientFoundOut(patient_ref=found)


@router.get("/summary", response=EventCountsOut)
def summary(request: HttpRequest) -> EventCountsOut:
    require_api_permission(request, CAN_VIEW_AGGREGATES)
    return EventCountsOut(
        visits=Visit.objects.count(),
        calls=Call.objects.count(),
        referrals=Referral.objects.count(),
        messages=Message.objects.count(),
        billing_inquiries=BillingInquiry.objects.count(),
        audits=Audit.objects.count(),
        slot_snapshots=SlotSnapshot.objects.count(),
    )
