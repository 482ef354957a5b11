"""The weekly brief keeps one row per week sent, so the Monday task emails it once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class BriefSending(models.Model):
    week_start = models.DateField(unique=True)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)
