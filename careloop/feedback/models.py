"""What comment analysis stores: one CommentAnalysis per commented survey response, the label
corrections people make in the explorer, and the example phrases that teach a touchpoint.

Labels are keys, never display names: touchpoint keys from the journey, theme keys from the fixed
framework in themes.py, staff keys from accounts.StaffMember. A correction never overwrites the
model's labels: both are kept, the correction wins on display (`effective_labels`), and corrections are
training examples at the next `careloop feedback train` (training.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from careloop.surveys.models import Response


class Urgency(models.TextChoices):
    """Kinds of urgent comment that open a recovery case at once (issue 6, item 1)."""

    NONE = "", "Not urgent"
    SAFETY = "safety", "Safety concern"
    ABUSE = "abuse", "Abuse"
    SELF_HARM = "self_harm", "Self-harm"
    THREAT = "threat", "Threat"
    CLINICAL_UNADDRESSED = "clinical_unaddressed", "Clinical problem left unaddressed"


class Sentiment(models.IntegerChoices):
    VERY_NEGATIVE = 1, "Very negative"
    NEGATIVE = 2, "Negative"
    NEUTRAL = 3, "Neutral or mixed"
    POSITIVE = 4, "Positive"
    VERY_POSITIVE = 5, "Very positive"


class CorrectableField(models.TextChoices):
    TOUCHPOINTS = "touchpoints", "Touchpoints"
    THEMES = "themes", "Themes"
    SENTIMENT = "sentiment", "Sentiment"


class CommentAnalysis(models.Model):
    """The model's reading of one response's comment. Re-analysis updates this row in place, so
    corrections (which point at it) survive a new model."""

    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="analysis")
    touchpoints = models.JSONField(default=list, blank=True)
    themes = models.JSONField(default=list, blank=True)
    sentiment = models.PositiveSmallIntegerField(choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    language = models.CharField(max_length=10, blank=True)
    staff_mentions = models.JSONField(default=list, blank=True)
    urgency = models.CharField(max_length=30, choices=Urgency.choices, blank=True, default=Urgency.NONE)
    # The comment with patient identifiers removed (redaction.py): what is shown to roles that may not
    # see identified data, exported, or quoted in the brief.
    redacted_text = models.TextField(blank=True)
    model_name = models.CharField(max_length=100)
    analysed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-analysed_at"]
        indexes = [models.Index(fields=["urgency"], name="analysis_urgency")]
        verbose_name_plural = "comment analyses"

    def __str__(self) -> str:
        return f"analysis {self.external_id}"

    def effective_labels(self) -> dict[str, Any]:
        """Touchpoints, themes and sentiment as shown: the latest correction of a field wins over the
        model's label."""
        labels: dict[str, Any] = {
            CorrectableField.TOUCHPOINTS: self.touchpoints,
            CorrectableField.THEMES: self.themes,
            CorrectableField.SENTIMENT: self.sentiment,
        }
        for correction in self.corrections.order_by("corrected_at", "id"):
            labels[correction.field] = correction.value
        return labels


class LabelCorrection(models.Model):
    """A person's correction of one field of an analysis: a list of keys for touchpoints and themes,
    a 1-5 integer for sentiment."""

    analysis = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=20, choices=CorrectableField.choices)
    value = models.JSONField()
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="label_corrections"
    )
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-corrected_at"]
        indexes = [models.Index(fields=["analysis", "field"], name="correction_analysis_field")]

    def __str__(self) -> str:
        return f"{self.field} of {self.analysis_id}"


class TouchpointExample(models.Model):
    """A phrase a patient might write about a touchpoint, added in the UI: touchpoint routing is
    few-shot (touchpoints.py), so a new touchpoint with a handful of these works without retraining."""

    touchpoint = models.CharField(max_length=80, db_index=True)
    text = models.CharField(max_length=500)
    language = models.CharField(max_length=10, default="en")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoint_examples"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["touchpoint", "id"]
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "text"], name="touchpoint_example_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint}: {self.text[:40]}"
