"""The earliest event time an import touched, which the events_imported signal carries (`earliest`) so
measures recompute only the weeks and months from there on (measures/recompute.py).

Kept per written batch, and only for batches that inserted or changed a row: a file imported again
unchanged touches nothing. Within such a batch the earliest timestamp of any field counts (a visit's
requested_at may fall in an earlier period than its scheduled_start), so the figure errs early, never
late for the new values. One case it does not see: an update that moved a row later (a visit
rescheduled from March to May) also changed March; `careloop measure` recomputes every period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from careloop.events.importing.rows import GoodRow
from careloop.events.importing.tables import TableSpec


class EarliestTime:
    def __init__(self, spec: TableSpec) -> None:
        self.positions = [i for i, f in enumerate(spec.fields) if f.kind == "timestamp"]
        self.value: datetime | None = None

    def of(self, batch: Sequence[GoodRow]) -> datetime | None:
        """The batch's earliest timestamp (naive UTC, the importer's internal form) as an aware UTC time."""
        found = [v for row in batch for i in self.positions if isinstance(v := row.values[i], datetime)]
        if not found:
            return None
        earliest = min(found)
        return earliest if earliest.tzinfo is not None else earliest.replace(tzinfo=UTC)

    def keep(self, moment: datetime | None) -> None:
        if moment is not None and (self.value is None or moment < self.value):
            self.value = moment
