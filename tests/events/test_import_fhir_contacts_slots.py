"""FHIR Patient → the contact store, Slot (+ Schedule) → third-next-available snapshots, and
QuestionnaireResponse → survey responses (through surveys.fhir_io), in any order and in separate files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from careloop.events.contacts import record_opt_out
from careloop.events.importing import fhir_store
from careloop.events.importing.fhir_importer import import_fhir
from careloop.events.importing.importer import ImportOptions
from careloop.events.models import PatientContact, SlotSnapshot
from careloop.surveys.instrument_file import load_shipped_instruments
from careloop.surveys.models import Response

ANA: dict[str, Any] = {
    "resourceType": "Patient", "id": "pt-1",
    "name": [{"use": "old", "family": "Ruiz", "given": ["Ana"]},
             {"use": "usual", "given": ["Annie"]},
             {"use": "official", "family": "García", "given": ["Ana", "María"]}],
    "telecom": [{"system": "email", "value": "old@example.test", "period": {"end": "2020-01-01T00:00:00Z"}},
                {"system": "email", "value": "ana@example.test", "rank": 2},
                {"system": "phone", "value": "+1 555 010 0009", "use": "home", "rank": 1},
                {"system": "phone", "value": "+1 (555) 010-0001", "use": "mobile", "rank": 3}],
    "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
                      {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}, "preferred": True}],
    "gender": "female",
}


def write(path: Path, *resources: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in resources), encoding="utf-8")
    return path


def slot(slot_id: str, start: str, *, status: str = "free", schedule: str = "sch-1", kind: str = "ROUTINE") -> dict[str, Any]:
    return {"resourceType": "Slot", "id": slot_id, "schedule": {"reference": f"Schedule/{schedule}"}, "status": status,
            "start": start, "end": start, "appointmentType": {"coding": [{"code": kind}]}}


def schedule(schedule_id: str = "sch-1", provider: str = "dr-okafor") -> dict[str, Any]:
    return {"resourceType": "Schedule", "id": schedule_id, "actor": [{"reference": f"Practitioner/{provider}"}]}


def export(folder: Path, transaction_time: str = "2024-03-04T13:00:00Z", **files: list[dict[str, Any]]) -> Path:
    folder.mkdir()
    for kind, resources in files.items():
        write(folder / f"{kind}_1.ndjson", *resources)
    manifest = {"transactionTime": transaction_time, "output": [{"type": k, "url": f"https://x/{k}_1.ndjson"} for k in files]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.django_db
def test_it_reads_the_official_name_current_ranked_telecom_and_preferred_language(tmp_path: Path) -> None:
    report = import_fhir(write(tmp_path / "Patient.ndjson", ANA))
    assert report.status == "imported", [str(p) for p in report.problems]
    ana = PatientContact.objects.get()
    assert (ana.patient_ref, ana.given_name, ana.family_name) == ("pt-1", "Ana María", "García")
    # The ended email is skipped; the mobile wins over a better-ranked home phone (it can take a text).
    assert (ana.email, ana.phone, ana.language) == ("ana@example.test", "+15550100001", "es")
    assert report.unused_fields["Patient"] == {"gender": 1}


@pytest.mark.django_db
def test_it_keeps_consent_and_opt_out_which_a_patient_resource_does_not_carry(tmp_path: Path) -> None:
    moment = datetime(2024, 2, 1, tzinfo=UTC)
    record_opt_out("pt-1", "link", moment)
    PatientContact.objects.filter(patient_ref="pt-1").update(consent_email=True)
    import_fhir(write(tmp_path / "Patient.ndjson", ANA))
    ana = PatientContact.objects.get()
    assert (ana.consent_email, ana.opted_out_at, ana.email) == (True, moment, "ana@example.test")
    again = import_fhir(write(tmp_path / "Patient.ndjson", ANA))
    assert (again.tables["contacts"].unchanged, again.tables["contacts"].updated) == (1, 0)


@pytest.mark.django_db
def test_it_rejects_a_patient_with_a_phone_without_country_code_naming_the_field(tmp_path: Path) -> None:
    bad = {**ANA, "telecom": [{"system": "phone", "value": "555-0100", "use": "mobile"}]}
    path = write(tmp_path / "Patient.ndjson", bad)
    report = import_fhir(path)
    assert report.status == "rejected" and not PatientContact.objects.exists()
    assert str(report.problems[0]) == (f"{path} line 1, Patient.telecom[0].value: '555-0100' has no country code; "
                                       "expected an international number such as +1 555 010 2000")


@pytest.mark.django_db
def test_it_snapshots_the_third_next_free_slot_per_provider_and_visit_type_at_the_transaction_time(tmp_path: Path) -> None:
    folder = export(
        tmp_path / "export",
        # Slots before the schedule, out of order, one busy, one before the export was taken.
        Slot=[slot("s4", "2024-03-08T14:00:00Z"), slot("s1", "2024-03-05T14:00:00Z"), slot("s0", "2024-03-04T12:00:00Z"),
              slot("s2", "2024-03-06T15:00:00Z", status="busy"), slot("s3", "2024-03-07T14:00:00Z"),
              slot("s5", "2024-03-09T14:00:00Z"), slot("n1", "2024-03-05T16:00:00Z", kind="WALKIN")],
        Schedule=[schedule()],
    )
    report = import_fhir(folder)
    assert report.status == "imported", [str(p) for p in report.problems]
    rows = list(SlotSnapshot.objects.order_by("visit_type").values_list(
        "taken_at", "provider", "visit_type", "next_available_1", "next_available_2", "next_available_3"))
    taken = datetime(2024, 3, 4, 13, 0, tzinfo=UTC)
    assert rows == [
        (taken, "dr-okafor", "established", datetime(2024, 3, 5, 14, tzinfo=UTC), datetime(2024, 3, 7, 14, tzinfo=UTC),
         datetime(2024, 3, 8, 14, tzinfo=UTC)),
        (taken, "dr-okafor", "urgent", datetime(2024, 3, 5, 16, tzinfo=UTC), None, None),
    ]
    assert report.not_imported == {"Slot: busy (only free slots count)": 1, "Slot: starts before the export was taken": 1}
    again = import_fhir(folder)
    assert (again.tables["slots_snapshots"].inserted, again.tables["slots_snapshots"].unchanged) == (0, 2)


@pytest.mark.django_db
def test_it_takes_the_file_time_without_a_manifest_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "slots.ndjson", schedule(), slot("s1", "2030-04-01T14:00:00Z"))
    os.utime(path, (1_900_000_000, 1_900_000_000))  # 2030-03-17 17:46:40 UTC
    report = import_fhir(path)
    assert SlotSnapshot.objects.get().taken_at == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)
    assert any("modification time (2030-03-17 17:46 UTC)" in note for note in report.notes)


@pytest.mark.django_db
def test_it_stores_a_questionnaire_response_through_the_surveys_app(tmp_path: Path) -> None:
    load_shipped_instruments()
    resource = {"resourceType": "QuestionnaireResponse", "id": "QR1", "questionnaire": "urn:careloop:instrument:nps|1",
                "status": "completed", "subject": {"reference": "Patient/pt-1"}, "authored": "2024-03-06T10:00:00Z",
                "item": [{"linkId": "likely-to-recommend", "answer": [{"valueCoding": {"system": "urn:careloop:answer", "code": "10"}}]}]}
    bad = {**resource, "id": "QR2", "questionnaire": "urn:careloop:instrument:nope|1"}
    path = write(tmp_path / "QuestionnaireResponse.ndjson", resource, bad)
    rejected = import_fhir(path)
    assert rejected.status == "rejected" and not Response.objects.exists()
    assert str(rejected.problems[0]).startswith(f"{path} line 2, QuestionnaireResponse.questionnaire: "
                                                "'urn:careloop:instrument:nope|1' is wrong; expected a loaded instrument")
    kept = import_fhir(path, ImportOptions(quarantine=True))
    assert (kept.status, kept.tables["responses"].inserted, kept.tables["responses"].rejected) == ("quarantined", 1, 1)
    assert Response.objects.get().answers.get().value == "10"
    assert "QR2" in (tmp_path / "QuestionnaireResponse.rejected.ndjson").read_text()


@pytest.mark.django_db
def test_it_hands_each_response_to_the_surveys_function_with_where_and_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatch alone (a stand-in for surveys.fhir_io, in this test only): every resource, once, with its place."""
    calls: list[tuple[str, str, int | None]] = []

    def stand_in(resource: dict[str, Any], *, where: str, import_run_id: int | None) -> None:
        calls.append((resource["id"], where, import_run_id))

    import careloop.surveys.fhir_io as fhir_io

    monkeypatch.setattr(fhir_io, "store_questionnaire_response", stand_in)
    path = write(tmp_path / "QuestionnaireResponse.ndjson", {"resourceType": "QuestionnaireResponse", "id": "A"},
                 {"resourceType": "QuestionnaireResponse", "id": "B"})
    report = import_fhir(path)
    assert [(c[0], c[1]) for c in calls] == [("A", f"{path} line 1"), ("B", f"{path} line 2")]
    assert all(isinstance(c[2], int) for c in calls) and report.tables["responses"].rows == 2
    assert fhir_store.RESPONSES in report.tables
