"""The worker's comment-analysis round (careloop/feedback/tasks.py): comments completed on the answer page
are read in batches by a recurring task, a worker's first round reads everything pending, later rounds
look back LOOK_BACK (anonymous responses carry their day's start), and the chain keeps itself going."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from careloop.feedback import analysis
from careloop.feedback.models import CommentAnalysis
from careloop.feedback.tasks import ANALYSE_EVERY, LOOK_BACK, analyse_new_comments, ensure_comment_analysis_scheduled, prune_finished_rounds
from careloop.surveys.answering import Closing, complete
from careloop.surveys.models import Anonymity, Invitation, Response
from careloop.surveys.response_writes import NewResponse, insert_response
from tests.surveys.survey_links import survey_link

pytestmark = pytest.mark.django_db


def answered(comment: str, anonymity: str = Anonymity.CONFIDENTIAL) -> Response:
    """A response completed the way the answer page completes one."""
    invitation = survey_link("nps", patient_ref=f"P-{Invitation.objects.count()}").invitation
    started = timezone.now()
    response_id = insert_response(NewResponse(invitation.pk, invitation.instrument_version_id, "en", "", "", "", "", 1, started))
    response = Response.objects.get(pk=response_id)
    assert complete(invitation, response, Closing(anonymity, False, comment), "en")
    return Response.objects.get(pk=response_id)


def completed_days_ago(response: Response, days: int) -> None:
    Response.objects.filter(pk=response.pk).update(completed_at=timezone.now() - timedelta(days=days))


def test_it_starts_one_chain_and_its_first_round_reads_every_pending_comment(default_journey: Any) -> None:
    recent, old, silent = answered("The nurse was kind"), answered("Parking was hard"), answered("")
    completed_days_ago(old, 30)
    assert ensure_comment_analysis_scheduled() is True
    assert ensure_comment_analysis_scheduled() is False  # one chain: a round is already waiting
    before = timezone.now()
    assert analyse_new_comments.call() == {"analysed": 2}
    assert set(CommentAnalysis.objects.values_list("response_id", flat=True)) == {recent.pk, old.pk}
    assert not CommentAnalysis.objects.filter(response=silent).exists()
    # The next round is queued ANALYSE_EVERY later, told when this one ran.
    # (The chain's first round, queued by ensure_… above with no arguments, is still waiting: .call() ran it here.)
    rounds = DBTaskResult.objects.filter(task_path=analyse_new_comments.module_path)
    [following] = [queued for queued in rounds if queued.args_kwargs["args"]]
    assert before + ANALYSE_EVERY <= following.run_after <= timezone.now() + ANALYSE_EVERY
    previous_round = datetime.fromisoformat(following.args_kwargs["args"][0])
    assert before <= previous_round <= timezone.now()
    # Nothing new: the next round reads nothing (and analyses nothing twice).
    assert analyse_new_comments.call(previous_round.isoformat()) == {"analysed": 0}


def test_it_looks_back_from_the_previous_round_far_enough_for_anonymous_responses(default_journey: Any) -> None:
    previous_round = timezone.now()
    anonymous = answered("Rude at the desk", Anonymity.ANONYMOUS)
    # Stored with its day's start, so it looks older than the previous round: still read.
    assert anonymous.completed_at is not None and anonymous.completed_at <= previous_round
    forgotten = answered("Lost my referral")
    completed_days_ago(forgotten, LOOK_BACK.days + 1)
    assert analyse_new_comments.call(previous_round.isoformat()) == {"analysed": 1}
    assert list(CommentAnalysis.objects.values_list("response_id", flat=True)) == [anonymous.pk]
    # Beyond the look-back a later round does not go; `careloop feedback analyse` (analyse_pending) does.
    assert analysis.analyse_pending() == 1
    assert CommentAnalysis.objects.filter(response=forgotten).exists()


def test_it_loads_no_model_when_there_is_nothing_to_read(monkeypatch: Any) -> None:
    def no_model() -> None:
        raise AssertionError("the analysis model was loaded with nothing to read")

    monkeypatch.setattr(analysis, "current_analyser", no_model)
    answered("")
    assert analysis.analyse_pending() == 0
    assert analysis.analyse_pending(completed_since=timezone.now() - LOOK_BACK) == 0


def test_it_keeps_a_day_of_successful_rounds_and_a_week_of_failed_ones() -> None:
    now = timezone.now()
    rounds = {}
    for name, status, age in [("fresh ok", "SUCCESSFUL", timedelta(hours=23)), ("old ok", "SUCCESSFUL", timedelta(hours=25)),
                              ("failed", "FAILED", timedelta(days=6)), ("old failed", "FAILED", timedelta(days=8)),
                              ("waiting", "READY", timedelta(days=30))]:
        result = analyse_new_comments.enqueue(name)
        DBTaskResult.objects.filter(id=result.id).update(status=status, finished_at=None if status == "READY" else now - age)
        rounds[name] = DBTaskResult.objects.get(id=result.id).id
    other = DBTaskResult.objects.get(id=analyse_new_comments.enqueue("x").id)  # another task's old result stays
    DBTaskResult.objects.filter(id=other.id).update(task_path="careloop.recovery.tasks.work_recovery", status="SUCCESSFUL",
                                                    finished_at=now - timedelta(days=30))
    assert prune_finished_rounds(now) == 2
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert left == {rounds["fresh ok"], rounds["failed"], rounds["waiting"], other.id}
