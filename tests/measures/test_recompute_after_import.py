"""An import is followed by a background recompute of the measurements (events ← measures: the
importer sends a signal, the measures app enqueues the task)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from careloop.events.importing.importer import import_file
from careloop.events.models import Visit
from careloop.measures.models import Measurement

CORPUS = Path(__file__).resolve().parents[1] / "events" / "corpus"


def recompute_tasks() -> list[DBTaskResult[Any, Any]]:
    return [t for t in DBTaskResult.objects.all() if t.task_path.endswith("recompute_measurements_after_import")]


def test_it_enqueues_a_recompute_when_an_import_writes_rows(
    default_journey: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        import_file("visits", CORPUS / "visits-good.csv")
    (task,) = recompute_tasks()
    # Only periods from the earliest timestamp the import wrote are recomputed (any of a visit's times).
    earliest = min(
        moment
        for visit in Visit.objects.all()
        for moment in (visit.requested_at, visit.booked_at, visit.scheduled_start, visit.arrived_at, visit.roomed_at,
                       visit.provider_in_at, visit.checkout_at)
        if moment is not None
    )
    assert datetime.fromisoformat(task.args_kwargs["kwargs"]["since"]) == earliest


def test_it_enqueues_nothing_when_the_same_file_changes_nothing(
    default_journey: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        import_file("visits", CORPUS / "visits-good.csv")
    with django_capture_on_commit_callbacks(execute=True):
        import_file("visits", CORPUS / "visits-good.csv")
    assert len(recompute_tasks()) == 1


@pytest.mark.django_db(transaction=True)
def test_it_stores_measurements_once_the_worker_has_run() -> None:
    call_command("init", verbosity=0)
    import_file("visits", CORPUS / "visits-good.csv")
    assert Measurement.objects.count() == 0
    call_command("worker", batch=True, interval=0.1)
    (task,) = recompute_tasks()
    assert task.status == "SUCCESSFUL"
    measured_tables = {m.standard.definition.get("table") for m in Measurement.objects.select_related("standard")}
    assert "visits" in measured_tables
