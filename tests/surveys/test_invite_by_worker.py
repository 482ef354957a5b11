"""`careloop worker` plans and sends invitations by itself: starting it schedules the invitation work,
which decides recent visits, sends what is due, and schedules its next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from careloop.surveys.models import Invitation
from careloop.surveys.tasks import ensure_invitation_work_scheduled, work_survey_invitations
from tests.surveys.invite_cases import completed_visit, contact, visit_survey


@pytest.mark.django_db(transaction=True)
def test_it_invites_a_recent_visit_when_the_worker_runs(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SURVEY_QUIET_HOURS = "0-0"  # none: the test must not depend on the hour it runs at
    visit_survey()
    contact()
    completed_visit(checkout=timezone.now() - timedelta(hours=3))

    call_command("worker", batch=True, interval=0.1)

    invitation = Invitation.objects.get(visit_id="V-1")
    assert invitation.sent_at is not None and invitation.channel == "email"
    assert [m.to for m in mail.outbox] == [["pat@example.test"]]
    runs = DBTaskResult.objects.filter(task_path=work_survey_invitations.module_path)
    assert list(runs.values_list("status", flat=True).order_by("enqueued_at")) == ["SUCCESSFUL", "READY"]
    # The chain exists: starting another worker does not start a second one.
    assert ensure_invitation_work_scheduled() is False
