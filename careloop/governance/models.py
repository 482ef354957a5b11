"""Governance: the committee's root-cause reviews (causes, actions, re-measurement), the practice's
strategic goals, and moments of recognition (DESIGN.md, "Acting"; issue 8)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Standard, Touchpoint
from careloop.measures.models import Signal


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Review(models.Model):
    """One committee root-cause record: a problem, its evidence, causes, actions, a re-measure date.

    `standard` is the standard the fix should move: actions marked done record a process change on
    it, and the re-measurement judges it by SPC (remeasure.py)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    problem = models.TextField(help_text="The problem statement: what happens, where, how often, to whom.")
    standard = models.ForeignKey(Standard, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    touchpoint = models.ForeignKey(Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    signal = models.ForeignKey(Signal, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    remeasure_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class EvidenceKind(models.TextChoices):
    SIGNAL = "signal", "Signal"
    MEASUREMENT = "measurement", "Measurement"
    CASE = "case", "Recovery case"
    COMMENT = "comment", "Comment"


class ReviewEvidence(models.Model):
    """A link to what the review rests on, by id (a signal's, case's or comment analysis' UUID, a
    measurement's number). Only the reference is kept: the evidence page shows aggregates and
    redacted text, never patient identity."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    ref = models.CharField(max_length=100)
    note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "kind", "ref"], name="one_link_per_evidence")]


class FishboneCategory(models.TextChoices):
    """Ishikawa's fishbone adapted to services (the "P"s of service industries plus technology and
    the patient), as issue 8 lists them."""

    PROCESS = "process", "Process"
    PEOPLE = "people", "People"
    PLACE = "place", "Place"
    POLICY = "policy", "Policy"
    COMMUNICATION = "communication", "Communication"
    TECHNOLOGY = "technology", "Technology"
    PATIENT = "patient", "Patient factors"


class Cause(models.Model):
    """One root cause, reached by asking "why?" up to five times (Toyota's 5 whys, Ohno 1988)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="causes")
    statement = models.CharField(max_length=300, help_text="The root cause, in one sentence.")
    category = models.CharField(max_length=20, choices=FishboneCategory.choices)
    whys = models.JSONField(default=list, blank=True, help_text="The chain of answers to 'why?', first to last.")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class Action(models.Model):
    """A systemic fix with one owner and a due date. Done records a ProcessChange on the review's
    standard (source "governance") so its SPC chart starts new limits on `done_on`."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="governance_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    done_on = models.DateField(null=True, blank=True, help_text="The day the change took effect.")
    process_change = models.ForeignKey(
        "measures.ProcessChange", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due")]

    def __str__(self) -> str:
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class OverdueDigest(models.Model):
    """One reminder email per owner per day (the unique constraint makes two workers send it once)."""

    owner = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    actions = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "sent_on"], name="one_digest_per_owner_per_day")]


class StrategicGoal(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    standards = models.ManyToManyField(Standard, blank=True, related_name="strategic_goals")
    touchpoints = models.ManyToManyField(Touchpoint, blank=True, related_name="strategic_goals")
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class MomentSource(models.TextChoices):
    COMMENT = "comment", "A positive comment naming staff"
    CASE = "case", "A case recovered well"
    MANUAL = "manual", "Added by a manager"


class MomentStatus(models.TextChoices):
    QUEUED = "queued", "In the queue"
    PICKED = "picked", "Moment of the week"
    SET_ASIDE = "set_aside", "Set aside"


class Moment(models.Model):
    """A positive story worth sharing. `text` is always redacted of patient identity (the comment's
    redacted text, or a manager's words run through feedback.redaction): nothing here identifies a patient."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=10, choices=MomentSource.choices)
    text = models.TextField()
    staff = models.ManyToManyField(StaffMember, blank=True, related_name="moments")
    touchpoint = models.ForeignKey(Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The row it came from, so the queue never takes the same comment or case twice.
    comment_analysis = models.OneToOneField(
        "feedback.CommentAnalysis", null=True, blank=True, on_delete=models.SET_NULL, related_name="moment"
    )
    case = models.OneToOneField("recovery.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="moment")
    happened_on = models.DateField()
    status = models.CharField(max_length=10, choices=MomentStatus.choices, default=MomentStatus.QUEUED)
    # Monday of the week it was moment of the week.
    week_start = models.DateField(null=True, blank=True, unique=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_on", "-id"]


class Recognition(models.Model):
    """A manager's thanks to one staff member for a moment: what their page shows."""

    moment = models.ForeignKey(Moment, on_delete=models.CASCADE, related_name="recognitions")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="recognitions")
    message = models.CharField(max_length=300, blank=True)
    recognised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recognised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recognised_at"]
        constraints = [models.UniqueConstraint(fields=["moment", "staff_member"], name="one_recognition_per_moment_staff")]
