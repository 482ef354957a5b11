"""Measurements: a standard evaluated over one week or month, for the whole practice or one
provider, location or visit type."""

from __future__ import annotations

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
