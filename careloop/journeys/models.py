"""The practice's journey: touchpoints, each with one accountable owner, and measurable standards.

A journey is versioned: loading a journey file creates a new version and makes it the active one,
so past measurements keep pointing at the standards they were measured against.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from careloop.accounts.models import StaffMember


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    WEB = "web", "Website"
    PORTAL = "portal", "Patient portal"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    IN_PERSON = "in_person", "In person"
    MAIL = "mail", "Post"


class MeasureKind(models.TextChoices):
    DURATION = "duration", "Duration between two timestamps"
    RATE = "rate", "Share of events with a condition"
    SURVEY = "survey", "Survey item or composite"
    AUDIT = "audit", "Observation audit checklist"
    ACCESS = "access", "Third-next-available appointment"
    RECOVERY = "recovery", "Service-recovery cases"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"


class Journey(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)
    source_file = models.CharField(max_length=500, blank=True)
    # SHA-256 of the file in canonical form: loading the same content again is not a new version.
    content_hash = models.CharField(max_length=64, blank=True)
    # The owners the file lists, in file order (some may own no touchpoint yet), so an export
    # reproduces the file.
    owner_keys = models.JSONField(default=list, blank=True)
    # The journey file's `recovery:` section (rules that open cases, SLA clocks), canonical form.
    recovery = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="journey_version_unique"),
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_journey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Touchpoint(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="touchpoints")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # An origin is where a patient can enter the journey (phone, website, referral in).
    is_origin = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    next = models.ManyToManyField("self", symmetrical=False, related_name="previous", blank=True)
    owner = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="touchpoints")
    description = models.TextField(blank=True)
    example_phrases = models.JSONField(default=list, blank=True)
    # Empathy map: what patients are expected to think, feel, say and do here.
    feelings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["journey", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["journey", "key"], name="touchpoint_key_per_journey")]

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    """A measurable promise at a touchpoint: a measure, a threshold for one event, and a goal
    for the share of events meeting it (or a goal on a rate or survey score)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="standards")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="standards")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    # The measure's definition, by kind (e.g. duration: table, start, end, unit).
    definition = models.JSONField(default=dict)
    threshold = models.FloatField(null=True, blank=True)
    threshold_unit = models.CharField(max_length=20, blank=True)
    goal = models.FloatField(help_text="Goal for the share (0–1), score or rate.")
    direction = models.CharField(max_length=20, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    source = models.TextField(help_text="Where the default value comes from.")
    min_n = models.PositiveIntegerField(default=10)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["journey", "touchpoint__order", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["journey", "key"], name="standard_key_per_journey")]

    def __str__(self) -> str:
        return self.name
