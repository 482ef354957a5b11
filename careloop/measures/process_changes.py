"""Recording a change to a standard's process: the SPC chart recalculates its limits from it
(phases.py), and signals are looked for again against the new limits."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from careloop.accounts.models import User
from careloop.journeys.models import Standard
from careloop.measures.models import ProcessChange, ProcessChangeSource
from careloop.measures.signals import detect_signals_for

DESCRIPTION_MAX = 500


class ProcessChangeError(ValueError):
    """A change that cannot be recorded, said in one sentence."""


def record_process_change(
    standard: Standard,
    changed_on: date,
    description: str,
    *,
    user: User | None = None,
    source: str = ProcessChangeSource.MANUAL,
) -> ProcessChange:
    """Record that the standard's process changed on `changed_on` (governance calls this with
    source="governance" when a review's action takes effect)."""
    description = description.strip()
    if not description:
        raise ProcessChangeError("Describe the change: what was done differently from that day on.")
    if len(description) > DESCRIPTION_MAX:
        raise ProcessChangeError(f"Keep the description under {DESCRIPTION_MAX} characters.")
    if source not in ProcessChangeSource.values:
        raise ProcessChangeError(f"A process change's source is one of {', '.join(ProcessChangeSource.values)}, not {source!r}.")
    with transaction.atomic():
        change = ProcessChange.objects.create(
            standard=standard, changed_on=changed_on, description=description, recorded_by=user, source=source
        )
        detect_signals_for(standard)
    return change
