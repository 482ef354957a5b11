from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from careloop.accounts.models import StaffMember


@task()
def add_staff_member(key: str, name: str) -> int:
    return StaffMember.objects.create(key=key, name=name).pk


@pytest.mark.django_db(transaction=True)
def test_it_runs_an_enqueued_task_and_records_the_result() -> None:
    result = add_staff_member.enqueue("rosa-delgado", "Rosa Delgado")
    assert not StaffMember.objects.filter(key="rosa-delgado").exists()

    call_command("worker", batch=True, interval=0.1)

    member = StaffMember.objects.get(key="rosa-delgado")
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == "SUCCESSFUL"
    assert stored.return_value == member.pk
