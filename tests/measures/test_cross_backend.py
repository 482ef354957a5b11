"""Every default standard gives the same measurements on every backend, and the numbers of a
pure-Python reference written apart from the engine (tests/measures/reference.py).

Backends: the app's own database (SQLite here; PostgreSQL in CI's second pass, when
CARELOOP_TEST_DATABASE_URL is set), a DuckDB file and a Parquet folder written from the same rows.
Spark runs the same comparison in test_cross_backend_spark.py (CARELOOP_TEST_SPARK=1).

Shares are compared exactly, so the integer-division pitfall of Ibis on PostgreSQL (DESIGN.md) —
shares silently 0 — fails here: the data has shares strictly between 0 and 1 for every standard, and
a test below checks that the comparison sees such a share turned into 0.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from math import isclose
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from careloop.journeys.models import Journey, MeasureKind
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.measures.warehouse import copy_events_to_duckdb, copy_events_to_parquet
from tests.measures.cross_backend_events import AS_OF, EventRows, generate, insert
from tests.measures.reference import Expected, Key, Rules, StandardSpec, measure

NEW_YORK = ZoneInfo("America/New_York")
# The six federal holidays of the default calendar that fall in the data's span (and around it).
FEDERAL_2025 = frozenset({date(2025, 1, 1), date(2025, 5, 26), date(2025, 7, 4)})
OPERATIONAL = (MeasureKind.DURATION, MeasureKind.RATE, MeasureKind.AUDIT, MeasureKind.ACCESS)


@pytest.fixture
def practice(default_journey: Journey) -> EventRows:
    rows = generate()
    insert(rows)
    return rows


def specs(journey: Journey) -> list[StandardSpec]:
    return [
        StandardSpec(s.key, s.kind, s.definition, None if s.threshold is None else float(s.threshold), s.goal, s.direction, s.min_n)
        for s in journey.standards.filter(kind__in=OPERATIONAL).order_by("key")
    ]


def measured_on(url: str) -> dict[Key, Expected]:
    Measurement.objects.all().delete()
    report = recompute_measurements(as_of=AS_OF, analytics_url=url)
    assert report.errors == [], report.errors
    return {
        (m.standard.key, m.period_kind, m.period_start, m.breakdown, m.breakdown_value): Expected(
            m.n, m.n_met, m.share, m.ci_low, m.ci_high, m.goal_met, m.suppressed
        )
        for m in Measurement.objects.filter(standard__kind__in=OPERATIONAL).select_related("standard")
    }


def differences(found: dict[Key, Expected], wanted: dict[Key, Expected]) -> list[str]:
    """Every group that is missing, extra, or has another figure. Shares exactly; intervals to 1e-12
    (the same formula arranged differently)."""
    problems = [f"missing {key}: want {wanted[key]}" for key in sorted(wanted.keys() - found.keys())]
    problems += [f"extra {key}: {found[key]}" for key in sorted(found.keys() - wanted.keys())]
    for key in sorted(found.keys() & wanted.keys()):
        got, want = found[key], wanted[key]
        same_counts = (got.n, got.n_met, got.suppressed, got.goal_met) == (want.n, want.n_met, want.suppressed, want.goal_met)
        same_share = got.share == want.share and type(got.share) is type(want.share)
        same_interval = all(
            (a is None and b is None) or (a is not None and b is not None and isclose(a, b, rel_tol=0, abs_tol=1e-12))
            for a, b in ((got.ci_low, want.ci_low), (got.ci_high, want.ci_high))
        )
        if not (same_counts and same_share and same_interval):
            problems.append(f"{key}: got {got}, want {want}")
    return problems


def assert_same(found: dict[Key, Expected], wanted: dict[Key, Expected], where: str) -> None:
    problems = differences(found, wanted)
    assert not problems, f"{where}: {len(problems)} difference(s), first ones:\n" + "\n".join(problems[:12])


def assert_not_vacuous(results: dict[Key, Expected], journey: Journey) -> None:
    """Every operational default standard has a shown share strictly between 0 and 1 (what integer
    division would turn into 0), some groups are suppressed, and every breakdown appears."""
    for spec in specs(journey):
        shares = [e.share for k, e in results.items() if k[0] == spec.key and e.share is not None]
        assert any(0 < share < 1 for share in shares), spec.key
    assert any(e.suppressed for e in results.values())
    breakdowns = {k[3] for k in results}
    assert breakdowns == {"", "provider", "location", "visit_type", "queue", "agent"}
    assert any(k[4] == "unknown" for k in results)


def test_it_gives_the_reference_numbers_on_the_app_database_duckdb_and_parquet(
    practice: EventRows, default_journey: Journey, tmp_path: Path
) -> None:
    rules = Rules(NEW_YORK, AS_OF, FEDERAL_2025)
    reference = measure(specs(default_journey), practice.tables, rules)
    assert_not_vacuous(reference, default_journey)

    assert_same(measured_on(""), reference, f"the app's {connection.vendor} database")
    copy_events_to_duckdb(tmp_path / "events.duckdb")
    assert_same(measured_on(f"duckdb://{tmp_path}/events.duckdb"), reference, "DuckDB")
    copy_events_to_parquet(tmp_path / "parquet")
    assert_same(measured_on(f"parquet://{tmp_path}/parquet"), reference, "Parquet")


def test_it_follows_a_custom_holiday_calendar_and_opening_hours_on_every_backend(
    practice: EventRows, default_journey: Journey, tmp_path: Path, settings: Any
) -> None:
    holidays = tmp_path / "holidays.txt"
    # Presidents' Day and Good Friday closed; Memorial Day open; a Saturday listed changes nothing.
    holidays.write_text("# closed days\n2025-02-17  Presidents' Day\n2025-04-18 Good Friday\n\n2025-03-08\n", encoding="utf-8")
    settings.HOLIDAYS_FILE = str(holidays)
    settings.OPENING_HOURS = "08:00-17:00"
    rules = Rules(NEW_YORK, AS_OF, frozenset({date(2025, 2, 17), date(2025, 4, 18), date(2025, 3, 8)}), time(17, 0))
    reference = measure(specs(default_journey), practice.tables, rules)
    # Not vacuous: the calendar changes some business-day figures.
    default = measure(specs(default_journey), practice.tables, Rules(NEW_YORK, AS_OF, FEDERAL_2025))
    changed = {k[0] for k in reference if reference[k] != default.get(k)}
    assert {"portal-message-answered", "billing-first-response", "referral-in-booked"} <= changed

    assert_same(measured_on(""), reference, f"the app's {connection.vendor} database")
    copy_events_to_duckdb(tmp_path / "events.duckdb")
    assert_same(measured_on(f"duckdb://{tmp_path}/events.duckdb"), reference, "DuckDB")


def test_it_would_catch_shares_divided_as_integers(practice: EventRows, default_journey: Journey) -> None:
    """What Ibis 12 on PostgreSQL does to int/int without a cast: 7/10 becomes 0."""
    reference = measure(specs(default_journey), practice.tables, Rules(NEW_YORK, AS_OF, FEDERAL_2025))
    truncated = {
        key: replace(value, share=float(value.n_met // value.n)) if value.share is not None else value
        for key, value in reference.items()
    }
    problems = differences(truncated, reference)
    assert problems and all("got Expected" in p for p in problems)
    assert len(problems) == sum(1 for v in reference.values() if v.share is not None and 0 < v.share < 1)
