"""Importing a FHIR Bulk Data export: values land where docs/importing.md says, whatever the order of files
and lines, a second import changes nothing, and the report counts every resource and unused field."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from careloop.events.importing.fhir_importer import import_fhir
from careloop.events.models import ImportRun, Message, PatientContact, Referral, Visit
from careloop.surveys.instrument_file import load_shipped_instruments
from careloop.surveys.models import Response

EXPORT = Path(__file__).with_name("fhir_corpus") / "export"


@pytest.fixture(autouse=True)
def instruments(db: None) -> None:
    """The export's QuestionnaireResponse answers the shipped NPS instrument (surveys.fhir_io stores it)."""
    load_shipped_instruments()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def mixed_file(tmp_path: Path) -> Path:
    """Every resource of the export in one file, lines in reverse order: replies before messages, Tasks
    and Encounters before what they point to."""
    lines = [line for f in sorted(EXPORT.glob("*.ndjson")) for line in f.read_text().splitlines()]
    path = tmp_path / "everything.ndjson"
    path.write_text("\n".join(reversed(lines)) + "\n")
    return path


def table(model: type[Visit] | type[Referral] | type[Message], key: str) -> list[dict[str, object]]:
    return list(model.objects.order_by(key).values(*[f.name for f in model._meta.concrete_fields if f.name not in {"id", "import_run"}]))


@pytest.mark.django_db
def test_it_maps_appointments_and_encounters_to_visits() -> None:
    report = import_fhir(EXPORT)

    assert report.status == "imported"
    assert sorted(Visit.objects.values_list("visit_id", "status")) == [
        ("A1", "completed"), ("A2", "no-show"), ("A3", "completed"), ("A4", "late-cancel"),
    ]
    a1 = Visit.objects.get(visit_id="A1")
    assert (a1.patient_ref, a1.provider, a1.location, a1.visit_type) == ("pt-1", "dr-okafor", "main-street", "established")
    assert a1.booked_at == at("2024-03-01T10:00:00")
    assert a1.scheduled_start == at("2024-03-05T14:00:00")  # 09:00 at -05:00
    # R4 statusHistory: arrived 08:52, triaged 09:05, in-progress 09:15 (-05:00); checkout is period.end 09:48.
    assert (a1.arrived_at, a1.roomed_at, a1.provider_in_at, a1.checkout_at) == (
        at("2024-03-05T13:52:00"), at("2024-03-05T14:05:00"), at("2024-03-05T14:15:00"), at("2024-03-05T14:48:00"),
    )
    # A3 is still "booked" but its Encounter finished; times from R5 EncounterHistory and the exam room's period.
    a3 = Visit.objects.get(visit_id="A3")
    assert (a3.visit_type, a3.arrived_at, a3.roomed_at, a3.provider_in_at, a3.checkout_at) == (
        "urgent", at("2024-03-06T15:58:00"), at("2024-03-06T16:10:00"), None, at("2024-03-06T16:45:00"),
    )
    assert Visit.objects.get(visit_id="A2").visit_type == "new"
    assert Visit.objects.get(visit_id="A2").arrived_at is None


@pytest.mark.django_db
def test_it_maps_service_requests_and_tasks_to_referrals() -> None:
    import_fhir(EXPORT)

    assert list(Referral.objects.order_by("referral_id").values_list(
        "referral_id", "visit_id", "patient_ref", "specialty", "status", "sent_at", "scheduled_at",
        "report_received_at", "closed_at",
    )) == [
        ("SR1", "A1", "pt-1", "Cardiology", "closed", at("2024-03-05T14:45:00"), at("2024-03-12T15:00:00"),
         at("2024-03-14T12:00:00"), at("2024-03-14T12:00:00")),
        # The accepted Task (via focus) outranks the cancelled one.
        ("SR2", "", "pt-3", "Dermatology", "scheduled", at("2024-03-06T16:40:00"), at("2024-03-25T13:00:00"), None, None),
        ("SR3", "", "pt-2", "Orthopedics", "sent", at("2024-03-05T15:30:00"), None, None, None),
    ]


@pytest.mark.django_db
def test_it_maps_patient_communications_and_the_first_reply_to_messages() -> None:
    import_fhir(EXPORT)

    assert list(Message.objects.order_by("message_id").values_list(
        "message_id", "channel", "patient_ref", "received_at", "first_response_at",
    )) == [
        ("C1", "portal", "pt-1", at("2024-03-06T13:00:00"), at("2024-03-06T14:10:00")),  # C3 answered before C2
        ("C4", "sms", "pt-2", at("2024-03-07T13:00:00"), None),
    ]


@pytest.mark.django_db
def test_it_reports_every_resource_and_what_was_not_used() -> None:
    report = import_fhir(EXPORT)

    assert dict(report.resources) == {
        "Appointment": 5, "Encounter": 3, "EncounterHistory": 2, "ServiceRequest": 4, "Task": 3,
        "Communication": 5, "Patient": 3, "QuestionnaireResponse": 1,
    }
    assert report.lines == 26 and report.rejected == 0
    assert report.not_imported == {
        "Appointment: booked (not happened yet)": 1,
        "Communication: sent by the practice, not in answer to a patient's message": 1,
        "Encounter: no appointment (a visit starts with its Appointment)": 1,
        "ServiceRequest: not a referral (no 'Patient referral' category, SNOMED 3457005)": 1,
    }
    assert report.unused_fields["Appointment"] == {"end": 5, "description": 1, "minutesDuration": 1}
    assert report.unused_fields["Communication"] == {"payload": 5, "recipient": 1}
    assert [(t, r.inserted) for t, r in report.tables.items()] == [
        ("visits", 4), ("referrals", 3), ("messages", 2), ("contacts", 3), ("responses", 1)]
    assert sorted(PatientContact.objects.values_list("patient_ref", flat=True)) == ["pt-1", "pt-2", "pt-3"]
    assert Response.objects.get().answers.get(item_key="likely-to-recommend").value == "9"
    assert "4 rows: booking_channel: FHIR Appointment does not say how it was booked; set to phone" in report.notes


@pytest.mark.django_db
def test_it_reads_one_mixed_file_in_any_order_to_the_same_rows(tmp_path: Path) -> None:
    import_fhir(EXPORT)
    expected = (table(Visit, "visit_id"), table(Referral, "referral_id"), table(Message, "message_id"))
    Visit.objects.all().delete(), Referral.objects.all().delete(), Message.objects.all().delete()

    report = import_fhir(mixed_file(tmp_path))

    assert report.status == "imported" and report.rejected == 0
    assert (table(Visit, "visit_id"), table(Referral, "referral_id"), table(Message, "message_id")) == expected


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_export_comes_again(tmp_path: Path) -> None:
    import_fhir(EXPORT)
    before = (table(Visit, "visit_id"), table(Referral, "referral_id"), table(Message, "message_id"))

    again = import_fhir(mixed_file(tmp_path))

    assert [(r.inserted, r.updated, r.unchanged) for r in again.tables.values()] == [(0, 0, 4), (0, 0, 3), (0, 0, 2), (0, 0, 3), (0, 1, 0)]
    assert (table(Visit, "visit_id"), table(Referral, "referral_id"), table(Message, "message_id")) == before


@pytest.mark.django_db
def test_it_updates_a_visit_when_its_encounter_changes(tmp_path: Path) -> None:
    import_fhir(EXPORT)
    folder = tmp_path / "export"
    folder.mkdir()
    for f in EXPORT.iterdir():
        text = f.read_text()
        if f.name == "Encounter_1.ndjson":
            text = text.replace('"end":"2024-03-05T09:48:00-05:00"', '"end":"2024-03-05T09:50:00-05:00"')
        (folder / f.name).write_text(text)

    report = import_fhir(folder)

    assert (report.tables["visits"].updated, report.tables["visits"].unchanged) == (1, 3)
    assert Visit.objects.get(visit_id="A1").checkout_at == at("2024-03-05T14:50:00")


@pytest.mark.django_db
def test_it_records_one_run_per_table_with_the_export_fingerprint() -> None:
    report = import_fhir(EXPORT)

    lines = "".join(
        f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f}\n" for f in sorted(EXPORT.glob("*.ndjson"), key=str)
    )
    assert report.sha256 == hashlib.sha256(lines.encode()).hexdigest()
    runs = ImportRun.objects.order_by("table")
    assert [(r.table, r.status, r.rows, r.inserted, r.mapping_name) for r in runs] == [
        ("contacts", "imported", 3, 3, "FHIR R4 NDJSON"),
        ("messages", "imported", 2, 2, "FHIR R4 NDJSON"),
        ("referrals", "imported", 3, 3, "FHIR R4 NDJSON"),
        ("responses", "imported", 1, 1, "FHIR R4 NDJSON"),
        ("visits", "imported", 4, 4, "FHIR R4 NDJSON"),
    ]
    assert {r.sha256 for r in runs} == {report.sha256}
    assert Visit.objects.filter(import_run=runs.get(table="visits")).count() == 4


@pytest.mark.django_db
def test_it_reads_the_manifest_named_directly_and_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", "fhir", str(EXPORT / "manifest.json"), "--json")

    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["resources"], out["tables"]["visits"]["inserted"]) == ("imported", 26, 4)
    assert len(out["files"]) == 8


@pytest.mark.django_db
def test_it_prints_the_counts_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", "fhir", str(EXPORT))

    out = capsys.readouterr().out
    assert "26 resources read from 8 file(s), 0 rejected" in out
    assert "→ visits: 4 rows, 4 inserted, 0 updated, 0 unchanged, 0 rejected" in out
    assert "→ contacts: 3 rows, 3 inserted" in out
    assert "Encounter fields present but not used: class (3)" in out
