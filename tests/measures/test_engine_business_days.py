"""Business days: whole working days after the day of receipt, Monday to Friday, without holidays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis  # type: ignore[import-untyped]
import pytest

from careloop.events.models import Message
from careloop.measures.business_time import business_days_between, holiday_days
from careloop.measures.engine import Clock
from careloop.measures.models import Measurement
from careloop.measures.periods import date_to_day
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import local, make_standard


def message(key: str, received: str, answered: str | None) -> None:
    Message.objects.create(
        message_id=key,
        channel="portal",
        patient_ref=f"P-{key}",
        received_at=local(received),
        first_response_at=local(answered) if answered else None,
    )


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2025, 3, 7), date(2025, 3, 10), 1),  # Friday → Monday
        (date(2025, 3, 8), date(2025, 3, 10), 1),  # Saturday → Monday
        (date(2025, 3, 3), date(2025, 3, 5), 2),  # Monday → Wednesday
        (date(2025, 3, 3), date(2025, 3, 3), 0),  # same day
        (date(2025, 5, 23), date(2025, 5, 27), 1),  # Friday → Tuesday over Memorial Day (26 May)
        (date(2025, 12, 24), date(2026, 1, 2), 5),  # Christmas and New Year's Day left out
    ],
)
def test_it_counts_business_days_after_the_day_of_receipt(start: date, end: date, days: int) -> None:
    assert business_days_between(start, end) == days


def test_it_counts_the_same_business_days_in_the_database_as_in_python() -> None:
    first, last = date(2024, 11, 1), date(2026, 2, 1)
    clock = Clock(0, [], holiday_days(first, last))
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    pairs = [(a, b) for a in days[::3] for b in days if 0 <= (b - a).days <= 40]
    table = ibis.memtable({"a": [date_to_day(a) for a, _ in pairs], "b": [date_to_day(b) for _, b in pairs]})
    expression = table.select(n=clock.business_day_index(table.b) - clock.business_day_index(table.a))
    in_database = ibis.duckdb.connect().to_pyarrow(expression).column("n").to_pylist()
    assert in_database == [business_days_between(a, b) for a, b in pairs]
    assert len(pairs) > 5000


def test_it_measures_portal_messages_answered_within_one_business_day(db: Any) -> None:
    definition = {
        "table": "messages",
        "start": "received_at",
        "end": "first_response_at",
        "unit": "business_days",
        "missing_end": "fail",
        "where": {"channel": ["portal"]},
    }
    make_standard("portal-message-answered", "duration", definition, threshold=1, touchpoint="portal", min_n=1)
    message("a", "2025-03-07 16:30", "2025-03-10 10:00")  # Friday evening → Monday: 1, met
    message("b", "2025-03-08 11:00", "2025-03-10 16:00")  # Saturday → Monday: 1, met
    message("c", "2025-03-10 09:00", "2025-03-12 09:00")  # Monday → Wednesday: 2, not met
    message("d", "2025-03-10 09:00", None)  # unanswered; by Friday its day has passed: not met
    message("e", "2025-03-13 09:00", None)  # Thursday, unanswered on Friday noon: still pending
    recompute_measurements(as_of=local("2025-03-14 12:00"))
    # a is in the week of 3 March; b (Saturday) too.
    first = Measurement.objects.get(period_kind="week", period_start=date(2025, 3, 3), breakdown="")
    second = Measurement.objects.get(period_kind="week", period_start=date(2025, 3, 10), breakdown="")
    assert (first.n, first.n_met) == (2, 2)
    assert (second.n, second.n_met) == (2, 0)
