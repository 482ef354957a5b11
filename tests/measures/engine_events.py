"""Small event sets for the standards engine's tests: a one-touchpoint journey with the standard
under test, and events at local (New York) wall-clock times, so expected figures can be worked
out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from careloop.events.models import Visit
from careloop.journeys.models import Journey, Standard, Touchpoint

NEW_YORK = ZoneInfo("America/New_York")
_ids = count(1)


def local(text: str) -> datetime:
    """'2025-03-04 09:00' in the practice's zone (settings.TIME_ZONE is America/New_York)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=NEW_YORK)


def make_standard(key: str, kind: str, definition: dict[str, Any], **fields: Any) -> Standard:
    journey = Journey.objects.filter(is_active=True).first() or Journey.objects.create(
        name="Test practice", version=1, is_active=True
    )
    touchpoint, _ = Touchpoint.objects.get_or_create(
        journey=journey, key=fields.pop("touchpoint", "waiting-room"), defaults={"name": "Waiting room", "channel": "in_person"}
    )
    values = {"goal": 0.8, "direction": "higher_is_better", "source": "test", "min_n": 5} | fields
    return Standard.objects.create(
        journey=journey, touchpoint=touchpoint, key=key, name=key, kind=kind, definition={"kind": kind, **definition}, **values
    )


def rooming_standard(**fields: Any) -> Standard:
    definition = {"table": "visits", "start": "arrived_at", "end": "roomed_at", "unit": "minutes", "missing_end": "fail"}
    return make_standard("arrival-to-rooming", "duration", definition, threshold=15, **fields)


def visit(arrived: datetime, wait_minutes: float | None, **fields: Any) -> Visit:
    number = next(_ids)
    values: dict[str, Any] = {
        "visit_id": f"V-{number}",
        "patient_ref": f"P-{number}",
        "provider": "dr-okafor",
        "location": "main-street",
        "visit_type": "established",
        "booking_channel": "phone",
        "scheduled_start": arrived,
        "arrived_at": arrived,
        "roomed_at": None if wait_minutes is None else arrived + timedelta(minutes=wait_minutes),
        "status": "completed",
    } | fields
    return Visit.objects.create(**values)


def five_visits_three_within_fifteen_minutes() -> None:
    """Waits of 5, 10, 15, 16 and 40 minutes in the week of Monday 3 March 2025: the first three
    are within 15 minutes (15 itself is within), so the share is 3/5."""
    for day, wait in zip(("03", "04", "05", "06", "07"), (5, 10, 15, 16, 40), strict=True):
        visit(local(f"2025-03-{day} 09:00"), wait)
