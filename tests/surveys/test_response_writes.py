"""The answer pages' hand-written writes (careloop/surveys/response_writes.py) store the same rows as the
ORM statements they replace, keep a page whole or not at all, and claim a link exactly once. They run on
SQLite here and on PostgreSQL (its one-statement forms, prepared) in CI's PostgreSQL pass."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from careloop.surveys.answering import Closing, complete
from careloop.surveys.models import Anonymity, Answer, Invitation, Response
from careloop.surveys.response_writes import (
    AnswerRow,
    Completion,
    NewResponse,
    claim_and_complete,
    complete_response,
    insert_response,
    insert_response_with_answers,
    note_progress,
    started_response,
    upsert_answers,
)
from careloop.surveys.tokens import NewInvitation
from tests.surveys.survey_links import expire, survey_link

pytestmark = pytest.mark.django_db

# Every column but the keys a row gets from the database (id) or at random (external_id).
RESPONSE_COLUMNS = (
    "invitation_id", "instrument_version_id", "language", "touchpoint", "provider", "location", "visit_type", "anonymity",
    "consent_to_contact", "comment", "page", "started_at", "completed_at", "is_complete",
)
ROWS = [AnswerRow("likely-to-recommend", "9", True, 90.0), AnswerRow("why", "Kind staff", None, None)]


def link() -> NewInvitation:
    return survey_link("cg-cahps-visit")


def new_response(invitation: Invitation, page: int = 1) -> NewResponse:
    return NewResponse(
        invitation_id=invitation.pk, instrument_version_id=invitation.instrument_version_id, language="es",
        touchpoint=invitation.touchpoint, provider=invitation.provider, location=invitation.location,
        visit_type=invitation.visit_type, page=page, started_at=timezone.now().replace(microsecond=0),
    )


def orm_response(invitation: Invitation, new: NewResponse) -> Response:
    """What answering._start_response (the reference) stores for the same values."""
    return Response.objects.create(
        invitation=invitation, instrument_version_id=new.instrument_version_id, language=new.language, page=new.page,
        touchpoint=new.touchpoint, provider=new.provider, location=new.location, visit_type=new.visit_type,
        started_at=new.started_at,
    )


def columns(response_id: int) -> dict[str, Any]:
    return dict(Response.objects.filter(pk=response_id).values(*RESPONSE_COLUMNS).get())


def answers(response_id: int) -> set[tuple[Any, ...]]:
    return set(Answer.objects.filter(response_id=response_id).values_list("item_key", "value", "top_box", "score_100"))


def test_it_inserts_the_response_the_orm_inserts() -> None:
    fast_link, orm_link = link(), link()
    new = new_response(fast_link.invitation)
    fast_id = insert_response(new)
    reference = orm_response(orm_link.invitation, new_response(orm_link.invitation))
    expected = columns(reference.pk) | {"invitation_id": fast_link.invitation.pk, "started_at": new.started_at}
    assert columns(fast_id) == expected
    assert Response.objects.get(pk=fast_id).external_id != reference.external_id
    # The instance handed back is the stored row.
    started = started_response(fast_id, new)
    assert (started.pk, started.invitation_id, started.page, started.language) == (fast_id, fast_link.invitation.pk, 1, "es")


def test_it_inserts_a_response_with_its_first_answers_whole() -> None:
    fast_link = link()
    response_id = insert_response_with_answers(new_response(fast_link.invitation), ROWS)
    assert columns(response_id)["invitation_id"] == fast_link.invitation.pk
    assert answers(response_id) == {("likely-to-recommend", "9", True, 90.0), ("why", "Kind staff", None, None)}


def test_it_refuses_a_second_response_for_a_link_and_writes_nothing() -> None:
    taken = link()
    first = insert_response(new_response(taken.invitation))
    with pytest.raises(IntegrityError):
        insert_response_with_answers(new_response(taken.invitation), ROWS)
    # The caller's transaction (the test's) is still usable, and no answer of the refused page landed.
    assert Response.objects.filter(invitation=taken.invitation).count() == 1
    assert Answer.objects.count() == 0 and answers(first) == set()


def test_it_upserts_answers_the_last_one_winning() -> None:
    response_id = insert_response_with_answers(new_response(link().invitation), ROWS)
    other_id = insert_response_with_answers(new_response(link().invitation), ROWS)
    upsert_answers(response_id, [AnswerRow("likely-to-recommend", "3", False, 30.0), AnswerRow("new-item", "yes", None, None)])
    assert answers(response_id) == {
        ("likely-to-recommend", "3", False, 30.0), ("why", "Kind staff", None, None), ("new-item", "yes", None, None),
    }
    assert answers(other_id) == {("likely-to-recommend", "9", True, 90.0), ("why", "Kind staff", None, None)}


def test_it_moves_the_page_reached_forward_only() -> None:
    response_id = insert_response(new_response(link().invitation, page=2))
    note_progress(response_id, "en", 1)  # a late submit of an earlier page
    assert (columns(response_id)["page"], columns(response_id)["language"]) == (2, "en")
    note_progress(response_id, "es", 3)
    assert (columns(response_id)["page"], columns(response_id)["language"]) == (3, "es")


@pytest.mark.parametrize("anonymity", [Anonymity.CONFIDENTIAL, Anonymity.CONTACT, Anonymity.ANONYMOUS])
def test_it_completes_a_response_as_the_orm_save_does(anonymity: str) -> None:
    fast_link, orm_link = link(), link()
    fast_id = insert_response(new_response(fast_link.invitation))
    reference = orm_response(orm_link.invitation, new_response(orm_link.invitation))
    done = timezone.now().replace(microsecond=0)
    day = done.replace(hour=0, minute=0, second=0)
    completion = Completion(anonymity, anonymity == Anonymity.CONTACT, "Thank you", "en", done,
                            anonymous_started_at=day if anonymity == Anonymity.ANONYMOUS else None)
    complete_response(fast_id, completion)
    # The reference: the ORM save answering.complete made before (update_fields as it listed them).
    reference.anonymity, reference.consent_to_contact, reference.comment = anonymity, anonymity == Anonymity.CONTACT, "Thank you"
    reference.language, reference.is_complete, reference.completed_at = "en", True, done
    fields = ["anonymity", "consent_to_contact", "comment", "language", "is_complete", "completed_at"]
    if anonymity == Anonymity.ANONYMOUS:
        reference.invitation, reference.started_at = None, day
        fields += ["invitation", "started_at"]
    reference.save(update_fields=fields)
    expected = columns(reference.pk)
    if anonymity != Anonymity.ANONYMOUS:
        expected["invitation_id"] = fast_link.invitation.pk
    assert columns(fast_id) == expected


@pytest.mark.parametrize("state", ["fresh", "used", "expired"])
def test_it_claims_and_completes_once_and_only_an_open_link(state: str) -> None:
    open_link = link()
    response_id = insert_response(new_response(open_link.invitation))
    if state == "used":
        Invitation.objects.filter(pk=open_link.invitation.pk).update(used_at=timezone.now() - timedelta(hours=1))
    elif state == "expired":
        expire(open_link)
    before, invitation_before = columns(response_id), Invitation.objects.filter(pk=open_link.invitation.pk).values("used_at").get()
    now = timezone.now()
    completion = Completion(Anonymity.CONFIDENTIAL, False, "Fine", "en", now)
    claimed = claim_and_complete(open_link.invitation.pk, response_id, completion, now)
    assert claimed is (state == "fresh")
    if claimed:
        assert Invitation.objects.get(pk=open_link.invitation.pk).used_at == now
        assert (columns(response_id)["is_complete"], columns(response_id)["comment"]) == (True, "Fine")
        # Single use: a second completion never wins, and changes nothing.
        assert claim_and_complete(open_link.invitation.pk, response_id, Completion(Anonymity.CONTACT, True, "Again", "en", now), now) is False
        assert columns(response_id)["comment"] == "Fine"
    else:
        assert columns(response_id) == before
        assert Invitation.objects.filter(pk=open_link.invitation.pk).values("used_at").get() == invitation_before


def test_it_claims_and_completes_in_one_statement_on_postgresql() -> None:
    open_link = link()
    response_id = insert_response(new_response(open_link.invitation))
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        assert claim_and_complete(open_link.invitation.pk, response_id, Completion(Anonymity.CONFIDENTIAL, False, "", "en", now), now)
    written = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # PostgreSQL: WITH claimed AS (UPDATE invitation) UPDATE response; SQLite: the two UPDATEs.
    assert len(written) == (1 if connection.vendor == "postgresql" else 2)


def test_it_completes_in_one_statement_with_no_task_queued_per_response() -> None:
    """Comments from the answer page are read by feedback's analysis round (tests/feedback), not by a
    task queued with each completion: the busiest request writes one statement."""
    answered = link()
    response = Response.objects.get(pk=insert_response(new_response(answered.invitation)))
    with CaptureQueriesContext(connection) as captured:
        assert complete(Invitation.objects.get(pk=answered.invitation.pk), response, Closing(Anonymity.CONFIDENTIAL, False, "Rude"), "en")
    assert not DBTaskResult.objects.exists()
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "WITH"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
