"""The home page's measures panel: open signals (how many, the newest five) and the standards off
goal in the latest complete month, for everyone who may see aggregate figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse

from careloop.accounts.models import StaffMember
from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from careloop.journeys.models import Journey
from careloop.measures.models import Measurement
from careloop.measures.periods import PeriodKind
from careloop.measures.scorecard import build_scorecard, owned_standards
from careloop.measures.signals import open_signals
from careloop.measures.status import latest_complete_month

NEWEST_SIGNALS = 5

if TYPE_CHECKING:
    from careloop.dashboard import Panel


def panel(request: HttpRequest) -> Panel | None:
    # Imported here: careloop.dashboard imports this module to list it in PANEL_MAKERS.
    from careloop.dashboard import Panel

    if not request.user.can(CAN_VIEW_AGGREGATES):  # type: ignore[union-attr]
        return None
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return None
    signals = open_signals()
    latest = latest_complete_month(journey)
    off_goal = (
        list(
            Measurement.objects.filter(
                standard__journey=journey, period_kind=PeriodKind.MONTH, breakdown="",
                period_start=latest.period_start, goal_met=False,
            )
            .select_related("standard")
            .order_by("standard__touchpoint__order", "standard__order")
        )
        if latest is not None
        else []
    )
    return Panel(
        title="Standards and signals",
        template="measures/panels/signals.html",
        context={
            "signal_count": signals.count(),
            "newest": list(signals.order_by("-detected_at", "-triggered_period")[:NEWEST_SIGNALS]),
            "off_goal": off_goal,
            "month": latest.period_start if latest is not None else None,
        },
        more_url=reverse("measures:signals"),
        more_label="All open signals",
    )


def my_standards_panel(request: HttpRequest) -> Panel | None:
    """An owner's own standards on their home page (their scorecard in brief); nothing for people who
    own no touchpoint. Their cases are the recovery panel's."""
    from careloop.dashboard import Panel

    if not request.user.can(CAN_VIEW_AGGREGATES):  # type: ignore[union-attr]
        return None
    owner = StaffMember.objects.filter(user=request.user).first()  # type: ignore[misc]
    if owner is None or not owned_standards(owner):
        return None
    card = build_scorecard(request, owner)
    return Panel(
        title="My standards",
        template="measures/panels/my_standards.html",
        context={"rows": card.rows},
        more_url=reverse("measures:mine"),
        more_label="Open my scorecard",
    )
