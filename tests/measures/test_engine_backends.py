"""The same standards give the same numbers on every backend: the app's database (SQLite, or
PostgreSQL when CARELOOP_TEST_DATABASE_URL is set, as in CI), a DuckDB file and a Parquet folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection

from careloop.events.models import Audit, Call, Message, SlotSnapshot
from careloop.journeys.models import Standard
from careloop.measures.engine import analytics, count_events
from careloop.measures.warehouse import copy_events_to_duckdb, copy_events_to_parquet
from tests.measures.engine_events import local, make_standard, visit

AS_OF = local("2025-04-15 12:00")


def small_practice() -> None:
    """Six weeks of events across a daylight-saving change, two providers and every table."""
    make_standard("rooming", "duration", {"table": "visits", "start": "arrived_at", "end": "roomed_at", "unit": "minutes"}, threshold=15)
    make_standard("no-shows", "rate", {"table": "visits", "condition": {"field": "status", "in": ["no-show"]}}, goal=0.1, direction="lower_is_better")
    make_standard("portal", "duration", {"table": "messages", "start": "received_at", "end": "first_response_at", "unit": "business_days"}, threshold=1)
    make_standard("abandoned", "rate", {"table": "calls", "condition": {"field": "abandoned_at", "is_set": True}}, goal=0.05)
    make_standard("greeted", "audit", {"checklist": "greeted", "question": "?"})
    make_standard("tna", "access", {"visit_type": "established", "rank": 3, "unit": "business_days"}, threshold=5)
    start = local("2025-02-24 08:00")
    for number in range(6 * 7 * 6):
        moment = start + timedelta(hours=4 * number)
        provider = ("dr-okafor", "np-chen")[number % 2]
        visit(moment, (number * 7) % 31, provider=provider, status="no-show" if number % 9 == 0 else "completed")
        if number % 3 == 0:
            answered = None if number % 15 == 0 else moment + timedelta(hours=(number * 5) % 70)
            Message.objects.create(message_id=f"M{number}", channel="portal", patient_ref="P", received_at=moment, first_response_at=answered)
            Call.objects.create(call_id=f"C{number}", queue="general", started_at=moment, abandoned_at=moment if number % 4 == 0 else None)
        if number % 5 == 0:
            Audit.objects.create(audit_id=f"A{number}", standard="greeted", observed_at=moment, observer="m", passed=number % 3 != 0)
            SlotSnapshot.objects.create(
                taken_at=moment, provider=provider, visit_type="established",
                next_available_3=moment + timedelta(hours=(number * 11) % 240),
            )


def counts_on(url: str) -> dict[str, list[tuple[Any, ...]]]:
    results = {}
    with analytics(url) as source:
        for standard in Standard.objects.order_by("key"):
            counted = count_events(standard, source, as_of=AS_OF)
            results[standard.key] = sorted((c.day, tuple(sorted(c.breakdown.items())), c.n, c.met) for c in counted.days)
    return results


def test_it_gives_the_same_counts_on_the_app_database_duckdb_and_parquet(db: Any, tmp_path: Path) -> None:
    small_practice()
    on_app_database = counts_on("")
    copy_events_to_duckdb(tmp_path / "events.duckdb")
    copy_events_to_parquet(tmp_path / "parquet")
    assert counts_on(f"duckdb://{tmp_path}/events.duckdb") == on_app_database
    assert counts_on(f"parquet://{tmp_path}/parquet") == on_app_database
    # Not vacuous: every standard has events, some met and some not.
    for key, days in on_app_database.items():
        n, met = sum(d[2] for d in days), sum(d[3] for d in days)
        assert 0 < met < n, (key, connection.vendor)
