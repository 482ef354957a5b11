"""CSV export of event tables: formula text neutralised (OWASP CSV injection), timestamps with offsets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from careloop.events.csv_export import neutralise_formula, write_events_csv
from careloop.events.models import Audit


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Waited 20 minutes = too long", "Waited 20 minutes = too long"),
        ("", ""),
    ],
)
def test_it_neutralises_text_a_spreadsheet_would_run(text: str, written: str) -> None:
    assert neutralise_formula(text) == written


@pytest.mark.django_db
def test_it_writes_rows_with_neutralised_text_and_local_offsets() -> None:
    Audit.objects.create(
        audit_id="A1", standard="greet-by-name", observed_at=datetime(2024, 3, 5, 14, 0, tzinfo=UTC),
        observer="maria", passed=True, note="=cmd|' /C calc'!A0",
    )
    out = io.StringIO()

    assert write_events_csv(Audit, Audit.objects.all(), out) == 1

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["audit_id", "standard", "observed_at", "observer", "passed", "note"],
        ["A1", "greet-by-name", "2024-03-05T09:00:00-05:00", "maria", "true", "'=cmd|' /C calc'!A0"],
    ]
