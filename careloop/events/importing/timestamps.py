"""Reading timestamps as practice systems write them.

Values with a zone or offset (2024-03-05T14:30:00Z, …+01:00) keep their instant. Values without one
are wall-clock times in the mapping's time zone (default: the practice's, CARELOOP_TIME_ZONE), and two
moments a year that wall clock is not a plain function of time (PEP 495):

- a time in the spring-forward gap (02:30 on the second Sunday of March in New York) never showed on a
  clock that followed the zone; it is read with the offset before the change (so 02:30 EST = 03:30 EDT,
  as a device clock not yet moved forward would have meant), and reported;
- a time in the autumn fold (01:30 on the first Sunday of November) happened twice; it is read as the
  first of the two (fold=0), and reported, because the export cannot say which was meant.

Internally values are naive datetimes in UTC: the writer gives each backend the form it stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.events.importing.values import BadValue

ISO_EXAMPLE = "2024-03-05 14:30"
HOUR = timedelta(hours=1)
LAST_MOMENT_OF_HOUR = timedelta(minutes=59, seconds=59, microseconds=999999)


class TimestampReader:
    """Text → naive UTC datetime. Remembers each hour's UTC offset, so the zone rules are consulted
    once an hour of data rather than once a value (the import's fast path)."""

    def __init__(self, zone: ZoneInfo, formats: Sequence[str] = ()) -> None:
        self.zone = zone
        self.formats = tuple(formats)
        self.offsets: dict[int, timedelta | None] = {}  # hour number → offset, None if DST changes in it
        self.dst_notes: list[str] = []  # filled as values are read; the row reader attaches line numbers
        expected = f"an ISO 8601 date and time such as {ISO_EXAMPLE}"
        if self.formats:
            expected += " or one of the mapping's formats: " + ", ".join(self.formats)
        self.expected = expected

    def __call__(self, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        moment = self.parse(text)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).replace(tzinfo=None)
        return self.to_utc(moment)

    def parse(self, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        for form in self.formats:
            try:
                return datetime.strptime(text, form)
            except ValueError:
                continue
        raise BadValue(f"is not a date and time; expected {self.expected}")

    def to_utc(self, wall: datetime) -> datetime:
        hour = wall.toordinal() * 24 + wall.hour
        try:
            offset = self.offsets[hour]
        except KeyError:
            offset = self.offsets[hour] = self.steady_offset(wall)
        if offset is None:
            return self.to_utc_near_change(wall)
        return wall - offset

    def steady_offset(self, wall: datetime) -> timedelta | None:
        """The zone's offset for this whole wall-clock hour, or None if it changes within it."""
        start = wall.replace(minute=0, second=0, microsecond=0)
        offsets = {
            moment.replace(tzinfo=self.zone, fold=fold).utcoffset()
            for moment in (start, start + LAST_MOMENT_OF_HOUR)
            for fold in (0, 1)
        }
        if len(offsets) != 1:
            return None
        (offset,) = offsets
        return offset

    def to_utc_near_change(self, wall: datetime) -> datetime:
        first = wall.replace(tzinfo=self.zone, fold=0)
        second = wall.replace(tzinfo=self.zone, fold=1)
        utc = first.astimezone(UTC)
        if utc.astimezone(self.zone).replace(tzinfo=None) != wall:
            local = utc.astimezone(self.zone)
            self.dst_notes.append(
                f"{wall:%Y-%m-%d %H:%M} does not exist in {self.zone.key} (clocks went forward); "
                f"read as {local:%H:%M %Z}"
            )
        elif first.utcoffset() != second.utcoffset():
            self.dst_notes.append(
                f"{wall:%Y-%m-%d %H:%M} happened twice in {self.zone.key} (clocks went back); "
                f"read as the first, {first:%Z}"
            )
        return utc.replace(tzinfo=None)
