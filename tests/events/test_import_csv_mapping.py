"""Importing with a column mapping: the demo practice's exports as their systems write them, and every
mistake in a mapping reported with its line in the mapping file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from careloop.events.importing.importer import import_file
from careloop.events.importing.mapping import read_mapping
from careloop.events.importing.report import ImportFileError
from careloop.events.importing.tables import table_spec
from careloop.events.models import Audit, Visit

CORPUS = Path(__file__).with_name("corpus")
MAPPINGS = Path(__file__).resolve().parents[2] / "careloop" / "events" / "mappings"


@pytest.mark.django_db
def test_it_reads_the_demo_practice_appointment_export() -> None:
    report = import_file("visits", CORPUS / "pm-appointments.csv", MAPPINGS / "pm-appointments.yaml")

    assert (report.inserted, report.rejected, report.encoding, report.delimiter) == (2, 0, "cp1252", ";")
    kept = Visit.objects.get(visit_id="A-1001")
    assert (kept.visit_type, kept.booking_channel, kept.status) == ("new", "phone", "completed")
    # "03/05/2024" + "9:00 AM" in New York (EST, UTC-5).
    assert kept.scheduled_start == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert kept.arrived_at == datetime(2024, 3, 5, 13, 52, tzinfo=UTC)
    missed = Visit.objects.get(visit_id="A-1002")
    assert (missed.visit_type, missed.booking_channel, missed.status) == ("established", "portal", "no-show")
    assert missed.booked_at == datetime(2024, 3, 2, 19, 5, tzinfo=UTC)
    assert report.notes[-1].endswith("columns not imported: Comments")


@pytest.mark.parametrize("name", sorted(p.name for p in MAPPINGS.glob("*.yaml")))
@pytest.mark.django_db
def test_it_ships_example_mappings_that_read_cleanly(name: str) -> None:
    import yaml

    table = yaml.safe_load((MAPPINGS / name).read_text())["table"]
    mapping = read_mapping(MAPPINGS / name, table_spec(table))
    assert mapping.sources, name


@pytest.mark.django_db
def test_it_reads_a_bom_semicolons_and_newlines_inside_quotes() -> None:
    report = import_file("audits", CORPUS / "audits-bom-semicolon-newlines.csv")

    assert (report.inserted, report.encoding, report.delimiter) == (2, "utf-8-sig", ";")
    assert Audit.objects.get(audit_id="A1").note == "Asked permission to use first name;\r\nsmiled"
    assert Audit.objects.get(audit_id="A2").note == "Señora Núñez waited"
    assert Audit.objects.get(audit_id="A2").passed is False


@pytest.mark.django_db
def test_it_reads_latin1_files_without_being_told() -> None:
    report = import_file("visits", CORPUS / "visits-latin1.csv")

    assert report.encoding == "cp1252"
    assert Visit.objects.get().patient_ref == "P-Müller-60"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


@pytest.mark.django_db
def test_it_names_the_mapping_line_of_an_unknown_field(tmp_path: Path) -> None:
    path = write(tmp_path, "table: visits\ncolumns:\n  visit_id: Appt ID\n  patient_reference: MRN\n")

    with pytest.raises(ImportFileError) as error:
        read_mapping(path, table_spec("visits"))

    assert (
        f"{path} line 4, columns.patient_reference: is not a field of visits (did you mean 'patient_ref'?); "
        "expected one of: visit_id, patient_ref, provider,"
    ) in str(error.value)


@pytest.mark.django_db
def test_it_reports_every_mapping_mistake_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "table: visits\n"
        "timezone: Mars/Olympus\n"
        "delimiter: ';;'\n"
        "columns:\n"
        "  visit_id: Appt ID\n"
        "codes:\n"
        "  status:\n"
        "    Kept: done\n",
    )

    with pytest.raises(ImportFileError) as error:
        read_mapping(path, table_spec("visits"))

    lines = str(error.value).splitlines()
    assert lines[0] == f"{path} line 2, timezone: 'Mars/Olympus' is not a time zone; expected an IANA name such as America/New_York"
    assert lines[1] == f"{path} line 3, delimiter: ';;' is not one character; expected auto, comma, semicolon, tab or pipe"
    assert any(line.startswith(f"{path} line 5, columns: has no column for patient_ref") for line in lines)
    assert lines[-1] == f"{path} line 8, codes.status.Kept: 'done' is not one of: completed, no-show, cancelled, late-cancel"


@pytest.mark.django_db
def test_it_names_a_mapped_column_missing_from_the_file(tmp_path: Path) -> None:
    mapping = (MAPPINGS / "pm-appointments.yaml").read_text().replace("Appt Status", "Visit Status")
    path = write(tmp_path, mapping)

    with pytest.raises(ImportFileError) as error:
        import_file("visits", CORPUS / "pm-appointments.csv", path)

    line = next(i for i, text in enumerate(mapping.splitlines(), 1) if "Visit Status" in text)
    assert str(error.value).startswith(
        f"{path} line {line}, columns.status: names column \"Visit Status\", which is not in "
        f"{CORPUS / 'pm-appointments.csv'}'s header"
    )
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_a_mapping_for_another_table() -> None:
    with pytest.raises(ImportFileError, match="this mapping is for 'calls', not 'visits'"):
        import_file("visits", CORPUS / "pm-appointments.csv", MAPPINGS / "acd-calls.yaml")


@pytest.mark.django_db
def test_it_fills_a_field_from_a_constant_and_joins_columns(tmp_path: Path) -> None:
    csv_path = tmp_path / "calls.csv"
    csv_path.write_text("id\tday\ttime\tanswered\n7\t2024-03-05\t09:00:05\t2024-03-05 09:00:35\n")
    path = write(
        tmp_path,
        "delimiter: tab\ncolumns:\n  call_id: id\n  queue: {value: nurse-line}\n  started_at: [day, time]\n"
        "  answered_at: answered\n",
    )

    report = import_file("calls", csv_path, path)

    from careloop.events.models import Call

    call = Call.objects.get()
    assert report.inserted == 1 and call.queue == "nurse-line"
    assert call.started_at == datetime(2024, 3, 5, 14, 0, 5, tzinfo=UTC)
    assert call.answered_at == datetime(2024, 3, 5, 14, 0, 35, tzinfo=UTC)


@pytest.mark.django_db
def test_it_reads_excel_unicode_text_utf16_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "audits.txt"
    path.write_text("audit_id\tstandard\tobserved_at\tobserver\tpassed\tnote\nA1\tgreet\t2024-03-05 09:00\tmaria\tyes\tSeñora\n", encoding="utf-16")

    report = import_file("audits", path)

    assert (report.inserted, report.encoding, report.delimiter) == (1, "utf-16", "\t")
    assert Audit.objects.get().note == "Señora"
