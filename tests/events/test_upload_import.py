"""Uploading a file on /events/import/: kept privately, imported in the background through the same
functions as `careloop import`, its report and quarantine file shown to the uploader only."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from careloop.accounts.models import AuditEntry
from careloop.events.models import ImportUpload, Visit
from careloop.events.uploads import claim, run_upload, safe_name
from tests.conftest import Cast, client_for

HEADER = "visit_id,patient_ref,provider,location,visit_type,booking_channel,scheduled_start,status\n"
GOOD = "V1,P1,dr-a,main,new,phone,2024-03-05T09:00:00-05:00,completed\n"
BAD = "V2,P2,dr-a,main,new,phone,not-a-time,completed\n"


@pytest.fixture(autouse=True)
def home(settings: Any, tmp_path: Path) -> Path:
    settings.HOME = tmp_path
    return tmp_path


def upload(client: Any, body: str, *, name: str = "visits.csv", table: str = "visits", **extra: Any) -> Any:
    data = {"table": table, "file": SimpleUploadedFile(name, body.encode("utf-8"), "text/csv"), **extra}
    return client.post("/events/import/", data)


def work() -> None:
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)


def test_it_keeps_the_file_privately_and_queues_the_import(cast: Cast, home: Path) -> None:
    response = upload(client_for(cast.maria), HEADER + GOOD)
    item = ImportUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/import/status/?upload={item.external_id}"
    stored = Path(item.stored_path)
    assert stored.parent.parent == home / "imports" and stored.read_text() == HEADER + GOOD
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600 and stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert DBTaskResult.objects.filter(task_path__endswith="import_uploaded_file").count() == 1
    assert not Visit.objects.exists()  # not before the worker runs it


@pytest.mark.django_db(transaction=True)
def test_it_imports_in_the_worker_and_shows_the_counts(cast: Cast) -> None:
    client = client_for(cast.maria)
    upload(client, HEADER + GOOD)
    item = ImportUpload.objects.get()
    waiting = client.get(f"/events/import/status/?upload={item.external_id}").content.decode()
    assert "Waiting for the worker" in waiting and 'hx-trigger="every 1s"' in waiting
    work()
    item.refresh_from_db()
    assert (item.status, item.report["status"], item.report["inserted"]) == ("done", "imported", 1)
    html = client.get(f"/events/import/status/?upload={item.external_id}", HTTP_HX_REQUEST="true").content.decode()
    assert "1 rows read: 1 inserted, 0 updated, 0 unchanged, 0 rejected" in html and "hx-trigger" not in html
    run = Visit.objects.get().import_run
    assert run is not None and run.user == cast.maria


@pytest.mark.django_db(transaction=True)
def test_it_shows_each_bad_row_and_offers_the_quarantine_to_the_uploader_only(cast: Cast) -> None:
    client = client_for(cast.maria)
    upload(client, HEADER + GOOD + BAD, quarantine="on")
    work()
    item = ImportUpload.objects.get()
    html = client.get(f"/events/import/status/?upload={item.external_id}").content.decode()
    assert "visits.csv line 3, column &quot;scheduled_start&quot;: &#x27;not-a-time&#x27;" in html
    download = client.get(f"/events/import/quarantine/?upload={item.external_id}")
    assert download.status_code == 200 and b"V2,P2" in download.content
    assert download["Content-Disposition"] == 'attachment; filename="visits.rejected.csv"'
    assert AuditEntry.objects.get(record_kind="import_quarantine").user == cast.maria
    # Ada may import too, but this upload is not hers: the same 404 as for no upload at all.
    ada = client_for(cast.ada)
    assert ada.get(f"/events/import/status/?upload={item.external_id}").status_code == 404
    assert ada.get(f"/events/import/quarantine/?upload={item.external_id}").status_code == 404
    assert ada.get("/events/import/status/?upload=not-a-uuid").status_code == 404


def test_it_refuses_a_file_over_the_limit_a_wrong_suffix_and_a_mapping_for_fhir(cast: Cast, settings: Any) -> None:
    settings.MAX_UPLOAD_MB = 0
    html = upload(client_for(cast.maria), HEADER + GOOD).content.decode()
    assert "the limit is 0 MB" in html
    settings.MAX_UPLOAD_MB = 1
    html = upload(client_for(cast.maria), HEADER + GOOD, name="visits.exe").content.decode()
    assert "Expected a file ending in .csv" in html
    html = upload(client_for(cast.maria), "{}\n", name="x.ndjson", table="fhir", shipped_mapping="referrals.yaml").content.decode()
    assert "FHIR resources are read as FHIR R4 defines them" in html
    assert not ImportUpload.objects.exists()


def test_it_answers_404_to_roles_without_can_import_data(cast: Cast) -> None:
    for person in (cast.fran, cast.cora, cast.sam):
        assert upload(client_for(person), HEADER + GOOD).status_code == 404
    assert not ImportUpload.objects.exists()


@pytest.mark.django_db
def test_it_reports_a_file_that_cannot_be_read_at_all(cast: Cast) -> None:
    upload(client_for(cast.maria), "nothing,useful\n1,2\n")
    item = claim(str(ImportUpload.objects.get().external_id))
    assert item is not None and claim(str(item.external_id)) is None  # claimed once only
    run_upload(item)
    assert item.status == "failed" and 'has no column "visit_id"' in item.problems[0]


def test_it_keeps_uploaded_names_inside_their_folder() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".hidden file;rm.csv") == "hidden_file_rm.csv"
