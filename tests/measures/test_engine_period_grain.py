"""Weeks and months rolled up in the database (count_events(grain="period"), the fast path recompute
uses) equal the same weeks and months summed in Python from the counts by day (the reference path),
for every default operational standard, on the app's database and on DuckDB, in full and from a
`since` in the middle of a week and a month."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import ibis  # type: ignore[import-untyped]

from careloop.journeys.models import Journey, MeasureKind
from careloop.measures.engine import Clock, analytics, count_events
from careloop.measures.periods import PeriodKind, date_to_day, day_to_date, period_containing
from careloop.measures.recompute import roll_up
from careloop.measures.warehouse import copy_events_to_duckdb
from tests.measures.cross_backend_events import AS_OF, generate, insert
from tests.measures.engine_events import local

OPERATIONAL = (MeasureKind.DURATION, MeasureKind.RATE, MeasureKind.AUDIT, MeasureKind.ACCESS)


def test_it_finds_each_days_week_and_month_as_periods_py_does() -> None:
    first, last = date(2024, 11, 20), date(2026, 3, 10)
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    starts = []
    month = first.replace(day=1)
    while month <= last:
        starts.append(date_to_day(month))
        month = period_containing(month, PeriodKind.MONTH).end
    clock = Clock(0, [], [], month_starts=tuple(starts))
    table = ibis.memtable({"day": [date_to_day(d) for d in days]})
    found = ibis.duckdb.connect().to_pyarrow(
        table.select(week=clock.week_start(table.day), month=clock.month_start(table.day))
    ).to_pydict()
    assert [day_to_date(d) for d in found["week"]] == [period_containing(d, PeriodKind.WEEK).start for d in days]
    assert [day_to_date(d) for d in found["month"]] == [period_containing(d, PeriodKind.MONTH).start for d in days]
    assert len(days) > 450


def test_it_rolls_up_in_the_database_what_python_rolls_up_from_days(default_journey: Journey, tmp_path: Path) -> None:
    insert(generate())
    copy_events_to_duckdb(tmp_path / "events.duckdb")
    standards = list(default_journey.standards.filter(kind__in=OPERATIONAL).order_by("key"))
    assert len(standards) >= 15
    # A Wednesday in mid-February: its week began in the same month, and recompute passes a since
    # like this one (a period's local midnight) after an import.
    since = local("2025-02-12 00:00")
    compared = 0
    for url in ("", f"duckdb://{tmp_path}/events.duckdb"):
        with analytics(url) as source:
            for standard in standards:
                for start in (None, since):
                    by_day = count_events(standard, source, since=start, as_of=AS_OF)
                    by_period = count_events(standard, source, since=start, as_of=AS_OF, grain="period")
                    assert by_period.table is None and by_period.periods is not None, standard.key
                    in_python, in_database = roll_up(by_day), roll_up(by_period)
                    assert in_database == in_python, (url, standard.key, start)
                    assert {key[2] for key in in_database} == {"", *by_day.dimensions}
                    compared += len(in_database)
    assert compared > 5000
