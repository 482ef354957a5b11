"""Measurements are upserted: re-running changes nothing; new data recomputes the periods it touches."""

from __future__ import annotations

from datetime import date
from typing import Any

from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import local, rooming_standard, visit

AS_OF = local("2025-04-15 12:00")


def snapshot() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (m.period_kind, m.period_start, m.breakdown, m.breakdown_value): (m.pk, m.n, m.n_met, m.computed_at)
        for m in Measurement.objects.all()
    }


def test_it_changes_nothing_when_run_again(db: Any) -> None:
    rooming_standard(min_n=1)
    visit(local("2025-03-03 09:00"), 5)
    visit(local("2025-03-12 09:00"), 30)
    first = recompute_measurements(as_of=AS_OF)
    before = snapshot()
    again = recompute_measurements(as_of=AS_OF)
    assert first.created == len(before) > 0
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, len(before))
    assert snapshot() == before


def test_it_recomputes_only_the_periods_new_data_touches(db: Any) -> None:
    rooming_standard(min_n=1)
    visit(local("2025-02-10 09:00"), 5)
    visit(local("2025-03-12 09:00"), 30)
    recompute_measurements(as_of=AS_OF)
    february = Measurement.objects.get(period_kind="month", period_start=date(2025, 2, 1), breakdown="")
    # A late import adds a March visit and (wrongly dated) a February one; only March is recomputed.
    visit(local("2025-03-13 09:00"), 5)
    visit(local("2025-02-11 09:00"), 5)
    report = recompute_measurements(since=local("2025-03-13 00:00"), as_of=AS_OF)
    march = Measurement.objects.get(period_kind="month", period_start=date(2025, 3, 1), breakdown="")
    assert (march.n, march.n_met) == (2, 1)
    assert Measurement.objects.get(pk=february.pk).n == 1
    week = Measurement.objects.get(period_kind="week", period_start=date(2025, 3, 10), breakdown="")
    assert (week.n, week.n_met) == (2, 1)
    assert report.created == 0 and report.updated > 0
    # A full recompute sees the February visit too.
    recompute_measurements(as_of=AS_OF)
    assert Measurement.objects.get(pk=february.pk).n == 2


def test_it_deletes_measurements_whose_events_are_gone(db: Any) -> None:
    rooming_standard(min_n=1)
    visit(local("2025-03-03 09:00"), 5, provider="dr-okafor")
    gone = visit(local("2025-03-04 09:00"), 5, provider="np-chen")
    recompute_measurements(as_of=AS_OF)
    gone.delete()
    report = recompute_measurements(since=local("2025-03-04 00:00"), as_of=AS_OF)
    assert not Measurement.objects.filter(breakdown_value="np-chen").exists()
    assert report.deleted == 2  # np-chen's week and month
