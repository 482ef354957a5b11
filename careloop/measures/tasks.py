"""Background work of the standards engine (Django's Tasks API, database backend, run by
`careloop worker`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from careloop.measures.business_time import practice_zone
from careloop.measures.recompute import active_standards, pending_window, recompute_measurements
from careloop.task_chains import start_chain

# Nightly, after the practice's day is over and before anyone reads the dashboard.
NIGHTLY_AT = time(2, 30)


@task()
def recompute_measurements_after_import(since: str | None = None) -> dict[str, object]:
    """Enqueue after an import with the earliest event time of the file (ISO 8601): the weeks and
    months from there on are recomputed."""
    moment = datetime.fromisoformat(since) if since else None
    return recompute_measurements(moment).as_dict()


def next_nightly_run(now: datetime) -> datetime:
    local = now.astimezone(practice_zone())
    run = datetime.combine(local.date(), NIGHTLY_AT, tzinfo=practice_zone())
    return run if run > local else datetime.combine(local.date() + timedelta(days=1), NIGHTLY_AT, tzinfo=practice_zone())


@task()
def recompute_measurements_nightly() -> dict[str, object]:
    """Without new data, measurements still change as time passes: an unanswered message becomes
    "not met" once its business day is over. Recompute the window where that can happen, then
    schedule the next night's run."""
    now = timezone.now()
    report = recompute_measurements(now - pending_window(active_standards()))
    recompute_measurements_nightly.using(run_after=next_nightly_run(now)).enqueue()
    return report.as_dict()


def ensure_nightly_recompute_scheduled() -> bool:
    """Start the nightly chain unless a run is already waiting or running (True when it started
    one). Safe to call at every worker start."""
    return start_chain(recompute_measurements_nightly, run_after=next_nightly_run(timezone.now()))
