"""Service-recovery cases: something went wrong for a person; the case has an owner, an SLA clock, a
contact log, a resolution, and may be reopened (DESIGN.md, "Acting"; docs/recovery.md).

A case is identified to the patient only by the pseudonymous `patient_ref`: names and contact details
stay in the contact store (careloop.events.contacts) and are read through recovery/access.py, audited.
An incident (an urgent comment from an anonymous respondent) has no patient_ref at all.

History is a table of transitions (CaseEvent), never JSON inside the row (STYLE.md, from care).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Touchpoint


class Status(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CLOSED_WITHOUT_CONTACT = "closed_without_contact", "Closed without contact"


OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.REOPENED)


class Priority(models.TextChoices):
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


# Higher number, more urgent: a second rule hitting the same case may raise its priority, never lower it.
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2}


class Trigger(models.TextChoices):
    """The rule that opened a case (journey file `recovery.rules[].kind`)."""

    DETRACTOR = "detractor", "Detractor (NPS 0–6) who asked to be contacted"
    BOTTOM_BOX = "bottom_box", "Bottom-box answer from a patient who asked to be contacted"
    URGENT_COMMENT = "urgent_comment", "Comment flagged urgent"
    LONG_WAIT = "long_wait", "Long wait to see the provider"
    REFERRAL_OPEN = "referral_open", "Referral open too long"
    BILLING_UNANSWERED = "billing_unanswered", "Billing inquiry unanswered"
    COMPLAINT = "complaint", "Complaint logged by staff"


class EvidenceKind(models.TextChoices):
    RESPONSE = "response", "Survey response"
    COMMENT = "comment", "Comment analysis"
    VISIT = "visit", "Visit"
    REFERRAL = "referral", "Referral"
    BILLING_INQUIRY = "billing_inquiry", "Billing inquiry"
    SIGNAL = "signal", "Signal"
    COMPLAINT = "complaint", "Complaint"


class RecoveryOffered(models.TextChoices):
    APOLOGY = "apology", "Apology"
    EXPLANATION = "explanation", "Explanation"
    REBOOKING = "rebooking", "Rebooking"
    BILLING_ADJUSTMENT = "billing_adjustment", "Billing adjustment"
    REFERRAL_CHASED = "referral_chased", "Referral chased"
    CLINICAL_FOLLOW_UP = "clinical_follow_up", "Clinical follow-up arranged"
    OTHER = "other", "Other"


class CauseCategory(models.TextChoices):
    """Root-cause hooks for governance (issue 7, item 5): the fishbone's categories for services."""

    PROCESS = "process", "Process"
    PEOPLE = "people", "People"
    PLACE = "place", "Place"
    COMMUNICATION = "communication", "Communication"
    POLICY = "policy", "Policy"
    TECHNOLOGY = "technology", "Technology"
    EXTERNAL = "external", "External"


class FixLevel(models.TextChoices):
    THIS_PATIENT = "this_patient", "This patient only"
    PROCESS = "process", "The process needs changing"


class CloseLoopAnswer(models.TextChoices):
    """The patient's own answer to "was this resolved for you?"."""

    NOT_ASKED = "", "Not asked yet"
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Case(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # One case per person and episode (the rules' dedupe key, opening.py): the unique index is what
    # makes two workers evaluating the same rules at once open it only once.
    dedupe_key = models.CharField(max_length=200, unique=True)
    patient_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # An incident has no patient to contact (an urgent comment left anonymously).
    is_incident = models.BooleanField(default=False)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    summary = models.CharField(max_length=300, help_text="What went wrong, in one line.")
    touchpoint = models.ForeignKey(Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    owner = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    opened_at = models.DateTimeField(default=timezone.now)
    first_contact_due = models.DateTimeField()
    resolution_due = models.DateTimeField()
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    recovery_offered = models.JSONField(default=list, blank=True)
    close_loop_answer = models.CharField(max_length=10, choices=CloseLoopAnswer.choices, blank=True, default="")
    cause_category = models.CharField(max_length=20, choices=CauseCategory.choices, blank=True)
    fix_level = models.CharField(max_length=20, choices=FixLevel.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    # Due work for `careloop worker` (escalation.py): the next SLA due time not yet met and not yet
    # escalated; None when there is nothing left to escalate.
    escalate_after = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_contact_due"]
        indexes = [models.Index(fields=["owner", "status"], name="case_owner_status")]

    def __str__(self) -> str:
        return f"case {self.external_id}"

    @property
    def recovery_offered_labels(self) -> list[str]:
        return [RecoveryOffered(code).label for code in self.recovery_offered if code in RecoveryOffered.values]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def next_due(self) -> tuple[str, datetime] | None:
        """("first contact" | "resolution", due time) for an open case; None for a closed one."""
        if not self.is_open:
            return None
        if self.first_contacted_at is None and not self.is_incident:
            return ("first contact", self.first_contact_due)
        return ("resolution", self.resolution_due)

    def is_overdue(self, now: datetime | None = None) -> bool:
        due = self.next_due()
        return due is not None and due[1] <= (now or timezone.now())


class CaseEvidence(models.Model):
    """What a case rests on: a survey response, a comment analysis, an event, a signal, a complaint.
    Kind and id only: the case page shows each through its owner's access rules."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    ref = models.CharField(max_length=100)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    detail = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "ref", "trigger"], name="evidence_once_per_case")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached the patient"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    DECLINED = "declined", "Patient did not want to talk"


# Only an outcome that reached the patient stops the first-contact clock.
REACHING_OUTCOMES = (ContactOutcome.REACHED, ContactOutcome.DECLINED)


class CaseContact(models.Model):
    """One entry of the contact log: when, how, what was said, the outcome, by whom."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=20, choices=ContactMethod.choices)
    said = models.TextField()
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.method} {self.at:%Y-%m-%d %H:%M}"


class EventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    CONTACTED = "contacted", "Contact logged"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CLOSED = "closed", "Closed without contact"
    REASSIGNED = "reassigned", "Reassigned"
    ESCALATED = "escalated", "Escalated to the manager"
    CLOSE_LOOP = "close_loop", "Patient's close-the-loop answer"


class CaseEvent(models.Model):
    """One transition in a case's history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class EscalationNotice(models.Model):
    """One missed SLA to tell a manager about; gathered into at most one digest per person per hour."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    recipient = models.EmailField()
    what = models.CharField(max_length=20, help_text="first contact or resolution")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    digest = models.ForeignKey("EscalationDigest", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")

    class Meta:
        ordering = ["created_at", "id"]
        # The same missed deadline is noticed once, whatever the number of workers.
        constraints = [
            models.UniqueConstraint(fields=["case", "what", "due_at", "recipient"], name="notice_once_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.what} overdue for {self.recipient}"


class EscalationDigest(models.Model):
    """One email to one person for one clock hour. The unique (recipient, hour) is what keeps it to one
    per hour even with two workers; `sent_at` empty means claimed but not yet sent (retried, not lost)."""

    recipient = models.EmailField()
    hour = models.DateTimeField(help_text="The UTC hour this digest belongs to.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the digest until then while it sends; if it dies, another takes it after.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["recipient", "hour"], name="one_digest_per_person_per_hour")]

    def __str__(self) -> str:
        return f"digest to {self.recipient} for {self.hour:%Y-%m-%d %H}:00"
