"""Business days and local days: what "within 3 business days" means, and the practice's clock.

Precision (docs/measures.md): business days are counted in whole days, as the rules they come
from are written. The NHS complaints regulations (2009, reg. 13(1)) ask for an acknowledgement
"not later than 3 working days after the day on which it receives the complaint": the day of
receipt does not count, and anything on the third working day after it is in time, whatever the
hour. So an event meets "within N business days" when the number of business days after its start
day, up to and including its end day, is at most N. A message received on Friday evening and
answered on Monday took 1 business day; one received on Saturday and answered on Monday, also 1.
Opening hours (CARELOOP_OPENING_HOURS, e.g. "08:00-17:00") move the day of receipt, not the count:
something received after closing time, or on a day the practice is closed, is received on the next
business day, as service desks usually write it ("messages received after 5 pm are handled as received
the next working day"). Unset, the hour of receipt does not matter. No default standard is written in
business hours, so hours within a day are never counted.

Business days are Monday to Friday except the practice's holidays: the six US federal holidays below,
or the closed days listed in the file CARELOOP_HOLIDAYS names (one YYYY-MM-DD a line), which then
replaces them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from careloop.measures.periods import FIRST_MONDAY, date_to_day

SATURDAY = 5
SECONDS_PER_DAY = 86400
_HOURS = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)")


class CalendarError(Exception):
    """The practice's holiday file or opening hours cannot be used: one sentence saying where."""


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Saturday holidays are observed the Friday before, Sunday ones the Monday after
    (5 U.S.C. 6103(b))."""
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def practice_holidays(year: int) -> frozenset[date]:
    """The days of `year` the practice is closed: from the CARELOOP_HOLIDAYS file when one is set,
    else the US federal holidays most practices close for."""
    path = str(getattr(settings, "HOLIDAYS_FILE", "") or "")
    if not path:
        return federal_holidays(year)
    return _holiday_file(path).get(year, frozenset())


def _holiday_file(path: str) -> dict[int, frozenset[date]]:
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        raise CalendarError(f"CARELOOP_HOLIDAYS: no holiday file at {path}.") from None
    return _read_holiday_file(path, stamp)


@lru_cache(maxsize=8)
def _read_holiday_file(path: str, stamp: int) -> dict[int, frozenset[date]]:
    """One closed day a line, YYYY-MM-DD, optionally followed by its name; blank lines and lines
    starting with # are skipped. `stamp` (the file's mtime) makes an edited file read again."""
    by_year: dict[int, set[date]] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarError(f"CARELOOP_HOLIDAYS ({path}) cannot be read: {error}.") from None
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        try:
            day = date.fromisoformat(words[0]) if len(words[0]) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise CalendarError(
                f"CARELOOP_HOLIDAYS ({path}), line {number}: {words[0]!r} is not a date written YYYY-MM-DD."
            )
        by_year.setdefault(day.year, set()).add(day)
    return {year: frozenset(days) for year, days in by_year.items()}


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """New Year's Day, Memorial Day, Independence Day, Labor Day, Thanksgiving and Christmas
    (as observed): the federal holidays of 5 U.S.C. 6103(a) that nearly every US practice closes for."""
    return frozenset(
        {
            _observed(date(year, 1, 1)),
            _nth_weekday(year, 5, 0, -1),
            _observed(date(year, 7, 4)),
            _nth_weekday(year, 9, 0, 1),
            _nth_weekday(year, 11, 3, 4),
            _observed(date(year, 12, 25)),
        }
    )


def holiday_days(first: date, last: date) -> list[int]:
    """Holidays between two dates (included), as sorted day numbers."""
    found: set[date] = set()
    # One year either side: New Year's Day on a Saturday is observed on 31 December.
    for year in range(first.year - 1, last.year + 2):
        found |= practice_holidays(year)
    # A closed Saturday or Sunday is not a business day anyway: only weekdays are taken off the count.
    return sorted(date_to_day(d) for d in found if first <= d <= last and d.weekday() < SATURDAY)


def closing_second() -> int | None:
    """Seconds after local midnight at which the practice closes (CARELOOP_OPENING_HOURS), or None
    when opening hours are not set."""
    raw = str(getattr(settings, "OPENING_HOURS", "") or "").strip()
    if not raw:
        return None
    match = _HOURS.fullmatch(raw)
    opens = int(match.group(1)) * 3600 + int(match.group(2)) * 60 if match else 0
    closes = int(match.group(3)) * 3600 + int(match.group(4)) * 60 if match else 0
    if match is None or not 0 <= opens < closes <= SECONDS_PER_DAY:
        raise CalendarError(f"CARELOOP_OPENING_HOURS must be like 08:00-17:00 (opening before closing), not {raw!r}.")
    return closes


def weekdays_through(day: int) -> int:
    """Monday-to-Friday days from the first Monday after the epoch up to `day` (included).
    engine.py computes the same in the database; tests check the two agree."""
    since_monday = day - FIRST_MONDAY
    weeks, rest = divmod(since_monday, 7)
    return weeks * 5 + min(rest + 1, 5)


def business_day_index(day: int, holidays: list[int]) -> int:
    """A running count of business days: index(end) - index(start) is the number of business days
    after `start`, up to and including `end`."""
    return weekdays_through(day) - sum(1 for h in holidays if h <= day)


def business_days_between(start: date, end: date) -> int:
    holidays = holiday_days(start, end)
    return business_day_index(date_to_day(end), holidays) - business_day_index(date_to_day(start), holidays)


def utc_offsets(first: datetime, last: datetime, zone: ZoneInfo) -> tuple[int, list[tuple[int, int]]]:
    """The zone's UTC offset (seconds) at `first`, and each change until `last` as
    (epoch second it takes effect, new offset). Daylight saving moves the local day boundary;
    the engine turns this into a short CASE so the database computes local days exactly."""
    start = first.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    end = last.astimezone(timezone.utc)

    def offset_at(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    initial = offset_at(start)
    changes: list[tuple[int, int]] = []
    current, moment = initial, start
    step = timedelta(days=1)
    while moment < end:
        following = moment + step
        if offset_at(following) != current:
            # Narrow the change down to the second (some zones change at half hours).
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset_at(middle) == current:
                    low = middle
                else:
                    high = middle
            current = offset_at(high)
            changes.append((int(high.timestamp()), current))
        moment = following
    return initial, changes
