"""Recovery's due work, run by `careloop worker` every few minutes: evaluate the rules (open cases),
escalate missed SLAs, send the managers' digests, and measure the journey's recovery standards.
Each step is idempotent (opening.py, escalation.py, measures/recompute.py upserts), so a worker
restarted mid-run, or two workers, neither lose nor double anything.

The recovery standards are measured here, in full, rather than only by the nightly recompute: a case
changes long after the week it was opened (a late contact, a reopening, the patient's answer) and a
deadline passing makes a case count, neither of which the nightly run's recent window would see
(case_counts.measure_recovery_standards).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from careloop.recovery.case_counts import measure_recovery_standards
from careloop.recovery.escalation import EscalationReport, escalate_overdue_cases, send_escalation_digests
from careloop.recovery.rules import open_cases_by_rules
from careloop.task_chains import start_chain

WORK_EVERY = timedelta(minutes=5)


def work_recovery_once(now: datetime | None = None) -> dict[str, object]:
    moment = now or timezone.now()
    rules = open_cases_by_rules(moment)
    report = EscalationReport()
    escalate_overdue_cases(moment, report)
    send_escalation_digests(moment, report)
    measured = measure_recovery_standards(moment)
    return {"rules": rules.as_dict(), **report.as_dict(), "measured": measured}


@task()
def work_recovery() -> dict[str, object]:
    """One round of recovery work, then the next in 5 minutes."""
    now = timezone.now()
    try:
        return work_recovery_once(now)
    finally:
        # Rescheduled even when this round failed, so one bad row cannot stop escalations for good.
        work_recovery.using(run_after=now + WORK_EVERY).enqueue()


def ensure_recovery_work_scheduled() -> bool:
    """Start the chain unless a run is already waiting or running (True when it started one)."""
    return start_chain(work_recovery)
