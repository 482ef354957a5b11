"""Measurements: a standard evaluated over one week or month, for the whole practice or one
provider, location or visit type; the signals found in them, and the process changes that
start new SPC limits."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from careloop.journeys.models import Standard
from careloop.measures.periods import PeriodKind


class Breakdown(models.TextChoices):
    PRACTICE = "", "Whole practice"
    PROVIDER = "provider", "Provider"
    LOCATION = "location", "Location"
    VISIT_TYPE = "visit_type", "Visit type"


class Measurement(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="measurements")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    # The day after the period's last day, in the practice's time zone.
    period_end = models.DateField()
    breakdown = models.CharField(max_length=20, choices=Breakdown.choices, blank=True, default="")
    # The provider, location or visit type; '' for the whole practice.
    breakdown_value = models.CharField(max_length=80, blank=True, default="")
    n = models.PositiveIntegerField()
    # Events meeting the standard (for a rate: events with the condition).
    n_met = models.PositiveIntegerField()
    # Null when suppressed: below the standard's minimum n a share is "not enough data", never a number.
    share = models.FloatField(null=True, blank=True)
    # For survey means and NPS (survey standards are not measured yet).
    mean = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    goal_met = models.BooleanField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["standard", "period_kind", "period_start", "breakdown", "breakdown_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "period_kind", "period_start", "breakdown", "breakdown_value"],
                name="one_measurement_per_standard_period_breakdown",
            )
        ]
        indexes = [models.Index(fields=["period_kind", "breakdown", "period_start"], name="measurement_latest")]

    def __str__(self) -> str:
        who = f" {self.breakdown}={self.breakdown_value}" if self.breakdown else ""
        return f"{self.standard.key} {self.period_kind} {self.period_start}{who}"


class SignalKind(models.TextChoices):
    SPECIAL_CAUSE = "special_cause", "Special cause (concern)"
    MISSED_GOAL = "missed_goal", "Goal missed repeatedly"


class SignalRule(models.TextChoices):
    """What fired. SPC rules in spc.py's order of precedence, then the goal rule."""

    OUTSIDE_LIMITS = "outside_limits", "A point outside the limits"
    TREND = "trend", "A trend"
    TWO_OF_THREE = "two_of_three", "2 of 3 points near a limit"
    RUN = "run", "A run on one side of the mean"
    MISSED_GOAL = "missed_goal", "Goal missed period after period"


class SignalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


class Signal(models.Model):
    """Something a manager should look at: a run of consecutive periods in which a standard's SPC
    chart shows special cause in the concerning direction, or its goal was missed period after period.

    One row per episode (signals.py): the run of periods is identified by its first period, so
    re-running detection finds the row again (unique constraint) and only extends `last_period`."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="signals")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    breakdown = models.CharField(max_length=20, choices=Breakdown.choices, blank=True, default="")
    breakdown_value = models.CharField(max_length=80, blank=True, default="")
    kind = models.CharField(max_length=20, choices=SignalKind.choices)
    # For special cause: the strongest rule among the run's points (outside limits first).
    rule = models.CharField(max_length=20, choices=SignalRule.choices)
    first_period = models.DateField(help_text="Start of the first period of the run.")
    # The period in which the rule fired (e.g. the 7th point of a run, the Nth missed goal).
    triggered_period = models.DateField()
    last_period = models.DateField(help_text="Start of the latest period of the run seen so far.")
    # The measured figure of the triggering period (a share 0-1, a mean, or an NPS).
    value = models.FloatField(null=True, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=SignalStatus.choices, default=SignalStatus.OPEN)
    status_note = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-detected_at", "-triggered_period"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "period_kind", "breakdown", "breakdown_value", "kind", "first_period"],
                name="one_signal_per_run_of_periods",
            )
        ]
        indexes = [models.Index(fields=["status", "standard"], name="signal_status_standard")]

    def __str__(self) -> str:
        who = f" {self.breakdown}={self.breakdown_value}" if self.breakdown else ""
        return f"{self.standard.key}{who} {self.period_kind} {self.rule} from {self.first_period}"


class ProcessChangeSource(models.TextChoices):
    MANUAL = "manual", "Recorded on the standard's page"
    GOVERNANCE = "governance", "A governance review's action"


class ProcessChange(models.Model):
    """A change to how a standard's process works (a new phone system, a second receptionist on
    Mondays). SPC limits are recalculated from it: the first period starting on or after
    `changed_on` begins a new segment of the chart (phases.py)."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="process_changes")
    changed_on = models.DateField()
    description = models.CharField(max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=ProcessChangeSource.choices, default=ProcessChangeSource.MANUAL)

    class Meta:
        ordering = ["standard", "changed_on", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.standard.key} changed on {self.changed_on}: {self.description}"
