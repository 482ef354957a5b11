"""The canonical event tables (DESIGN.md). One row is one event of operational data.

Patients appear only as a pseudonymous `patient_ref`; names and contact details live elsewhere.
Providers, locations, queues and agents are plain keys so the same tables can live in a warehouse
and be measured there. Timestamps are timezone-aware, stored in UTC.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventTable(models.TextChoices):
    """The tables `careloop import` fills, by the name the command takes."""

    VISITS = "visits", "Visits"
    CALLS = "calls", "Calls"
    REFERRALS = "referrals", "Referrals"
    MESSAGES = "messages", "Messages"
    BILLING = "billing", "Billing inquiries"
    AUDITS = "audits", "Observation audits"


# What an ImportRun may fill besides the event tables: the contact store and slot snapshots.
IMPORT_TABLES = [
    *EventTable.choices,
    ("contacts", "Patient contacts"),
    ("slots_snapshots", "Slot snapshots"),
    ("responses", "Survey responses"),
]


class ImportRun(models.Model):
    """One `careloop import` of one file: who, when, which file (name and SHA-256 of its bytes), and what
    it did to the table. Rejected runs are kept too (they wrote no event), so an operator can see every
    attempt. docs/importing.md explains the counts."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported (every row)"
        QUARANTINED = "quarantined", "Imported the good rows; bad rows written to a file"
        REJECTED = "rejected", "Rejected (nothing written)"

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    table = models.CharField(max_length=20, choices=IMPORT_TABLES)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the file's bytes.")
    mapping_name = models.CharField(max_length=500, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="import_runs"
    )
    run_by = models.CharField(max_length=150, blank=True, help_text="The operating-system user, for CLI imports.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    quarantine_file = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.table} from {self.file_name} ({self.status})"


class ImportedEvent(models.Model):
    """An event table `careloop import` fills. Provenance of a row: the table's own id field (visit_id,
    call_id, …) is the source system's id; `import_run` is the run that last inserted or changed the
    row (None for rows the demo wrote); `content_hash` is a digest of the imported values, so importing
    the same file twice finds every row unchanged without comparing column by column.

    Each table declares the two fields last (import_run_field(), content_hash_field()), so field
    lists shown to people (a journey file's "its fields: …") start with the event's own fields."""

    class Meta:
        abstract = True


def import_run_field() -> models.ForeignKey[ImportRun | None, ImportRun | None]:
    # No index: nothing looks rows up by their run (the measures engine, the importers' upserts by the
    # source id, the recompute signal by time), and an import maintained it for every row it wrote, one
    # of five plain indexes on SQLite and of nine on PostgreSQL (bench/ingest.py). The foreign key stays,
    # so every stored run id names a real run; only deleting an ImportRun, which careloop never does
    # (runs are the import history), would scan the event tables to check PROTECT.
    return models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )


def content_hash_field() -> models.CharField[str, str]:
    return models.CharField(max_length=32, blank=True, editable=False)


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


class Visit(ImportedEvent):
    visit_id = models.CharField(max_length=100, unique=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    provider = models.CharField(max_length=80)
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

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["scheduled_start"]
        # The standards engine measures per provider and per location over a period.
        indexes = [
            models.Index(fields=["provider", "scheduled_start"], name="visit_provider_start"),
            models.Index(fields=["location", "scheduled_start"], name="visit_location_start"),
        ]

    def __str__(self) -> str:
        return self.visit_id


class Call(ImportedEvent):
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

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["started_at"]
        # Phone standards are per queue (answer within 30 s on the appointments line).
        indexes = [models.Index(fields=["queue", "started_at"], name="call_queue_start")]

    def __str__(self) -> str:
        return self.call_id


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    SCHEDULED = "scheduled", "Scheduled"
    REPORT_RECEIVED = "report-received", "Report received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Referral(ImportedEvent):
    referral_id = models.CharField(max_length=100, unique=True)
    visit_id = models.CharField(max_length=100, blank=True, db_index=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    specialty = models.CharField(max_length=80)
    sent_at = models.DateTimeField(db_index=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    report_received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return self.referral_id


class MessageChannel(models.TextChoices):
    PORTAL = "portal", "Patient portal"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class Message(ImportedEvent):
    message_id = models.CharField(max_length=100, unique=True)
    channel = models.CharField(max_length=20, choices=MessageChannel.choices)
    patient_ref = models.CharField(max_length=100, db_index=True)
    received_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return self.message_id


class BillingInquiry(ImportedEvent):
    inquiry_id = models.CharField(max_length=100, unique=True)
    patient_ref = models.CharField(max_length=100, db_index=True)
    opened_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=80)

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["opened_at"]
        verbose_name_plural = "billing inquiries"

    def __str__(self) -> str:
        return self.inquiry_id


class Audit(ImportedEvent):
    """An observation audit: a manager watched a touchpoint and ticked one checklist standard."""

    audit_id = models.CharField(max_length=100, unique=True)
    standard = models.CharField(max_length=80, help_text="The standard's key in the journey.")
    observed_at = models.DateTimeField(db_index=True)
    observer = models.CharField(max_length=80)
    passed = models.BooleanField()
    note = models.TextField(blank=True)

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["observed_at"]
        # An audit standard is measured over its own rows in a period.
        indexes = [models.Index(fields=["standard", "observed_at"], name="audit_standard_observed")]

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


class ContactOptOutVia(models.TextChoices):
    """How a patient opted out of surveys (the same codes surveys.OptOutVia uses)."""

    SMS_STOP = "sms-stop", "STOP reply to a text message"
    LINK = "link", "Opt-out link"


class PatientContact(models.Model):
    """The contact store (DESIGN.md: names and contact details live only here): how to reach one
    patient, in which language, with which consent, and whether they opted out of surveys.

    Read only through careloop/events/contacts.py, which checks the permission and writes every read
    to the audit log. Provenance as in the event tables: `patient_ref` is the source system's id of
    the patient (the same reference the event tables carry), `import_run` the run that last inserted
    or changed the row, `content_hash` a digest of the imported values.
    """

    patient_ref = models.CharField(max_length=100, unique=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    # E.164 (+15551234567), the form SMS providers send and receive (contacts.normal_phone).
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    language = models.CharField(max_length=10, blank=True, help_text="Preferred language, a BCP 47 tag (en, es).")
    consent_email = models.BooleanField(default=False, help_text="May be sent surveys by email.")
    consent_sms = models.BooleanField(default=False, help_text="May be sent surveys by text message.")
    consent_contact = models.BooleanField(default=False, help_text="May be reached about a recovery case.")
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_via = models.CharField(max_length=10, choices=ContactOptOutVia.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    import_run = import_run_field()
    content_hash = content_hash_field()

    class Meta:
        ordering = ["patient_ref"]

    def __str__(self) -> str:
        # Never the name: object names end up in logs and admin breadcrumbs.
        return f"contact {self.pk}"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


class ImportUpload(models.Model):
    """A file a manager uploaded on /events/import/, imported in the background by the same functions as
    `careloop import` (events/uploads.py). Only its uploader sees its report and quarantine file: both
    hold values from the file, which is patient data."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Could not be read"

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_uploads")
    table = models.CharField(max_length=20, help_text="An event table, contacts, or fhir.")
    file_name = models.CharField(max_length=255, help_text="The name the file had on the uploader's computer.")
    stored_path = models.CharField(max_length=500)
    mapping_name = models.CharField(max_length=255, blank=True)
    mapping_path = models.CharField(max_length=500, blank=True)
    quarantine = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="Why the file could not be read at all.")
    quarantine_file = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"upload {self.external_id}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
