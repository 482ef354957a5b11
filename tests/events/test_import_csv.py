"""Importing a CSV with careloop's own column names: values land right, a second import changes
nothing, a changed row is updated in place, and the run is recorded."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from careloop.events.importing.importer import import_file
from careloop.events.models import ImportRun, Visit

CORPUS = Path(__file__).with_name("corpus")


@pytest.mark.django_db
def test_it_imports_every_row_with_its_values() -> None:
    report = import_file("visits", CORPUS / "visits-good.csv")

    assert (report.status, report.rows, report.inserted, report.rejected) == ("imported", 3, 3, 0)
    first = Visit.objects.get(visit_id="V1")
    assert first.patient_ref == "P000001"
    assert first.visit_type == "new" and first.booking_channel == "phone" and first.status == "completed"
    # 09:00 at UTC-05:00 is 14:00 UTC.
    assert first.scheduled_start == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert first.checkout_at == datetime(2024, 3, 5, 14, 40, tzinfo=UTC)
    no_show = Visit.objects.get(visit_id="V2")
    assert no_show.arrived_at is None and no_show.requested_at is None
    assert Visit.objects.get(visit_id="V3").roomed_at == datetime(2024, 3, 5, 10, 45, tzinfo=UTC)


@pytest.mark.django_db
def test_it_reads_times_without_a_zone_in_the_practice_zone() -> None:
    import_file("visits", CORPUS / "visits-naive-times.csv")

    summer = Visit.objects.get(visit_id="V10")  # New York in July is UTC-4
    assert summer.scheduled_start == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)
    assert summer.arrived_at == datetime(2024, 7, 1, 12, 55, 30, tzinfo=UTC)
    winter = Visit.objects.get(visit_id="V11")  # and in January UTC-5
    assert winter.scheduled_start == datetime(2024, 1, 15, 14, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_file_comes_again() -> None:
    import_file("visits", CORPUS / "visits-good.csv")
    before = list(Visit.objects.order_by("visit_id").values())

    again = import_file("visits", CORPUS / "visits-good.csv")

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Visit.objects.order_by("visit_id").values()) == before


@pytest.mark.django_db
def test_it_updates_a_changed_row_in_place(tmp_path: Path) -> None:
    import_file("visits", CORPUS / "visits-good.csv")
    original = Visit.objects.get(visit_id="V2")
    changed = tmp_path / "visits.csv"
    text = (CORPUS / "visits-good.csv").read_text()
    changed.write_text(text.replace(",,,2024-03-05T10:00:00-05:00,,,,,no-show", ",,,2024-03-05T10:00:00-05:00,,,,,late-cancel"))

    report = import_file("visits", changed)

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    updated = Visit.objects.get(visit_id="V2")
    assert updated.pk == original.pk and updated.status == "late-cancel"
    assert Visit.objects.count() == 3


@pytest.mark.django_db
def test_it_records_the_run_with_the_file_fingerprint() -> None:
    path = CORPUS / "visits-good.csv"
    report = import_file("visits", path)

    run = ImportRun.objects.get()
    assert run.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (run.table, run.status, run.rows, run.inserted, run.updated, run.unchanged, run.rejected) == (
        "visits", "imported", 3, 3, 0, 0, 0,
    )
    assert str(run.external_id) == report.run_id
    assert set(Visit.objects.values_list("import_run", flat=True)) == {run.pk}


@pytest.mark.django_db
def test_it_keeps_the_run_that_last_changed_a_row() -> None:
    import_file("visits", CORPUS / "visits-good.csv")
    first_run = ImportRun.objects.get()
    import_file("visits", CORPUS / "visits-good.csv")

    assert ImportRun.objects.count() == 2
    assert set(Visit.objects.values_list("import_run", flat=True)) == {first_run.pk}


@pytest.mark.django_db
def test_it_reads_back_what_the_csv_export_writes(tmp_path: Path) -> None:
    from careloop.events.csv_export import write_events_csv

    import_file("visits", CORPUS / "visits-good.csv")
    before = list(Visit.objects.order_by("visit_id").values_list(
        "visit_id", "patient_ref", "scheduled_start", "arrived_at", "checkout_at", "status"))
    exported = tmp_path / "export.csv"
    with exported.open("w", newline="", encoding="utf-8") as handle:
        assert write_events_csv(Visit, Visit.objects.order_by("visit_id"), handle) == 3
    Visit.objects.all().delete()

    report = import_file("visits", exported)

    assert report.inserted == 3
    after = list(Visit.objects.order_by("visit_id").values_list(
        "visit_id", "patient_ref", "scheduled_start", "arrived_at", "checkout_at", "status"))
    assert after == before
