"""Measurement periods: weeks starting Monday and calendar months, in the practice's time zone.

Events are counted by their *local* day (a call at 23:30 on Sunday in New York belongs to that
week, although it is Monday in UTC). Days are numbered from 1970-01-01 so the database can compute
them with integer arithmetic on every backend (engine.py); this module turns them back into dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models

# date(1970, 1, 1).toordinal()
_EPOCH_ORDINAL = 719163
# Day 4 (1970-01-05) is the first Monday after the epoch.
FIRST_MONDAY = 4


class PeriodKind(models.TextChoices):
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Calendar month"


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: date
    end: date  # the day after the period's last day

    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return self.start.strftime("%Y-%m")
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def day_to_date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def date_to_day(value: date) -> int:
    return value.toordinal() - _EPOCH_ORDINAL


def period_containing(value: date, kind: str) -> Period:
    if kind == PeriodKind.WEEK:
        start = value - timedelta(days=value.weekday())
        return Period(kind, start, start + timedelta(days=7))
    start = value.replace(day=1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return Period(kind, start, following)


def earliest_period_start(value: date) -> date:
    """The first day of the earliest week or month that contains `value`: recomputing from there
    rebuilds every week and month that `value` belongs to, in full."""
    return min(period_containing(value, PeriodKind.WEEK).start, period_containing(value, PeriodKind.MONTH).start)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def local_midnight(value: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(value, time(0, 0), tzinfo=zone)


def is_complete(period: Period, today: date) -> bool:
    """A period is complete once its last day has passed in the practice's time zone."""
    return period.end <= today
