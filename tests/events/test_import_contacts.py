"""`careloop import contacts FILE --mapping …`: the contact store from a practice system's demographics
export, with the importer's guarantees (atomic, quarantine, idempotent) and the store's own checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from careloop.events.contacts import record_opt_out
from careloop.events.importing.importer import ImportOptions, import_file
from careloop.events.models import ImportRun, PatientContact

MAPPING = Path("careloop/events/mappings/patient-contacts.yaml")
HEADER = "Patient Key,First Name,Last Name,E-mail,Mobile,Preferred Language,Email Surveys OK,Text Surveys OK,May Contact\n"
GOOD = [
    "P-1,Ana,García,ana@example.test,+1 (555) 010-0001,es,Y,N,Y\n",
    "P-2,Bo,Li,,0044 20 7946 0958,EN,N,Y,N\n",
]


def export(tmp_path: Path, *rows: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_imports_names_details_and_consent_normalising_phone_and_language(tmp_path: Path) -> None:
    report = import_file("contacts", export(tmp_path, *GOOD), MAPPING)
    assert (report.status, report.inserted, report.rejected) == ("imported", 2, 0)
    ana, bo = PatientContact.objects.order_by("patient_ref")
    assert (ana.given_name, ana.family_name, ana.email, ana.phone, ana.language) == ("Ana", "García", "ana@example.test", "+15550100001", "es")
    assert (ana.consent_email, ana.consent_sms, ana.consent_contact) == (True, False, True)
    # 00 is the international prefix: 0044 20 7946 0958 is +44 20 7946 0958.
    assert (bo.phone, bo.language, bo.consent_sms) == ("+442079460958", "en", True)
    assert ana.import_run == ImportRun.objects.get(table="contacts")


@pytest.mark.django_db
def test_it_changes_nothing_on_a_second_import_and_updates_a_changed_row_in_place(tmp_path: Path) -> None:
    import_file("contacts", export(tmp_path, *GOOD), MAPPING)
    again = import_file("contacts", export(tmp_path, *GOOD), MAPPING)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_file("contacts", export(tmp_path, GOOD[0].replace("ana@example.test", "ana.g@example.test"), GOOD[1]), MAPPING)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert PatientContact.objects.get(patient_ref="P-1").email == "ana.g@example.test"


@pytest.mark.django_db
def test_it_never_undoes_an_opt_out_from_a_file(tmp_path: Path) -> None:
    moment = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    record_opt_out("P-1", "sms-stop", moment)
    import_file("contacts", export(tmp_path, *GOOD), MAPPING)
    ana = PatientContact.objects.get(patient_ref="P-1")
    assert (ana.opted_out_at, ana.opted_out_via, ana.email) == (moment, "sms-stop", "ana@example.test")


@pytest.mark.django_db
def test_it_rejects_the_file_naming_each_bad_value_and_writes_nothing(tmp_path: Path) -> None:
    bad = "P-3,Cy,Oh,cy@,555-0100,english!,Y,maybe,N\n"
    report = import_file("contacts", export(tmp_path, GOOD[0], bad), MAPPING)
    assert (report.status, report.rejected) == ("rejected", 1)
    assert not PatientContact.objects.exists()
    messages = [str(p) for p in report.problems]
    assert any('line 3, column "E-mail" (email): \'cy@\' is not an email address' in m for m in messages)
    assert any('line 3, column "Mobile" (phone): \'555-0100\' has no country code' in m for m in messages)
    assert any('line 3, column "Preferred Language" (language): \'english!\' is not a language tag' in m for m in messages)
    assert any('column "Text Surveys OK" (consent_sms)' in m for m in messages)


@pytest.mark.django_db
def test_it_quarantines_the_bad_rows_and_keeps_the_good_ones(tmp_path: Path) -> None:
    bad = "P-3,Cy,Oh,cy@example.test,+1 555,es,Y,N,N\n"
    report = import_file("contacts", export(tmp_path, GOOD[0], bad), MAPPING, ImportOptions(quarantine=True))
    assert (report.status, report.inserted, report.rejected) == ("quarantined", 1, 1)
    quarantined = (tmp_path / "contacts.rejected.csv").read_text(encoding="utf-8")
    assert "P-3" in quarantined and "has 4 digits; expected 8 to 15" in quarantined


@pytest.mark.django_db
def test_it_refuses_an_email_address_as_the_patient_reference(tmp_path: Path) -> None:
    report = import_file("contacts", export(tmp_path, "ana@example.test,Ana,G,,,,Y,N,N\n"), MAPPING)
    assert report.status == "rejected"
    assert "looks like an email address" in str(report.problems[0])


@pytest.mark.django_db
def test_it_runs_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command("import", "contacts", str(export(tmp_path, *GOOD)), "--mapping", str(MAPPING))
    assert "→ contacts: 2 rows read, 2 inserted" in capsys.readouterr().out
