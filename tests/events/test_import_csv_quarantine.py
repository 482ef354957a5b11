"""--quarantine: the good rows go in, the bad ones go to a file with the reason for each, and that
file, once fixed, imports cleanly."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.models import Audit, ImportRun, Visit

CORPUS = Path(__file__).with_name("corpus")


@pytest.mark.django_db
def test_it_imports_the_good_rows_and_writes_the_bad_ones_with_reasons(tmp_path: Path) -> None:
    source = tmp_path / "visits.csv"
    shutil.copy(CORPUS / "visits-unknown-codes.csv", source)

    report = import_file("visits", source, options=ImportOptions(quarantine=True))

    assert (report.status, report.inserted, report.rejected) == ("quarantined", 1, 1)
    assert list(Visit.objects.values_list("visit_id", flat=True)) == ["V41"]
    assert report.quarantine_file == str(tmp_path / "visits.rejected.csv")
    rows = list(csv.reader((tmp_path / "visits.rejected.csv").open(newline="")))
    assert rows[0][-1] == "careloop_problem" and rows[0][:-1] == rows[0][:14]
    assert rows[1][:5] == ["V40", "P000040", "dr-okafor", "main-street", "telehealth"]
    assert rows[1][-1] == (
        "line 2, column \"visit_type\": 'telehealth' is not a known code; expected one of: new, established, "
        "urgent (add it under `codes:` in the mapping)"
    )
    assert len(rows) == 2
    assert ImportRun.objects.get().status == "quarantined"


@pytest.mark.django_db
def test_it_imports_the_fixed_quarantine_file_cleanly(tmp_path: Path) -> None:
    source = tmp_path / "visits.csv"
    shutil.copy(CORPUS / "visits-end-before-start.csv", source)
    import_file("visits", source, options=ImportOptions(quarantine=True))
    rejected = tmp_path / "visits.rejected.csv"
    fixed = rejected.read_text().replace("2024-03-05 08:40", "2024-03-05 08:58")

    rejected.write_text(fixed)
    report = import_file("visits", rejected)

    assert (report.status, report.inserted, report.rejected) == ("imported", 1, 0)
    assert sorted(Visit.objects.values_list("visit_id", flat=True)) == ["V20", "V21"]
    assert "careloop_problem" not in " ".join(report.notes)


@pytest.mark.django_db
def test_it_neutralises_formulas_in_the_quarantine_file_and_restores_them_on_reimport(tmp_path: Path) -> None:
    source = tmp_path / "audits.csv"
    source.write_text(
        "audit_id,standard,observed_at,observer,passed,note\n"
        "A1,greet-by-name,2024-03-05 09:00,maria,maybe,=HYPERLINK(\"http://evil.test\")\n"
    )
    import_file("audits", source, options=ImportOptions(quarantine=True))
    rejected = tmp_path / "audits.rejected.csv"
    row = list(csv.reader(rejected.open(newline="")))[1]
    assert row[5] == "'=HYPERLINK(\"http://evil.test\")"

    rejected.write_text(rejected.read_text().replace(",maybe,", ",yes,"))
    import_file("audits", rejected)

    assert Audit.objects.get().note == "=HYPERLINK(\"http://evil.test\")"


@pytest.mark.django_db
def test_it_writes_the_quarantine_file_where_asked_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "to-fix.csv"

    import_file("visits", CORPUS / "visits-duplicate-ids.csv", options=ImportOptions(quarantine=True, quarantine_path=target))

    assert target.stat().st_mode & 0o777 == 0o600
    assert Visit.objects.count() == 2
