"""A manager uploads a CSV in real headless Chromium and watches the import finish (htmx polling)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from careloop.events.models import ImportUpload
from careloop.events.tasks import import_uploaded_file
from tests.conftest import Cast

HEADER = "visit_id,patient_ref,provider,location,visit_type,booking_channel,scheduled_start,status\n"
GOOD = "V1,P1,dr-a,main,new,phone,2024-03-05T09:00:00-05:00,completed\n"
BAD = "V2,P2,dr-a,main,new,phone,not-a-time,completed\n"


def run_waiting_upload() -> None:
    # The queued task's own function, as `careloop worker` runs it (db_worker itself wants the main
    # thread for its signal handlers; tests/events/test_upload_import.py runs it for real).
    try:
        for upload in ImportUpload.objects.filter(status=ImportUpload.Status.WAITING):
            import_uploaded_file.call(str(upload.external_id))
    finally:
        connection.close()


def work_soon() -> threading.Timer:
    """The worker, a moment after the upload (the page shows "waiting" and polls meanwhile)."""
    timer = threading.Timer(1.5, run_waiting_upload)
    timer.start()
    return timer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_shows_the_bad_line_then_the_counts_of_a_good_file(cast: Cast, page_as: Any, live_server: Any,
                                                               tmp_path: Path, settings: Any) -> None:
    settings.HOME = tmp_path
    page = page_as(cast.maria)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    good.write_text(HEADER + GOOD, encoding="utf-8")

    page.goto(f"{live_server.url}/events/patients/")  # any page: no journey is loaded, so no home page
    page.click("nav >> text=Import")
    page.select_option("#id_table", "visits")
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('Upload and import')")
    timer = work_soon()
    page.wait_for_selector(".import-outcome", timeout=20_000)
    timer.join()
    assert page.inner_text(".import-outcome") == "rejected"
    assert 'bad.csv line 3, column "scheduled_start": \'not-a-time\'' in page.inner_text(".import-problems")

    page.click("text=Import another file")
    page.select_option("#id_table", "visits")
    page.set_input_files("#id_file", str(good))
    page.click("button:has-text('Upload and import')")
    timer = work_soon()
    page.wait_for_selector(".import-outcome", timeout=20_000)
    timer.join()
    assert page.inner_text(".import-outcome") == "imported"
    assert "1 rows read: 1 inserted" in page.inner_text(".import-summary")
