"""Background comment analysis (Django's Tasks API, run by `careloop worker`).

Surveys must not import feedback (dependencies point one way along the loop), so feedback finds the
comments to read itself:
- the analysis round (`analyse_new_comments`) runs every ANALYSE_EVERY in the worker and reads, in one
  batch, the responses completed with a comment and not analysed yet. That is how answers from the
  answer page arrive: the page only completes the response (one statement on its busiest request,
  surveys/response_writes.py), and one batch reads comments far faster than a task per response
  (the analysis is vectorised per batch: analysis.py);
- Django's post_save of surveys.Response enqueues the analysis of a response saved complete through the
  ORM (a QuestionnaireResponse import, the admin) as soon as its transaction commits.
Responses that arrive without either (bulk imports, the demo) are read by the next round's look-back
or by `analyse_pending_comments` (run by the demo, or by hand as `careloop feedback analyse`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from careloop.surveys.models import Response
from careloop.task_chains import start_chain

# A comment is read within about this long of the patient sending it: urgent ones open a case (recovery)
# and their owners work in hours (the recovery standards' clocks), so seconds do not matter, and one
# round every 15 s reads whatever arrived in between as one batch.
ANALYSE_EVERY = timedelta(seconds=15)
# How far before its previous round a round looks. An anonymous response carries the start of its day
# as its completion time (docs/surveys.md, "Anonymity"): up to 25 hours before it was sent, on the day
# the clocks go back. Two days cover that, and a transaction that committed after the previous round
# had looked. Responses already analysed are skipped by the query (its anti-join), not read again.
LOOK_BACK = timedelta(days=2)
# A round every 15 s leaves 5,760 finished task rows a day; each round deletes its chain's older ones,
# keeping a day of successful rounds and a week of failed ones for an operator to look at.
KEEP_SUCCESSFUL_ROUNDS = timedelta(days=1)
KEEP_FAILED_ROUNDS = timedelta(days=7)


@task()
def analyse_response_comments(response_ids: list[int]) -> dict[str, int]:
    from careloop.feedback.analysis import analyse_responses

    responses = Response.objects.filter(pk__in=response_ids, is_complete=True).exclude(comment="")
    return {"analysed": len(analyse_responses(list(responses)))}


@task()
def analyse_pending_comments() -> dict[str, int]:
    from careloop.feedback.analysis import analyse_pending

    return {"analysed": analyse_pending()}


def enqueue_analysis_of_completed_response(sender: type[Response], instance: Response, **kwargs: Any) -> None:
    """post_save receiver (connected in apps.py)."""
    if kwargs.get("raw") or not instance.is_complete or not instance.comment.strip():
        return
    response_id = instance.pk
    transaction.on_commit(lambda: analyse_response_comments.enqueue([response_id]))


@task()
def analyse_new_comments(previous_round: str | None = None) -> dict[str, int]:
    """One analysis round, then the next in ANALYSE_EVERY. The first round of a chain (no previous
    round: a worker started) reads every pending response, so nothing completed while no worker ran
    is missed; later rounds read those completed since LOOK_BACK before the previous round."""
    from careloop.feedback.analysis import analyse_pending

    now = timezone.now()
    since = datetime.fromisoformat(previous_round) - LOOK_BACK if previous_round else None
    try:
        return {"analysed": analyse_pending(completed_since=since)}
    finally:
        # Rescheduled even when this round failed, so one bad comment cannot stop the analysis for good.
        analyse_new_comments.using(run_after=now + ANALYSE_EVERY).enqueue(now.isoformat())
        prune_finished_rounds(now)


def prune_finished_rounds(now: datetime) -> int:
    """Delete the analysis rounds that finished before the keeping periods; returns how many."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    old = Q(status="SUCCESSFUL", finished_at__lt=now - KEEP_SUCCESSFUL_ROUNDS) | Q(status="FAILED", finished_at__lt=now - KEEP_FAILED_ROUNDS)
    deleted, _ = DBTaskResult.objects.filter(old, task_path=analyse_new_comments.module_path).delete()
    return deleted


def ensure_comment_analysis_scheduled() -> bool:
    """Start the chain unless a round is already waiting or running (True when it started one)."""
    return start_chain(analyse_new_comments)
