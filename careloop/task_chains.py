"""Recurring background work as chains of tasks: each run enqueues the next before it ends, and
`careloop worker` starts every chain when it starts (management/commands/worker.py).

One chain per task: a worker started again, or a second worker, must not start a second chain beside a
run that is already waiting or running, or the work would run twice as often.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_tasks.base import Task


def start_chain(task: Task[Any, Any], run_after: datetime | None = None) -> bool:
    """Enqueue the chain's first run (at `run_after`, else now) unless a run of `task` is already
    waiting or running; True when it started one."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=task.module_path, status__in=["READY", "RUNNING"]).exists():
        return False
    (task.using(run_after=run_after) if run_after is not None else task).enqueue()
    return True
