"""Background comment analysis (Django's Tasks API, run by `careloop worker`).

Surveys must not import feedback (dependencies point one way along the loop), so feedback listens to
Django's own post_save of surveys.Response: when a response is saved complete with a comment, its
analysis is enqueued once the transaction commits. Responses that arrive without a save signal (bulk
imports, the demo) are picked up by `analyse_pending_comments` (enqueued after an import, run by the
demo, or by hand as `careloop feedback analyse`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from careloop.surveys.models import Response


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
