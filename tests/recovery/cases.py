"""Cases and their evidence made for the recovery tests, with a small journey whose touchpoints
have the cast's owners (fran owns check-in and the waiting room, bill owns billing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Journey, Touchpoint
from careloop.recovery.models import Case
from careloop.recovery.opening import CaseOpening, open_case

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 15 January 2025, 10:00 in New York (EST, UTC-5).
OPENED = datetime(2025, 1, 15, 15, 0, tzinfo=UTC)

RECOVERY = {
    "rules": [
        {"kind": "detractor", "priority": "normal", "source": "test"},
        {"kind": "bottom_box", "touchpoint": "check-in", "priority": "normal", "source": "test"},
        {"kind": "urgent_comment", "priority": "high", "source": "test"},
        {"kind": "long_wait", "touchpoint": "waiting-room", "threshold": 60, "priority": "normal", "source": "test"},
        {"kind": "referral_open", "touchpoint": "check-in", "threshold": 30, "priority": "normal", "source": "test"},
        {"kind": "billing_unanswered", "touchpoint": "billing", "threshold": 5, "priority": "normal", "source": "test"},
    ],
    "sla": [
        {"priority": "high", "first_contact": 0, "resolution": 2, "source": "test"},
        {"priority": "normal", "first_contact": 1, "resolution": 5, "source": "test"},
        {"touchpoint": "billing", "priority": "normal", "first_contact": 1, "resolution": 10, "source": "test"},
    ],
}


def make_journey() -> Journey:
    journey = Journey.objects.create(name="Recovery practice", version=1, is_active=True, recovery=RECOVERY)
    fran = StaffMember.objects.get(key="fran-frontdesk")
    bill = StaffMember.objects.get(key="bill-billing")
    for order, (key, name, owner) in enumerate(
        [("check-in", "Check-in", fran), ("waiting-room", "Waiting room", fran), ("billing", "Billing", bill)]
    ):
        Touchpoint.objects.create(journey=journey, key=key, name=name, channel="in_person", owner=owner, order=order)
    return journey


def make_case(
    patient_ref: str = "P-1001",
    *,
    episode: str = "visit:V-1",
    touchpoint: str = "check-in",
    priority: str = "normal",
    opened_at: datetime = OPENED,
    incident: bool = False,
) -> Case:
    case, _ = open_case(
        CaseOpening(
            dedupe_key=f"incident:{episode}" if incident else f"{patient_ref}:{episode}",
            trigger="complaint",
            summary="Kept waiting at the desk",
            touchpoint_key=touchpoint,
            priority=priority,
            evidence_kind="complaint",
            evidence_ref=episode,
            patient_ref="" if incident else patient_ref,
            is_incident=incident,
        ),
        now=opened_at,
    )
    return case


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
