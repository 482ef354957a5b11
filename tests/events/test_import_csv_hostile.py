"""The hostile corpus (tests/events/corpus/): every bad file gives one clear problem per bad row,
naming file, line, column, value and what was expected, and writes no event at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from careloop.events.importing.importer import import_file
from careloop.events.importing.report import ImportFileError
from careloop.events.models import Audit, ImportRun, Visit

CORPUS = Path(__file__).with_name("corpus")


def problems_of(name: str, table: str = "visits") -> list[str]:
    path = CORPUS / name
    report = import_file(table, path)
    assert report.status == "rejected"
    assert Visit.objects.count() == 0 and Audit.objects.count() == 0
    return [str(p).removeprefix(f"{path} ") for p in report.problems]


@pytest.mark.django_db
def test_it_rejects_a_row_whose_times_run_backwards() -> None:
    assert problems_of("visits-end-before-start.csv") == [
        "line 2, column \"roomed_at\": '2024-03-05 08:40' is before arrived_at (2024-03-05 08:50); "
        "expected roomed_at at or after arrived_at"
    ]


@pytest.mark.django_db
def test_it_rejects_an_id_seen_twice_in_one_file() -> None:
    assert problems_of("visits-duplicate-ids.csv") == [
        "line 4, column \"visit_id\": 'V30' appeared already on line 2; expected each visit_id once in a file"
    ]


@pytest.mark.django_db
def test_it_rejects_unknown_codes_and_accepts_known_ones_in_any_case() -> None:
    # Line 3 says "No-Show", our code in other letters: accepted.
    assert problems_of("visits-unknown-codes.csv") == [
        "line 2, column \"visit_type\": 'telehealth' is not a known code; expected one of: new, established, "
        "urgent (add it under `codes:` in the mapping)"
    ]


@pytest.mark.django_db
def test_it_reports_every_bad_row_at_once() -> None:
    assert problems_of("visits-bad-values.csv") == [
        "line 2, column \"scheduled_start\": '2024-02-30 09:00' is not a date and time; expected an ISO 8601 "
        "date and time such as 2024-03-05 14:30",
        "line 3, column \"patient_ref\": '' is empty; expected a value (this field is required)",
        "line 4, column \"patient_ref\": 'someone@example.com' looks like an email address; expected a "
        "pseudonymous patient reference (names and contact details never go into the event tables)",
        "line 5: has 13 values but the header has 14 columns; expected one value per column "
        "(is a delimiter inside a value without quotes around it?)",
    ]


@pytest.mark.django_db
def test_it_records_a_rejected_run_without_its_rows() -> None:
    problems_of("visits-duplicate-ids.csv")

    run = ImportRun.objects.get()
    assert (run.status, run.rows, run.inserted, run.rejected) == ("rejected", 3, 0, 1)


@pytest.mark.django_db
def test_it_refuses_a_file_mixing_utf8_and_other_bytes() -> None:
    with pytest.raises(ImportFileError) as error:
        import_file("visits", CORPUS / "visits-mixed-encoding.csv")
    assert str(error.value) == (
        f"{CORPUS / 'visits-mixed-encoding.csv'} line 4: byte 0xE9 is not UTF-8, but other lines are UTF-8; "
        "expected one encoding for the whole file: save it as UTF-8, or set `encoding:` (latin-1, cp1252) in the mapping"
    )
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_non_utf8_bytes_when_the_mapping_says_utf8(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("encoding: utf-8\ncolumns:\n" + "".join(
        f"  {f}: {f}\n" for f in ("visit_id", "patient_ref", "provider", "location", "visit_type",
                                  "booking_channel", "scheduled_start", "status")))
    with pytest.raises(ImportFileError, match=r"visits-latin1.csv line 2: byte 0xFC is not UTF-8, but the mapping says"):
        import_file("visits", CORPUS / "visits-latin1.csv", mapping)


@pytest.mark.django_db
def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(ImportFileError, match="the file is empty; expected a header line of column names"):
        import_file("visits", CORPUS / "empty.csv")
    assert ImportRun.objects.count() == 0


@pytest.mark.django_db
def test_it_imports_nothing_from_a_header_only_file_and_says_so() -> None:
    report = import_file("visits", CORPUS / "visits-header-only.csv")

    assert (report.status, report.rows, report.inserted) == ("imported", 0, 0)
    assert report.notes == [f"{CORPUS / 'visits-header-only.csv'} has a header but no rows: nothing to import"]


@pytest.mark.django_db
def test_it_reports_a_ten_megabyte_line_and_keeps_reading(tmp_path: Path) -> None:
    good = (CORPUS / "visits-good.csv").read_text().splitlines()
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([good[0], good[1], "V9," + "A" * 10_000_000, good[2]]) + "\n")

    report = import_file("visits", path)

    assert report.status == "rejected" and report.rows == 3 and report.rejected == 1
    assert [str(p) for p in report.problems] == [
        f"{path} line 3: has a value longer than 131,072 characters; expected short values (is a closing quote "
        "missing? an unclosed quote makes the rest of the file one value)"
    ]
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_an_unclosed_quote_instead_of_swallowing_the_file(tmp_path: Path) -> None:
    good = (CORPUS / "visits-good.csv").read_text().splitlines()
    path = tmp_path / "quote.csv"
    path.write_text("\n".join([good[0], good[1].replace("V1,P000001", 'V1,"P000001')]) + "\n")

    report = import_file("visits", path)

    assert report.rejected == 1 and Visit.objects.count() == 0
    assert "line 2" in str(report.problems[0])


@pytest.mark.django_db
def test_it_reads_and_reports_times_at_daylight_saving_changes() -> None:
    report = import_file("visits", CORPUS / "visits-dst.csv")

    # 02:30 on 10 March 2024 never happened in New York: read with the offset before the change (EST, UTC-5).
    assert Visit.objects.get(visit_id="V70").scheduled_start == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    # 01:30 on 3 November 2024 happened twice: the first time, still EDT (UTC-4).
    assert Visit.objects.get(visit_id="V71").scheduled_start == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    path = CORPUS / "visits-dst.csv"
    assert report.notes == [
        f"{path} line 2: 2024-03-10 02:30 does not exist in America/New_York (clocks went forward); read as 03:30 EDT",
        f"{path} line 3: 2024-11-03 01:30 happened twice in America/New_York (clocks went back); read as the first, EDT",
    ]


@pytest.mark.django_db
def test_it_stores_formula_text_as_given() -> None:
    import_file("audits", CORPUS / "audits-formula.csv")

    notes = dict(Audit.objects.values_list("audit_id", "note"))
    # The third was written by an export that neutralised it: the apostrophe is the export's, not the data's.
    assert notes == {"A10": "=cmd|' /C calc'!A0", "A11": "@SUM(1+1)", "A12": "=already neutralised by an export"}


@pytest.mark.django_db
def test_it_rejects_audits_of_standards_the_journey_does_not_have(default_journey: object, tmp_path: Path) -> None:
    from careloop.journeys.models import MeasureKind, Standard

    audit_standard = Standard.objects.filter(journey__is_active=True, kind=MeasureKind.AUDIT).values_list("key", flat=True)[0]
    path = tmp_path / "audits.csv"
    path.write_text(
        "audit_id,standard,observed_at,observer,passed,note\n"
        f"A1,{audit_standard},2024-03-05 09:00,maria,true,\n"
        "A2,greet-by-nmae,2024-03-05 09:00,maria,true,\n"
    )

    report = import_file("audits", path)

    assert report.rejected == 1 and Audit.objects.count() == 0
    assert str(report.problems[0]).startswith(f"{path} line 3, column \"standard\": 'greet-by-nmae' is not a known code")
