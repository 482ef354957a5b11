"""`careloop worker` does recovery's due work by itself: starting it schedules the recovery round, which
opens cases by the rules, escalates missed deadlines, sends the digest, and schedules its next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from careloop.events.models import Visit
from careloop.recovery.models import Case, CaseEvent
from careloop.recovery.tasks import ensure_recovery_work_scheduled, work_recovery
from tests.conftest import Cast
from tests.recovery.cases import make_journey


@pytest.mark.django_db(transaction=True)
def test_it_opens_and_escalates_cases_when_the_worker_runs(settings: Any, cast: Cast) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_journey()
    # A 2-hour wait ten days ago: still inside the rules' 14-day look-back, so the round finds it.
    arrived = timezone.now() - timedelta(days=10)
    Visit.objects.create(
        visit_id="V-1", patient_ref="P-1", provider="dr-okafor", location="main-street", visit_type="established",
        booking_channel="phone", scheduled_start=arrived, arrived_at=arrived, provider_in_at=arrived + timedelta(hours=2),
        status="completed",
    )
    call_command("worker", batch=True, interval=0.1)

    case = Case.objects.get()
    assert case.patient_ref == "P-1" and case.opened_at > arrived
    # Opened now: not overdue yet, so nothing to escalate and no email.
    assert not CaseEvent.objects.filter(kind="escalated").exists() and mail.outbox == []
    runs = DBTaskResult.objects.filter(task_path=work_recovery.module_path)
    assert list(runs.values_list("status", flat=True).order_by("enqueued_at")) == ["SUCCESSFUL", "READY"]
    assert ensure_recovery_work_scheduled() is False
