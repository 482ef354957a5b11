"""Standards measured together (engine.count_standards, the path recompute.py and the benchmark take:
one query per table and start) give, standard by standard, exactly what counting each alone gives
(count_events(grain="period"), the reference path), on the app's database and on DuckDB, in full,
from a `since`, and with different `since`s in one call; a broken standard gets its own error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from careloop.journeys.models import Journey, MeasureKind, Standard
from careloop.measures import engine
from careloop.measures.engine import MeasureError, StandardCounts, analytics, count_events, count_standards
from careloop.measures.recompute import roll_up
from careloop.measures.warehouse import copy_events_to_duckdb
from tests.measures.cross_backend_events import AS_OF, generate, insert
from tests.measures.engine_events import local, make_standard

OPERATIONAL = (MeasureKind.DURATION, MeasureKind.RATE, MeasureKind.AUDIT, MeasureKind.ACCESS)


def extra_visit_standards() -> list[Standard]:
    """Standards sharing the visits' scheduled start with the default no-show rate and "seen within
    15 minutes of the appointment", written to catch a shared query that filters or judges a row
    in the wrong order: a `where` on a breakdown column (filtered on its raw value, before blanks
    become "unknown"), a condition on one (judged after), and one with no event at all."""
    return [
        make_standard(
            "urgent-no-shows", "rate",
            {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}, "where": {"visit_type": ["urgent"]}},
            touchpoint="reminders",
        ),
        make_standard(
            "known-provider", "rate", {"table": "visits", "condition": {"field": "provider", "in": ["unknown"]}},
            touchpoint="reminders",
        ),
        make_standard(
            "no-visit-type-xyz", "rate",
            {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}, "where": {"visit_type": ["xyz"]}},
            touchpoint="reminders",
        ),
    ]


def alone(standard: Standard, source: engine.AnalyticsSource, since: datetime | None) -> StandardCounts:
    return count_events(standard, source, since=since, as_of=AS_OF, grain="period")


def compared(together: StandardCounts | MeasureError, by_itself: StandardCounts) -> dict[Any, tuple[int, int]]:
    assert isinstance(together, StandardCounts), together
    assert together.notice == by_itself.notice, together.standard.key
    assert together.dimensions == by_itself.dimensions
    assert roll_up(together) == roll_up(by_itself), together.standard.key
    return roll_up(together)


@pytest.mark.parametrize("warehouse", [False, True], ids=["app-database", "duckdb"])
def test_it_counts_standards_together_exactly_as_each_alone(
    default_journey: Journey, tmp_path: Path, warehouse: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    insert(generate())
    standards = [*default_journey.standards.filter(kind__in=OPERATIONAL).order_by("key"), *extra_visit_standards()]
    url = ""
    if warehouse:
        copy_events_to_duckdb(tmp_path / "events.duckdb")
        url = f"duckdb://{tmp_path}/events.duckdb"
    counted_alone: list[str] = []
    real_alone = engine._counted_alone

    def spy(standard: Standard, *args: Any) -> StandardCounts | MeasureError:
        counted_alone.append(standard.key)
        return real_alone(standard, *args)

    since = local("2025-02-12 00:00")
    with analytics(url) as source:
        for start in (None, since):
            monkeypatch.setattr(engine, "_counted_alone", spy)
            counted_alone.clear()
            together = count_standards([(s, start) for s in standards], source, as_of=AS_OF)
            monkeypatch.undo()
            rows = sum(len(compared(t, alone(s, source, start))) for s, t in zip(standards, together, strict=True))
            assert rows > 2000
            # Shared: the two call standards (started_at), the two audits, the three from a visit's
            # arrival, the scheduled-start ones. Alone: thresholds in days (judged per start and end
            # day, their own) and a standard that is the only one of its table and start.
            shared = ["no-show-rate", "seen-within-15-min-of-appointment", "call-abandonment", "call-answered-30s",
                      "greeted-by-name", "next-steps-explained", "arrival-to-rooming", "visit-cycle-time"]
            assert not set(shared) & set(counted_alone), counted_alone
            assert {"rooming-to-provider", "new-patient-lead-time", "billing-first-response"} <= set(counted_alone)
        assert together[[s.key for s in standards].index("no-visit-type-xyz")].notice == engine.NO_DATA  # type: ignore[union-attr]

        # Different `since`s in one call: each group is its own (table, start, since).
        mixed = [(s, since if i % 2 else None) for i, s in enumerate(standards)]
        for (standard, start), result in zip(mixed, count_standards(mixed, source, as_of=AS_OF), strict=True):
            compared(result, alone(standard, source, start))


def test_it_names_a_broken_standards_field_and_still_counts_the_others(default_journey: Journey) -> None:
    insert(generate())
    no_show = default_journey.standards.get(key="no-show-rate")
    seen = default_journey.standards.get(key="seen-within-15-min-of-appointment")
    broken = make_standard(
        "broken-rate", "rate", {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}, "where": {"colour": ["red"]}},
        touchpoint="reminders",
    )
    with analytics("") as source:
        results = count_standards([(no_show, None), (broken, None), (seen, None)], source, as_of=AS_OF)
        assert isinstance(results[1], MeasureError)
        assert "'broken-rate'" in str(results[1]) and "'colour'" in str(results[1])
        compared(results[0], alone(no_show, source, None))
        compared(results[2], alone(seen, source, None))
