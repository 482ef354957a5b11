"""When the demo practice is open: Monday to Friday, 8:00 to 17:00 in the practice's time zone,
closed on the six holidays most US practices close for.

The generators work in naive local time (wall-clock, as staff see it) and attach the practice's
time zone only when a row is made (DemoContext.aware), so clinic hours never drift across a DST change.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

# One holiday calendar for the whole product: the days the demo closes are the days the standards
# engine does not count as business days.
from careloop.measures.business_time import practice_holidays

OPENS = time(8, 0)
CLOSES = time(17, 0)
LUNCH_STARTS = time(12, 0)
LUNCH_ENDS = time(13, 0)
SATURDAY = 5


def is_clinic_day(day: date) -> bool:
    # Next year's set too: New Year's Day on a Saturday is observed on 31 December.
    if day.weekday() >= SATURDAY:
        return False
    return day not in practice_holidays(day.year) and day not in practice_holidays(day.year + 1)


def clinic_days(start: date, end: date) -> list[date]:
    """Clinic days from start (included) to end (excluded)."""
    days = []
    day = start
    while day < end:
        if is_clinic_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def next_clinic_day(day: date) -> date:
    """The first clinic day after `day`."""
    day += timedelta(days=1)
    while not is_clinic_day(day):
        day += timedelta(days=1)
    return day


def previous_clinic_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_clinic_day(day):
        day -= timedelta(days=1)
    return day


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment)


def next_open_moment(moment: datetime) -> datetime:
    """`moment` itself when the practice is open then, else the next opening."""
    day = moment.date()
    if is_clinic_day(day):
        if moment.time() < OPENS:
            return at(day, OPENS)
        if moment.time() < CLOSES:
            return moment
    return at(next_clinic_day(day), OPENS)


def add_business_minutes(moment: datetime, minutes: float) -> datetime:
    """The moment `minutes` of opening hours after `moment` (a reply to a message sent on Friday
    evening that takes 90 business minutes arrives Monday at 9:30)."""
    current = next_open_moment(moment)
    remaining = timedelta(minutes=minutes)
    while True:
        left_today = at(current.date(), CLOSES) - current
        if remaining <= left_today:
            return current + remaining
        remaining -= left_today
        current = at(next_clinic_day(current.date()), OPENS)


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))
