"""The analysis pipeline over stored survey responses: every reading stored once per response, updated
in place (corrections survive), the signal later stages listen to, and the trigger on completion."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from typing import Any

import pytest
from django.utils import timezone

from careloop.accounts.models import StaffMember
from careloop.feedback.analysis import analyse_pending, analyse_responses, current_analyser
from careloop.feedback.models import CommentAnalysis, LabelCorrection
from careloop.feedback.signals import comments_analysed
from careloop.feedback.tasks import analyse_response_comments
from careloop.surveys.models import Response
from tests.feedback.explorer_cases import nps_version

WHEN = datetime(2026, 3, 2, 15, tzinfo=dt_timezone.utc)


def response(comment: str, *, language: str = "en", complete: bool = True) -> Response:
    return Response.objects.create(instrument_version=nps_version(), language=language, comment=comment,
                                   started_at=WHEN, completed_at=WHEN if complete else None, is_complete=complete)


@pytest.fixture
def staff(db: Any) -> list[StaffMember]:
    return [
        StaffMember.objects.create(key="grace-lee", name="Grace Lee", title="Nurse", nicknames=["Gracie"]),
        StaffMember.objects.create(key="amara-okafor", name="Amara Okafor", title="Physician", is_provider=True),
    ]


@pytest.fixture
def received() -> Any:
    calls: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    comments_analysed.connect(listener, dispatch_uid="test-listener")
    yield calls
    comments_analysed.disconnect(dispatch_uid="test-listener")


@pytest.mark.django_db
def test_it_reads_and_stores_every_part_of_a_comment(default_journey: Any, staff: list[StaffMember], received: Any) -> None:
    praise = response("Nurse Gracie was wonderful, thank you so much! Call me on 555-201-3344.")
    billing = response("Me cobraron dos veces la misma consulta y nadie me explica la factura", language="es")
    urgent = response("I slipped on the wet floor by the toilets and hurt my hip, there was no sign")
    silent = response("")
    analyses = analyse_responses([praise, billing, urgent, silent])
    assert [a.response_id for a in analyses] == [praise.pk, billing.pk, urgent.pk]
    first, second, third = (CommentAnalysis.objects.get(response=r) for r in (praise, billing, urgent))
    assert first.staff_mentions == ["grace-lee"]
    assert first.sentiment == 5
    assert "Gracie" in first.redacted_text and "555-201-3344" not in first.redacted_text
    assert first.language == "en"
    assert "cost_billing" in second.themes and "billing" in second.touchpoints
    assert second.language == "es" and second.sentiment <= 2
    assert third.urgency == "safety"
    assert first.model_name == "default"
    assert received == [{"signal": comments_analysed, "analysis_ids": [first.pk, second.pk, third.pk],
                         "urgent_ids": [third.pk]}]


@pytest.mark.django_db
def test_it_updates_in_place_and_keeps_corrections(default_journey: Any, staff: list[StaffMember]) -> None:
    answer = response("The receptionist was rude when I checked in")
    first = analyse_responses([answer])[0]
    LabelCorrection.objects.create(analysis=first, field="themes", value=["dignity_respect"])
    again = analyse_responses([Response.objects.get(pk=answer.pk)])[0]
    assert again.pk == first.pk
    assert CommentAnalysis.objects.count() == 1
    assert again.corrections.count() == 1
    assert again.effective_labels()["themes"] == ["dignity_respect"]
    assert "staff_attitude" in CommentAnalysis.objects.get(pk=first.pk).themes


@pytest.mark.django_db
def test_it_analyses_pending_completed_comments_only(default_journey: Any, staff: list[StaffMember]) -> None:
    done = response("Great visit")
    analyse_responses([done])
    waiting = [response(f"Waited {minutes} minutes in the waiting room") for minutes in (30, 40, 50)]
    response("Half-written comment", complete=False)
    assert analyse_pending(batch=2, analyser=current_analyser()) == 3
    assert set(CommentAnalysis.objects.values_list("response_id", flat=True)) == {done.pk, *(r.pk for r in waiting)}
    assert analyse_pending() == 0
    assert analyse_pending(again=True) == 4


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_the_analysis_when_a_response_is_completed(default_journey: Any, staff: list[StaffMember],
                                                                settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    answer = response("Dr Okafor explained everything", complete=False)
    assert not DBTaskResult.objects.exists()
    answer.is_complete = True
    answer.completed_at = timezone.now()
    answer.save()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == analyse_response_comments.module_path
    assert queued.args_kwargs["args"] == [[answer.pk]]
    result = analyse_response_comments.call([answer.pk])
    assert result == {"analysed": 1}
    assert CommentAnalysis.objects.get(response=answer).staff_mentions == ["amara-okafor"]
