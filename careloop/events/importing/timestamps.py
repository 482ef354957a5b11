"""Reading timestamps as practice systems write them.

Values with a zone or offset (2024-03-05T14:30:00Z, …+01:00) keep their instant. Values without one
are wall-clock times in the mapping's time zone (default: the practice's, CARELOOP_TIME_ZONE), and two
moments a year that wall clock is not a plain function of time (PEP 495):

- a time in the spring-forward gap (02:30 on the second Sunday of March in New York) never showed on a
  clock that followed the zone; it is read with the offset before the change (so 02:30 EST = 03:30 EDT,
  as a device clock not yet moved forward would have meant), and reported;
- a time in the autumn fold (01:30 on the first Sunday of November) happened twice; it is read as the
  first of the two (fold=0), and reported, because the export cannot say which was meant.

Internally values are naive datetimes in UTC (`__call__`), or the same instant as UTC text
"YYYY-MM-DD HH:MM:SS[.ffffff]" (`utc_text`, the import's fast path): that text is what Django's SQLite
backend stores for an aware datetime, it sorts in time order, and the writer turns either form into
what each backend stores.

The fast path exists because a visits file holds seven timestamps a row: parsing each one through
datetime objects was the largest cost of a CSV import (cProfile, bench/ingest.py). Values of the shape
ISO 8601 export tools write (to the second, with or without an offset or Z) are converted by the minute:
the first value of each minute and offset goes the slow, checked way, and later ones reuse its UTC
minute, adding only their seconds (checked to be 00–59). Any other text (a mapping's format) is cached
whole. A value near a daylight-saving change is never cached, so each one is noted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.events.importing.values import BadValue

ISO_EXAMPLE = "2024-03-05 14:30"
HOUR = timedelta(hours=1)
ZERO = timedelta(0)
LAST_MOMENT_OF_HOUR = timedelta(minutes=59, seconds=59, microseconds=999999)
SECONDS = frozenset(f":{n:02d}" for n in range(60))
# Distinct values kept converted; past it the cache starts again (memory stays flat on any file).
CACHE_LIMIT = 200_000


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
        # local minute + offset text ("2024-03-05T14:30" + "-05:00") → UTC minute ("2024-03-05 19:30")
        self.minutes: dict[str, str] = {}
        self.whole: dict[str, str] = {}  # other text → UTC text
        self.stated_offsets: dict[str, timedelta] = {}  # "-05:00" → its timedelta

    def __call__(self, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        moment = self.parse(text)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).replace(tzinfo=None)
        return self.to_utc(moment)

    def utc_text(self, text: str) -> str | None:
        """The same as __call__, as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]" (None for an empty value)."""
        size = len(text)
        if size in (19, 20, 25) and text[16:19] in SECONDS and text[10] in "T ":
            minute = self.minutes.get(text[:16] + text[19:])
            if minute is None:
                minute = self._utc_minute(text[:16], text[19:])
            if minute is not None:
                return minute + text[16:19]
        found = self.whole.get(text)
        if found is not None:
            return found
        notes = len(self.dst_notes)
        moment = self(text)
        if moment is None:
            return None
        result = moment.isoformat(" ")
        if len(self.dst_notes) == notes:
            if len(self.whole) >= CACHE_LIMIT:
                self.whole.clear()
            self.whole[text] = result
        return result

    def utc_texts(self, values: Sequence[str]) -> list[str | None]:
        """utc_text of every value of a column. A value whose minute is known costs a dictionary look-up:
        the key is its first 16 characters and what follows its seconds, so a hit means the same local
        minute and offset as a value already checked, and only the seconds (":SS") are left to check."""
        get = self.minutes.get
        one = self.utc_text
        return [
            minute + seconds
            if (minute := get(v[:16] + v[19:])) is not None and (seconds := v[16:19]) in SECONDS
            else one(v)
            for v in values
        ]

    def _utc_minute(self, local: str, offset_text: str) -> str | None:
        """UTC "YYYY-MM-DD HH:MM" for a local minute and offset text, or None when that minute cannot be
        cached (not the expected shape, or near a daylight-saving change): the caller then goes the slow way."""
        if local[4] != "-" or local[7] != "-" or local[13] != ":":
            return None
        offset = self.stated_offset(offset_text)
        try:
            wall = datetime.fromisoformat(local)
        except ValueError:
            return None  # the slow way reports it, with the value as written
        if offset is None:
            if offset_text:
                return None
            hour = wall.toordinal() * 24 + wall.hour
            try:
                offset = self.offsets[hour]
            except KeyError:
                offset = self.offsets[hour] = self.steady_offset(wall)
        # Near a daylight-saving change, or a zone offset with seconds (local mean time before 1900):
        # the minute does not carry over to every second of it.
        if offset is None or offset.seconds % 60:
            return None
        if len(self.minutes) >= CACHE_LIMIT:
            self.minutes.clear()
        minute = self.minutes[local + offset_text] = (wall - offset).isoformat(" ")[:16]
        return minute

    def stated_offset(self, text: str) -> timedelta | None:
        """The offset an ISO 8601 suffix states ("Z", "+01:00", "-05:00"); None for none or another shape."""
        if text == "Z":
            return ZERO
        if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
            return None
        known = self.stated_offsets.get(text)
        if known is None:
            try:
                known = datetime.fromisoformat(f"2000-01-01T00:00{text}").utcoffset()
            except ValueError:
                return None
            if known is None:
                return None
            self.stated_offsets[text] = known
        return known

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
