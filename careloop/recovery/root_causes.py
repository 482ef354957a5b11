"""Root-cause hooks for governance (issue 7, item 5): repeated causes at one touchpoint.

A resolved case records a cause category and a fix level; the same category coming back at the same
touchpoint is a pattern for the governance committee, not bad luck. REPEAT_AT_LEAST in WINDOW is
careloop's default (three makes a pattern: one is an event, two a coincidence), counted over resolved
cases only, as aggregates (no patient is named).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from careloop.recovery.models import Case, CauseCategory, FixLevel, Status

WINDOW = timedelta(days=90)
REPEAT_AT_LEAST = 3


@dataclass(frozen=True)
class RepeatedCause:
    touchpoint: str
    cause: str
    cases: int
    process_fixes: int


def repeated_causes(now: datetime | None = None) -> list[RepeatedCause]:
    since = (now or timezone.now()) - WINDOW
    rows = (
        Case.objects.filter(status=Status.RESOLVED, resolved_at__gte=since)
        .exclude(cause_category="")
        .values("touchpoint__name", "cause_category")
        .annotate(cases=Count("pk"), process_fixes=Count("pk", filter=Q(fix_level=FixLevel.PROCESS)))
        .filter(cases__gte=REPEAT_AT_LEAST)
        .order_by("-cases", "touchpoint__name", "cause_category")
    )
    return [
        RepeatedCause(
            touchpoint=row["touchpoint__name"] or "No touchpoint",
            cause=CauseCategory(row["cause_category"]).label,
            cases=row["cases"],
            process_fixes=row["process_fixes"],
        )
        for row in rows
    ]

