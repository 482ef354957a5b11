"""Deny by default for patient-bearing events: the one way views and the API read a patient's events.

Without `can_view_patient_events`, or for a patient_ref nobody has data for, the answer is the
same 404, so a wrong guess and a right one look alike (no hint that a patient exists). Every read
that succeeds is written to the audit log in the same transaction (45 CFR 164.312(b)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpRequest

from careloop.accounts import audit
from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import CAN_SEARCH_PATIENTS, CAN_VIEW_PATIENT_EVENTS
from careloop.events.models import BillingInquiry, Message, Referral, Visit

# The audit log's names for what a timeline shows (accounts/audit.py AUDITABLE_FIELDS).
TIMELINE_FIELDS = ("patient_ref", "visit", "referral", "message", "billing_inquiry")


@dataclass(frozen=True)
class PatientTimeline:
    patient_ref: str
    visits: list[Visit] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    billing_inquiries: list[BillingInquiry] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.visits or self.referrals or self.messages or self.billing_inquiries)

    def entries(self) -> list[TimelineEntry]:
        """Everything in one list, oldest first, as a person reads a story."""
        provider_names = dict(
            StaffMember.objects.filter(key__in={v.provider for v in self.visits}).values_list("key", "name")
        )
        items = (
            [visit_entry(v, provider_names) for v in self.visits]
            + [referral_entry(r) for r in self.referrals]
            + [message_entry(m) for m in self.messages]
            + [billing_entry(b) for b in self.billing_inquiries]
        )
        return sorted(items, key=lambda entry: (entry.at, entry.kind, entry.record_id))


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    record_id: str
    at: datetime
    title: str
    status: str
    details: list[tuple[str, datetime | str | None]]

    @property
    def known_details(self) -> list[tuple[str, datetime | str]]:
        """Only the steps that happened: a cancelled visit has no arrival to show."""
        return [(label, value) for label, value in self.details if value]


def visit_entry(visit: Visit, provider_names: dict[str, str]) -> TimelineEntry:
    provider = provider_names.get(visit.provider, visit.provider)
    return TimelineEntry(
        kind="visit",
        record_id=visit.visit_id,
        at=visit.scheduled_start,
        title=f"{visit.get_visit_type_display()} visit with {provider} at {visit.location}",
        status=visit.get_status_display(),
        details=[
            ("Booked", visit.booked_at),
            ("Arrived", visit.arrived_at),
            ("Roomed", visit.roomed_at),
            ("Provider in", visit.provider_in_at),
            ("Checked out", visit.checkout_at),
        ],
    )


def referral_entry(referral: Referral) -> TimelineEntry:
    return TimelineEntry(
        kind="referral",
        record_id=referral.referral_id,
        at=referral.sent_at,
        title=f"Referral to {referral.specialty}",
        status=referral.get_status_display(),
        details=[
            ("Scheduled", referral.scheduled_at),
            ("Report received", referral.report_received_at),
            ("Closed", referral.closed_at),
        ],
    )


def message_entry(message: Message) -> TimelineEntry:
    return TimelineEntry(
        kind="message",
        record_id=message.message_id,
        at=message.received_at,
        title=f"Message by {message.get_channel_display()}",
        status="Closed" if message.closed_at else "Open",
        details=[("First response", message.first_response_at), ("Closed", message.closed_at)],
    )


def billing_entry(inquiry: BillingInquiry) -> TimelineEntry:
    return TimelineEntry(
        kind="billing_inquiry",
        record_id=inquiry.inquiry_id,
        at=inquiry.opened_at,
        title=f"Billing inquiry: {inquiry.category}",
        status="Resolved" if inquiry.resolved_at else "Open",
        details=[("First response", inquiry.first_response_at), ("Resolved", inquiry.resolved_at)],
    )


def load_patient_timeline(patient_ref: str) -> PatientTimeline:
    return PatientTimeline(
        patient_ref=patient_ref,
        visits=list(Visit.objects.filter(patient_ref=patient_ref)),
        referrals=list(Referral.objects.filter(patient_ref=patient_ref)),
        messages=list(Message.objects.filter(patient_ref=patient_ref)),
        billing_inquiries=list(BillingInquiry.objects.filter(patient_ref=patient_ref)),
    )


def patient_exists(patient_ref: str) -> bool:
    return any(
        model.objects.filter(patient_ref=patient_ref).exists() for model in (Visit, Referral, Message, BillingInquiry)
    )


def get_patient_timeline_or_404(user: User, patient_ref: str, request: HttpRequest | None = None) -> PatientTimeline:
    """The patient's events, audited; 404 alike for no permission and for an unknown patient."""
    if not user.can(CAN_VIEW_PATIENT_EVENTS):
        raise Http404
    with transaction.atomic():
        timeline = load_patient_timeline(patient_ref)
        if timeline.is_empty():
            raise Http404
        audit.record(
            user,
            "read",
            "patient_timeline",
            patient_ref,
            patient_ref=patient_ref,
            fields=TIMELINE_FIELDS,
            request=request,
        )
    return timeline


def find_patient_or_none(user: User, patient_ref: str, request: HttpRequest | None = None) -> str | None:
    """Exact match only, so the search cannot be used to list patients; audited when it finds one.
    Anyone without `can_search_patients` gets a 404, as for a page that does not exist."""
    if not user.can(CAN_SEARCH_PATIENTS):
        raise Http404
    ref = patient_ref.strip()
    if not ref:
        return None
    with transaction.atomic():
        if not patient_exists(ref):
            return None
        audit.record(user, "read", "patient_search", ref, patient_ref=ref, fields=["patient_ref"], request=request)
    return ref
