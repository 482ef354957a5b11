"""More of what goes wrong, each in one sentence naming the standard and the field (or the file and
line), never a stack trace: a wrong unit or rank, a column of the wrong type in a warehouse, a missing
Parquet folder, a broken holiday file or opening hours; and `careloop measure`'s exit status."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.cli import main
from careloop.events.models import Call, Message
from careloop.measures.engine import AnalyticsUnavailable, analytics, count_events, open_analytics
from careloop.measures.recompute import recompute_measurements
from tests.measures.engine_events import five_visits_three_within_fifteen_minutes, local, make_standard, rooming_standard

AS_OF = local("2025-04-15 12:00")
PORTAL = {"table": "messages", "start": "received_at", "end": "first_response_at", "unit": "business_days"}


def test_it_names_a_unit_it_does_not_know(db: Any) -> None:
    make_standard("rooming-weeks", "duration", {"table": "visits", "start": "arrived_at", "end": "roomed_at", "unit": "weeks"}, threshold=1)
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [
        "Standard 'rooming-weeks': measure.unit 'weeks' is not one of seconds, minutes, hours, days, business_days."
    ]


def test_it_names_a_rank_that_is_not_a_number_and_one_the_table_lacks(db: Any) -> None:
    make_standard("tna-x", "access", {"visit_type": "established", "rank": "third", "unit": "days"}, threshold=7)
    make_standard("tna-4", "access", {"visit_type": "established", "rank": 4, "unit": "days"}, threshold=7)
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [
        "Standard 'tna-4': measure.rank names the field 'next_available_4', which the slot_snapshots table does not have.",
        "Standard 'tna-x': measure.rank must be a whole number from 1 (3: third next available), not 'third'.",
    ]


def test_it_names_a_warehouse_column_loaded_as_text(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "text.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE visits (arrived_at VARCHAR, roomed_at TIMESTAMPTZ, status VARCHAR)")
    rooming_standard()
    report = recompute_measurements(as_of=AS_OF, analytics_url=f"duckdb://{path}")
    assert report.errors == [
        "Standard 'arrival-to-rooming': measure.start names the field 'arrived_at', which is string in the visits table, "
        "not a timestamp; load it as a timestamp (docs/analytics-backends.md)."
    ]


def test_it_refuses_a_parquet_url_without_a_folder(tmp_path: Path) -> None:
    with pytest.raises(AnalyticsUnavailable, match=r"^CARELOOP_ANALYTICS_URL \(parquet://.*\): no folder at .*nothing-here\.$"):
        open_analytics(f"parquet://{tmp_path}/nothing-here")


def test_it_says_a_damaged_parquet_file_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "visits.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(AnalyticsUnavailable) as raised:
        open_analytics(f"parquet://{tmp_path}")
    assert str(raised.value).startswith(f"CARELOOP_ANALYTICS_URL (parquet://{tmp_path}) could not be opened: ")
    assert "\n" not in str(raised.value)


def test_it_names_the_holiday_file_and_line_of_a_bad_date(db: Any, settings: Any, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2025-01-01 New Year\n2025-13-01 typo\n", encoding="utf-8")
    settings.HOLIDAYS_FILE = str(holidays)
    make_standard("portal", "duration", PORTAL, threshold=1)
    rooming = rooming_standard()
    five_visits_three_within_fifteen_minutes()
    Message.objects.create(message_id="M1", channel="portal", patient_ref="P", received_at=local("2025-03-03 09:00"))
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [
        f"Standard 'portal': CARELOOP_HOLIDAYS ({holidays}), line 2: '2025-13-01' is not a date written YYYY-MM-DD."
    ]
    # Standards not counted in business days do not need the calendar.
    assert rooming.measurements.exists()


def test_it_names_a_missing_holiday_file_and_bad_opening_hours(db: Any, settings: Any, tmp_path: Path) -> None:
    make_standard("portal", "duration", PORTAL, threshold=1)
    Message.objects.create(message_id="M1", channel="portal", patient_ref="P", received_at=local("2025-03-03 09:00"))
    settings.HOLIDAYS_FILE = str(tmp_path / "missing.txt")
    assert recompute_measurements(as_of=AS_OF).errors == [f"Standard 'portal': CARELOOP_HOLIDAYS: no holiday file at {tmp_path}/missing.txt."]
    settings.HOLIDAYS_FILE = ""
    settings.OPENING_HOURS = "17:00-08:00"
    assert recompute_measurements(as_of=AS_OF).errors == [
        "Standard 'portal': CARELOOP_OPENING_HOURS must be like 08:00-17:00 (opening before closing), not '17:00-08:00'."
    ]


def test_it_counts_calls_by_queue_and_agent(db: Any) -> None:
    standard = make_standard("answered-30s", "duration", {"table": "calls", "start": "started_at", "end": "answered_at", "unit": "seconds"}, threshold=30)
    start = local("2025-03-03 09:00")
    for number, (queue, agent, wait) in enumerate(
        [("appointments", "ana", 10), ("appointments", "ana", 45), ("appointments", "ben", 30), ("billing", "", None)]
    ):
        answered = None if wait is None else start + timedelta(seconds=wait)
        Call.objects.create(call_id=f"C{number}", queue=queue, agent=agent, started_at=start, answered_at=answered)
    with analytics("") as source:
        counts = count_events(standard, source, as_of=AS_OF)
    assert counts.dimensions == ("queue", "agent")
    assert sorted((tuple(d.breakdown.values()), d.n, d.met) for d in counts.days) == [
        (("appointments", "ana"), 2, 1),
        (("appointments", "ben"), 1, 1),
        (("billing", "unknown"), 1, 0),
    ]


def run_measure(*options: str) -> tuple[int, list[str]]:
    """`careloop measure` as the command line runs it: the exit status Django's run_from_argv gives a
    CommandError (its returncode), and what goes to stderr, line by line. (Not through careloop.cli.main:
    run_from_argv closes the database connections afterwards, which would end the test's transaction.)"""
    err = StringIO()
    try:
        call_command("measure", *options, stdout=StringIO(), stderr=err)
    except CommandError as error:
        return error.returncode, [*err.getvalue().splitlines(), f"CommandError: {error}"]
    return 0, err.getvalue().splitlines()


def test_the_command_exits_3_when_the_warehouse_cannot_be_opened_and_1_when_a_standard_fails(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rooming_standard()
    five_visits_three_within_fifteen_minutes()
    monkeypatch.setenv("CARELOOP_ANALYTICS_URL", "duckdb:///nowhere/events.duckdb")
    assert run_measure() == (
        3, ["CommandError: CARELOOP_ANALYTICS_URL (duckdb:///nowhere/events.duckdb): no DuckDB file at /nowhere/events.duckdb."]
    )
    monkeypatch.delenv("CARELOOP_ANALYTICS_URL")
    make_standard("broken", "duration", {"table": "visits", "start": "arrived_at", "end": "seated_at", "unit": "minutes"}, threshold=5)
    assert run_measure("--by", "queue") == (
        1,
        [
            "Standard 'broken': measure.end names the field 'seated_at', which the visits table does not have.",
            "CommandError: 1 standard(s) could not be measured; see above.",
        ],
    )
    assert run_measure("--no-recompute") == (0, [])


def test_the_command_line_exits_with_the_status(db: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Through careloop's own entry point, once (it closes the connections when done)."""
    monkeypatch.setenv("CARELOOP_ANALYTICS_URL", "duckdb:///nowhere/events.duckdb")
    with pytest.raises(SystemExit) as exited:
        main(["measure"])
    assert exited.value.code == 3
    assert capsys.readouterr().err.strip().splitlines() == [
        "CommandError: CARELOOP_ANALYTICS_URL (duckdb:///nowhere/events.duckdb): no DuckDB file at /nowhere/events.duckdb."
    ]
