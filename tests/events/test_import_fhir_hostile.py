"""Hostile and broken FHIR exports: every bad line is named with file, line and field path; nothing is
written unless --quarantine, which imports the good rows and keeps the bad lines in a file to fix."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.events.importing.fhir_importer import import_fhir
from careloop.events.importing.importer import ImportOptions
from careloop.events.importing.report import ImportFileError
from careloop.events.models import ImportRun, Message, Visit

PARTICIPANTS = [{"actor": {"reference": r}} for r in ("Patient/p1", "Practitioner/dr-okafor", "Location/main-street")]


def appointment(id: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Appointment", "id": id, "status": "fulfilled", "start": "2024-03-05T14:00:00Z",
            "participant": PARTICIPANTS, **fields}


def encounter(id: str, appointment_id: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": id, "status": "finished",
            "appointment": [{"reference": f"Appointment/{appointment_id}"}], **fields}


def write(path: Path, *lines: dict[str, Any] | str | bytes) -> Path:
    with path.open("wb") as handle:
        for line in lines:
            raw = line if isinstance(line, bytes) else (line if isinstance(line, str) else json.dumps(line)).encode()
            handle.write(raw + b"\n")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(CommandError):
        call_command("import", "fhir", str(path), "--json")
    return [str(p) for p in import_fhir(path).problems]


@pytest.mark.django_db
def test_it_names_a_truncated_line_and_writes_nothing(tmp_path: Path) -> None:
    # 48 characters: orjson stops one past the last.
    path = write(tmp_path / "Appointment.ndjson", appointment("A1"), '{"resourceType": "Appointment", "id": "A2", "sta')

    report = import_fhir(path)

    assert report.status == "rejected" and report.rejected == 1
    assert [str(p) for p in report.problems] == [
        f"{path} line 2: is not valid JSON (unexpected end of data at column 49); expected one complete JSON object "
        "per line (is the line cut off?)"
    ]
    assert Visit.objects.count() == 0
    assert set(ImportRun.objects.values_list("status", flat=True)) == {"rejected"}


@pytest.mark.django_db
def test_it_names_lines_of_the_wrong_type_and_lines_that_are_not_objects(tmp_path: Path) -> None:
    path = write(tmp_path / "1.Appointment.ndjson", appointment("A1"), {"resourceType": "Patient", "id": "p1"}, "[1, 2]",
                 '"text"', '{"id": "x"}')

    assert [str(p) for p in import_fhir(path).problems] == [
        f"{path} line 2: is a 'Patient'; expected only Appointment resources in this file",
        f"{path} line 3: is a JSON array; expected one FHIR resource as a JSON object per line",
        f"{path} line 4: is a JSON string; expected one FHIR resource as a JSON object per line",
        f"{path} line 5: has no resourceType; expected a FHIR resource (a JSON object with a resourceType)",
    ]


@pytest.mark.django_db
def test_it_reports_bytes_that_are_not_utf8_with_their_line(tmp_path: Path) -> None:
    good = json.dumps(appointment("A1")).encode()
    path = write(tmp_path / "a.ndjson", good, good.replace(b'"A1"', b'"A\xe92"'))

    assert [str(p) for p in import_fhir(path).problems] == [
        f"{path} line 2: byte 0xE9 at column 41 is not UTF-8; expected UTF-8 (FHIR NDJSON is always UTF-8)"
    ]


@pytest.mark.django_db
def test_it_survives_a_ten_megabyte_line(tmp_path: Path) -> None:
    huge = appointment("A2", description="x" * 10_000_000)
    path = write(tmp_path / "a.ndjson", appointment("A1"), huge, '{"resourceType": "Appointment", "note": "' + "y" * 10_000_000)

    report = import_fhir(path, ImportOptions(quarantine=True))

    assert report.tables["visits"].inserted == 2 and report.rejected == 1
    assert report.unused_fields["Appointment"] == {"description": 1}
    assert str(report.problems[0]).startswith(f"{path} line 3: is not valid JSON (unexpected end of data at column 10,000,042)")


@pytest.mark.django_db
def test_it_refuses_times_without_a_zone_with_the_field_path(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mix.ndjson",
        appointment("A1", start="2024-03-05T09:00:00"),
        appointment("A2", created="2024-03-01"),
        appointment("A3"),
        encounter("E3", "A3", statusHistory=[{"status": "arrived", "period": {"start": "2024-03-05 13:50"}}]),
    )

    assert problems(path) == [
        f"{path} line 1, Appointment.start: '2024-03-05T09:00:00' has no time zone; expected one (FHIR requires it "
        "when a time is given), e.g. …Z or …-05:00",
        f"{path} line 2, Appointment.created: '2024-03-01' is a date without a time; expected a date and time with a zone",
        f"{path} line 4, Encounter.statusHistory[0].period.start: '2024-03-05 13:50' has no time zone; expected one "
        "(FHIR requires it when a time is given), e.g. …Z or …-05:00",
    ]
    assert Visit.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_an_end_before_its_start_and_times_out_of_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mix.ndjson",
        appointment("A1"), appointment("A2"),
        encounter("E1", "A1", period={"start": "2024-03-05T14:30:00Z", "end": "2024-03-05T14:10:00Z"}),
        # Roomed (triaged) before arrival: a clock or a mapping is wrong.
        encounter("E2", "A2", statusHistory=[
            {"status": "arrived", "period": {"start": "2024-03-05T14:05:00Z"}},
            {"status": "triaged", "period": {"start": "2024-03-05T14:00:00Z"}},
        ]),
    )

    assert problems(path) == [
        f"{path} line 3, Encounter.period.end: '2024-03-05T14:10:00Z' is before its start (2024-03-05T14:30:00Z); "
        "expected end at or after start",
        f"{path} line 4, Encounter.statusHistory[1].period.start: '2024-03-05 14:00:00 UTC' is before arrived_at "
        "(2024-03-05 14:05:00 UTC); expected roomed_at at or after arrived_at",
    ]


@pytest.mark.django_db
def test_it_refuses_unknown_status_codes_and_duplicate_ids(tmp_path: Path) -> None:
    first = write(tmp_path / "Appointment.ndjson", appointment("A1"), appointment("A2", status="kept"))
    second = write(tmp_path / "Appointment.second.ndjson", appointment("A1"))

    report = import_fhir(tmp_path)

    assert [str(p) for p in report.problems] == [
        f"{first} line 2, Appointment.status: 'kept' is not a known code; expected one of: proposed, pending, booked, "
        "arrived, fulfilled, cancelled, noshow, entered-in-error, checked-in, waitlist",
        f"{second} line 1, Appointment.id: 'A1' appeared already in {first} line 1; expected each resource once",
    ]
    assert report.status == "rejected" and Visit.objects.count() == 0


@pytest.mark.django_db
def test_it_names_a_missing_participant(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", appointment("A1", participant=PARTICIPANTS[1:]))

    assert problems(path) == [
        f"{path} line 1, Appointment.participant: has no Patient participant; expected one, for the visit's patient_ref"
    ]


@pytest.mark.django_db
def test_it_quarantines_the_lines_of_a_bad_row_together(tmp_path: Path) -> None:
    path = write(
        tmp_path / "visits.ndjson",
        appointment("A1"),
        encounter("E1", "A1", period={"start": "2024-03-05T14:30:00"}),  # no zone
        appointment("A2"),
        '{"truncated',
    )

    report = import_fhir(path, ImportOptions(quarantine=True))

    assert report.status == "quarantined" and report.rejected == 3
    assert list(Visit.objects.values_list("visit_id", flat=True)) == ["A2"]
    quarantine = tmp_path / "visits.rejected.ndjson"
    assert report.quarantine_file == str(quarantine)
    assert stat.S_IMODE(os.stat(quarantine).st_mode) == 0o600
    # The appointment goes with its bad encounter, so the fixed file imports on its own.
    assert quarantine.read_text().splitlines() == path.read_text().splitlines()[:2] + ['{"truncated']
    assert ImportRun.objects.get(table="visits").status == "quarantined"

    fixed = quarantine.read_text().replace("14:30:00\"", "14:30:00Z\"").replace('{"truncated\n', "")
    quarantine.write_text(fixed)
    again = import_fhir(quarantine)
    assert again.status == "imported" and Visit.objects.count() == 2


@pytest.mark.django_db
def test_it_exits_3_after_quarantine_and_1_when_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", appointment("A1"), "not json")

    with pytest.raises(CommandError) as error:
        call_command("import", "fhir", str(path))
    assert error.value.returncode == 1
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "fhir", str(path), "--quarantine")
    assert exit_.value.code == 3 and Visit.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_a_manifest_that_names_missing_files(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"output": [
        {"type": "Appointment", "url": "https://x.example/job/Appointment.ndjson"}, {"type": "Task"},
    ]}))

    with pytest.raises(ImportFileError) as error:
        import_fhir(tmp_path)

    manifest = tmp_path / "manifest.json"
    assert str(error.value).splitlines() == [
        f"{manifest}, output[0].url: 'https://x.example/job/Appointment.ndjson' names Appointment.ndjson, which is not "
        f"in {tmp_path}; expected the exported files beside the manifest",
        f"{manifest}, output[1]: expected an object with a type and a url",
    ]


@pytest.mark.django_db
def test_it_answers_a_reply_sent_before_the_message_with_the_reply_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "Communication.ndjson",
        {"resourceType": "Communication", "id": "C1", "status": "completed", "sender": {"reference": "Patient/p1"},
         "sent": "2024-03-06T13:00:00Z"},
        {"resourceType": "Communication", "id": "C2", "status": "completed", "sender": {"reference": "Practitioner/x"},
         "inResponseTo": [{"reference": "Communication/C1"}], "sent": "2024-03-06T12:00:00Z"},
    )

    assert problems(path) == [
        f"{path} line 2, Communication.sent: '2024-03-06 12:00:00 UTC' is before received_at (2024-03-06 13:00:00 UTC); "
        "expected first_response_at at or after received_at"
    ]
    assert Message.objects.count() == 0
