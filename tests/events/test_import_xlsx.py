"""`careloop import visits FILE.xlsx --mapping …`: a workbook's typed cells go through the same mapping
and value parsers as a CSV; problems name file, sheet, row and column; hostile workbooks are refused
with one clear sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.importing.report import ImportFileError
from careloop.events.models import Visit

HEADER = ["Appt ID", "Patient", "Provider", "Visit Date", "Visit Time", "Status", "Wait (min)"]


def mapping(tmp_path: Path, sheet: str | None = None) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "table: visits\ntimezone: America/New_York\n" + (f"sheet: {sheet}\n" if sheet else "")
        + "columns:\n  visit_id: Appt ID\n  patient_ref: Patient\n  provider: Provider\n  location: {value: main-street}\n"
        "  visit_type: {value: established}\n  booking_channel: {value: phone}\n"
        "  scheduled_start: [Visit Date, Visit Time]\n  status: Status\ncodes:\n  status: {Kept: completed}\n",
        encoding="utf-8",
    )
    return path


def workbook(tmp_path: Path, rows: list[list[Any]], *, header: list[Any] | None = None, title: str = "Visits",
             first_sheet: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if first_sheet:
        sheet.title = first_sheet
        sheet = book.create_sheet(title)
    else:
        sheet.title = title
    sheet.append(header if header is not None else HEADER)
    for row in rows:
        sheet.append(row)
    for cell in sheet["D"][1:]:
        cell.number_format = "mm/dd/yyyy"
    for cell in sheet["E"][1:]:
        cell.number_format = "h:mm AM/PM"
    path = tmp_path / "visits.xlsx"
    book.save(path)
    return path


@pytest.mark.django_db
def test_it_reads_typed_date_and_time_cells_as_wall_clock_times_in_the_mapping_zone(tmp_path: Path) -> None:
    # A numeric id (1001.0 in the cell) is read as "1001", not "1001.0".
    rows = [[1001, "P-1", "dr-okafor", date(2024, 3, 5), time(14, 30), "Kept", 12],
            ["V-2", "P-2", "dr-okafor", datetime(2024, 7, 1), time(9, 0), "no-show", None]]
    report = import_file("visits", workbook(tmp_path, rows), mapping(tmp_path))
    assert (report.status, report.inserted) == ("imported", 2), [str(p) for p in report.problems]
    # 5 March 2024 is before the US change to summer time (10 March): 14:30 EST (UTC-5) is 19:30 UTC.
    assert Visit.objects.get(visit_id="1001").scheduled_start == datetime(2024, 3, 5, 19, 30, tzinfo=UTC)
    assert Visit.objects.get(visit_id="V-2").scheduled_start == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    assert "Wait (min)" in " ".join(report.notes)  # an unmapped column is listed, as for a CSV


@pytest.mark.django_db
def test_it_names_file_sheet_row_and_column_of_a_bad_value(tmp_path: Path) -> None:
    rows = [["V-1", "P-1", "dr-okafor", date(2024, 3, 5), time(9, 0), "Kept"],
            ["V-2", "P-2", "dr-okafor", "soon", time(9, 0), "Kept"]]
    path = workbook(tmp_path, rows)
    report = import_file("visits", path, mapping(tmp_path))
    assert report.status == "rejected" and not Visit.objects.exists()
    assert str(report.problems[0]).startswith(f'{path}[Visits] row 3, column "Visit Date + Visit Time" (scheduled_start): \'soon 09:00:00\'')


@pytest.mark.django_db
def test_it_reads_the_sheet_the_mapping_names_and_quarantines_to_csv(tmp_path: Path) -> None:
    rows = [["V-1", "P-1", "dr-okafor", date(2024, 3, 5), time(9, 0), "Kept"],
            ["V-2", "P-2", "dr-okafor", date(2024, 3, 5), time(9, 0), "Gone"]]
    path = workbook(tmp_path, rows, first_sheet="Summary")
    report = import_file("visits", path, mapping(tmp_path, sheet="Visits"), ImportOptions(quarantine=True))
    assert (report.status, report.inserted, report.rejected) == ("quarantined", 1, 1)
    quarantine = tmp_path / "visits.rejected.csv"
    assert report.quarantine_file == str(quarantine)
    assert "V-2" in quarantine.read_text(encoding="utf-8") and "row 3" in quarantine.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_it_lists_the_sheets_when_the_mapping_names_one_that_is_not_there(tmp_path: Path) -> None:
    path = workbook(tmp_path, [])
    with pytest.raises(ImportFileError, match=r"has no sheet 'Appointments'; its sheets are: Visits"):
        import_file("visits", path, mapping(tmp_path, sheet="Appointments"))


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    path.write_text("Appt ID,Patient\nV-1,P-1\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"is not an \.xlsx workbook \(not a zip file\)"):
        import_file("visits", path, mapping(tmp_path))


@pytest.mark.django_db
def test_it_refuses_an_empty_sheet(tmp_path: Path) -> None:
    book = Workbook()
    path = tmp_path / "visits.xlsx"
    book.save(path)
    with pytest.raises(ImportFileError, match=r"\[Sheet\] row 1: the sheet is empty"):
        import_file("visits", path, mapping(tmp_path))


@pytest.mark.django_db
def test_it_refuses_a_merged_header_naming_the_empty_columns(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Appointment", None, None, "Status"])
    sheet.merge_cells("A1:C1")
    path = tmp_path / "visits.xlsx"
    book.save(path)
    with pytest.raises(ImportFileError, match=r"has no column name in column B, C; .*merged"):
        import_file("visits", path, mapping(tmp_path))
