"""An import tells the measures where to recompute from: the earliest event time among the rows it
inserted or changed (the events_imported signal's `earliest`), and nothing when it changed nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from careloop.events.importing.importer import import_file
from careloop.events.signals import events_imported

HEADER = "visit_id,patient_ref,provider,location,visit_type,booking_channel,requested_at,scheduled_start,status\n"


def visits(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "visits.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_earliest_time_of_any_field_of_a_written_row(tmp_path: Path) -> None:
    heard: list[dict[str, Any]] = []

    def listen(sender: object, **kwargs: Any) -> None:
        heard.append(kwargs)

    events_imported.connect(listen)
    try:
        rows = ("V1,P1,dr-a,main,new,phone,,2024-03-05T09:00:00-05:00,completed\n",
                # requested in February: February's measurements may change too.
                "V2,P2,dr-a,main,new,phone,2024-02-20T10:00:00Z,2024-03-06T09:00:00-05:00,completed\n")
        report = import_file("visits", visits(tmp_path, *rows))
        assert report.earliest_event_at == datetime(2024, 2, 20, 10, 0, tzinfo=UTC)
        assert heard[-1]["earliest"] == datetime(2024, 2, 20, 10, 0, tzinfo=UTC)
        assert report.as_json()["earliest_event_at"] == "2024-02-20T10:00:00+00:00"
        again = import_file("visits", visits(tmp_path, *rows))
        assert again.earliest_event_at is None and len(heard) == 1  # nothing changed, nothing sent
    finally:
        events_imported.disconnect(listen)


@pytest.mark.django_db
def test_it_reports_the_earliest_time_per_table_of_a_fhir_import() -> None:
    from careloop.events.importing.fhir_importer import import_fhir
    from careloop.surveys.instrument_file import load_shipped_instruments

    load_shipped_instruments()
    report = import_fhir(Path(__file__).with_name("fhir_corpus") / "export")
    times = {table: r.earliest_event_at for table, r in report.tables.items() if r.earliest_event_at}
    assert set(times) == {"visits", "referrals", "messages"}
    # The earliest time of any visit field in the export: an Appointment's `created` (booked_at).
    assert times["visits"] == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
