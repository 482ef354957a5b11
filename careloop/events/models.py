"""The canonical event tables (DESIGN.md). One row is one event of operational data.

Patients appear only as a pseudonymous `patient_ref`; names and contact details live elsewhere.
Providers, locations, queues and agents are plain keys so the same tables can live in a warehouse
and be measured there. Timestamps are timezone-aware, stored in UTC.
"""

from __future__ import annotations

from django.db import models


class VisitType(models.TextChoices):
    NEW = "new", "New patient"
    ESTABLISHED = "established", "Established patient"
    URGENT = "urgent", "Urgent / same day"


class BookingChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    ONLINE = "online", "Online booking"
    PORTAL = "portal", "Patient portal"
    WALK_IN = "walk-in", "Walk-in"
    REFERRAL = "referral", "Referral"


class VisitStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no-show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCEL = "late-cancel", "Late cancellation"


class Visit(models.Model):
    visit_id = models.CharField(max_length=100, unique=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    provider = models.CharField(max_length=80, db_index=True)
    location = models.CharField(max_length=80)
    visit_type = models.CharField(max_length=20, choices=VisitType.choices)
    booking_channel = models.CharField(max_length=20, choices=BookingChannel.choices)
    requested_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    scheduled_start = models.DateTimeField(db_index=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    roomed_at = models.DateTimeField(null=True, blank=True)
    provider_in_at = models.DateTimeField(null=True, blank=True)
    checkout_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=VisitStatus.choices)

    class Meta:
        ordering = ["scheduled_start"]

    def __str__(self) -> str:
        return self.visit_id


class Call(models.Model):
    call_id = models.CharField(max_length=100, unique=True)
    queue = models.CharField(max_length=80)
    started_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    agent = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    callback_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return self.call_id


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    SCHEDULED = "scheduled", "Scheduled"
    REPORT_RECEIVED = "report-received", "Report received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Referral(models.Model):
    referral_id = models.CharField(max_length=100, unique=True)
    visit_id = models.CharField(max_length=100, blank=True, db_index=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    specialty = models.CharField(max_length=80)
    sent_at = models.DateTimeField(db_index=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    report_received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return self.referral_id


class MessageChannel(models.TextChoices):
    PORTAL = "portal", "Patient portal"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class Message(models.Model):
    message_id = models.CharField(max_length=100, unique=True)
    channel = models.CharField(max_length=20, choices=MessageChannel.choices)
    patient_ref = models.CharField(max_length=100, db_index=True)
    received_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return self.message_id


class BillingInquiry(models.Model):
    inquiry_id = models.CharField(max_length=100, unique=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    opened_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=80)

    class Meta:
        ordering = ["opened_at"]
        verbose_name_plural = "billing inquiries"

    def __str__(self) -> str:
        return self.inquiry_id


class Audit(models.Model):
    """An observation audit: a manager watched a touchpoint and ticked one checklist standard."""

    audit_id = models.CharField(max_length=100, unique=True)
    standard = models.CharField(max_length=80, db_index=True, help_text="The standard's key in the journey.")
    observed_at = models.DateTimeField(db_index=True)
    observer = models.CharField(max_length=80)
    passed = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["observed_at"]

    def __str__(self) -> str:
        return self.audit_id


class SlotSnapshot(models.Model):
    """The next three open slots as seen at one moment: third-next-available can only be measured
    as it happens (IHI's measure of access, "third next available appointment")."""

    taken_at = models.DateTimeField(db_index=True)
    provider = models.CharField(max_length=80)
    visit_type = models.CharField(max_length=20, choices=VisitType.choices)
    next_available_1 = models.DateTimeField(null=True, blank=True)
    next_available_2 = models.DateTimeField(null=True, blank=True)
    next_available_3 = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["taken_at", "provider", "visit_type"], name="one_snapshot_per_moment")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.visit_type} @ {self.taken_at:%Y-%m-%d}"
