"""SLA clocks for cases: when the first contact and the resolution are due, in business days.

Default: first contact within 1 business day, resolution within 5 (careloop's default, set by issue 7;
the published rule nearest to it, the NHS complaints regulations 2009 reg. 13(1), allows 3 working days
for an acknowledgement alone; service recovery aims faster). A practice changes them per touchpoint
and priority in the journey file's `recovery.sla` (docs/recovery.md).

"Within N business days" means what careloop/measures/business_time.py means, so the recovery
standards and the SLA clock agree: the day a case opens does not count, and anything done on the Nth
business day after it is in time, whatever the hour. A deadline is therefore the local midnight that
ends that day, found in the practice's time zone (so daylight-saving changes move the UTC instant,
not the local day), and days off are weekends and the practice's holidays.
N = 0 means "the same business day": the opening day if it is one, else the next business day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from careloop.measures.business_time import practice_holidays, practice_zone

DEFAULT_FIRST_CONTACT_DAYS = 1
DEFAULT_RESOLUTION_DAYS = 5
SATURDAY = 5


@dataclass(frozen=True)
class SlaTerms:
    first_contact_days: int
    resolution_days: int


DEFAULT_TERMS = SlaTerms(DEFAULT_FIRST_CONTACT_DAYS, DEFAULT_RESOLUTION_DAYS)


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in practice_holidays(day.year)


def nth_business_day_after(day: date, n: int) -> date:
    """The Nth business day after `day` (n = 0: `day` itself if a business day, else the next one)."""
    if n < 0:
        raise ValueError(f"business days must be 0 or more, not {n}")
    current = day
    if n == 0:
        while not is_business_day(current):
            current += timedelta(days=1)
        return current
    counted = 0
    while counted < n:
        current += timedelta(days=1)
        if is_business_day(current):
            counted += 1
    return current


def due_at(opened_at: datetime, business_days: int) -> datetime:
    """The instant the deadline passes: local midnight at the end of the due day, as an aware datetime."""
    zone = practice_zone()
    opened_day = opened_at.astimezone(zone).date()
    due_day = nth_business_day_after(opened_day, business_days)
    return datetime.combine(due_day + timedelta(days=1), time(0, 0), tzinfo=zone)


def terms_for(section: dict[str, Any], touchpoint_key: str, priority: str) -> SlaTerms:
    """The most specific entry of the journey's `recovery.sla` for this touchpoint and priority:
    touchpoint and priority, then touchpoint alone, then priority alone, then an entry naming neither,
    then careloop's default."""
    entries = section.get("sla", [])
    for wanted in ((touchpoint_key, priority), (touchpoint_key, ""), ("", priority), ("", "")):
        for entry in entries:
            if (entry.get("touchpoint", ""), entry.get("priority", "")) == wanted:
                return SlaTerms(int(entry["first_contact"]), int(entry["resolution"]))
    return DEFAULT_TERMS


def deadlines(opened_at: datetime, terms: SlaTerms) -> tuple[datetime, datetime]:
    return due_at(opened_at, terms.first_contact_days), due_at(opened_at, terms.resolution_days)
