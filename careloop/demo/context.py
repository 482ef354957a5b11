"""What every part of the demo generator may read: the period, the practice's calendar and time zone,
the journey's audit standards, and the rows earlier parts made (referrals follow visits)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models

from careloop.demo.clinic_calendar import clinic_days, months_before


@dataclass
class DemoContext:
    seed: int
    today: date
    months: int
    tz: ZoneInfo
    # The active journey's observation-audit standards: key -> staff key of the touchpoint's owner.
    audit_standards: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[models.Model]] = field(default_factory=dict)

    @property
    def start(self) -> date:
        return months_before(self.today, self.months)

    @property
    def as_of(self) -> datetime:
        """The data stops here, local time: nothing has happened yet today."""
        return datetime.combine(self.today, time(0, 0))

    def clinic_days(self) -> list[date]:
        return clinic_days(self.start, self.today)

    def calendar_days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.today - self.start).days)]

    def aware(self, moment: datetime) -> datetime:
        """In the practice's time zone, to the second (as operational systems record it)."""
        return moment.replace(microsecond=0, tzinfo=self.tz)

    def aware_if_past(self, moment: datetime | None) -> datetime | None:
        """An event after the as-of moment has not happened yet: it is left empty."""
        if moment is None or moment >= self.as_of:
            return None
        return self.aware(moment)


def winter_pressure(day: date) -> float:
    """Demand on the practice through the year: highest in late January (respiratory season,
    CDC FluView puts the US peak between December and February), lowest in July. 1.0 on average."""
    return 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
