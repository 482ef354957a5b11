"""careloop/task_chains.py: a chain is started once, whether a run of it waits or runs, and started
again once its runs are all finished; the first run goes at the time asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from careloop.task_chains import start_chain

pytestmark = pytest.mark.django_db


@task()
def chained_round() -> int:
    return 1


def runs() -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(task_path=chained_round.module_path))


def test_it_starts_a_chain_once_while_a_run_waits_or_runs() -> None:
    assert start_chain(chained_round) is True
    assert start_chain(chained_round) is False
    DBTaskResult.objects.filter(task_path=chained_round.module_path).update(status="RUNNING")
    assert start_chain(chained_round) is False
    assert len(runs()) == 1


def test_it_starts_it_again_once_every_run_has_finished() -> None:
    assert start_chain(chained_round)
    DBTaskResult.objects.filter(task_path=chained_round.module_path).update(status="FAILED", finished_at=timezone.now())
    assert start_chain(chained_round) is True
    assert sorted(run.status for run in runs()) == ["FAILED", "READY"]


def test_it_schedules_the_first_run_when_asked() -> None:
    at = timezone.now() + timedelta(hours=3)
    assert start_chain(chained_round, run_after=at)
    [run] = runs()
    assert abs(run.run_after - at) < timedelta(seconds=1)
