"""The prepared invitation UPDATEs (careloop/surveys/answer_updates.py) change the same rows to the same
values as the ORM statements they replace, for a link in every state: fresh, opened, used, expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.surveys.answer_updates import claim_invitation, mark_opened, note_first_opening
from careloop.surveys.invitations import note_opened
from careloop.surveys.models import Invitation
from careloop.surveys.tokens import NewInvitation, find_invitation_to_answer
from tests.surveys.survey_links import expire, survey_link

pytestmark = pytest.mark.django_db

STATES = ("fresh", "opened", "used", "expired")


def link_in(state: str) -> NewInvitation:
    link = survey_link("nps", patient_ref=f"P-{state}-{Invitation.objects.count()}")
    if state == "opened":
        Invitation.objects.filter(pk=link.invitation.pk).update(opened_at=timezone.now() - timedelta(hours=1))
    elif state == "used":
        Invitation.objects.filter(pk=link.invitation.pk).update(used_at=timezone.now() - timedelta(hours=1))
    elif state == "expired":
        expire(link)
    return link


def row(link: NewInvitation) -> tuple[Any, ...]:
    return tuple(Invitation.objects.filter(pk=link.invitation.pk).values_list("used_at", "opened_at", "expires_at").get())


def orm_claim(pk: int, stamp: datetime, now: datetime) -> bool:
    """The statement answering.complete used before (kept here as the reference)."""
    return Invitation.objects.filter(pk=pk, used_at__isnull=True, expires_at__gt=now).update(used_at=stamp) == 1


@pytest.mark.parametrize("state", STATES)
def test_it_claims_a_link_exactly_as_the_orm_update_does(state: str) -> None:
    now = timezone.now()
    stamp = now.replace(hour=0, minute=0, second=0, microsecond=0)  # an anonymous response's day-only time
    by_orm, prepared = link_in(state), link_in(state)
    orm_before, before = row(by_orm), row(prepared)
    claimed_by_orm = orm_claim(by_orm.invitation.pk, stamp, now)
    claimed = claim_invitation(prepared.invitation.pk, stamp, now)
    assert claimed == claimed_by_orm == (state in ("fresh", "opened"))
    # Claimed: used_at is the stamp (both); not claimed: the row is as it was (both).
    expected = (stamp, *before[1:]) if claimed else before
    assert row(prepared) == expected and row(by_orm) == ((stamp, *orm_before[1:]) if claimed_by_orm else orm_before)
    assert claim_invitation(prepared.invitation.pk, now, now) is False  # single use: a second claim never wins


def test_it_leaves_other_links_alone() -> None:
    mine, other = link_in("fresh"), link_in("fresh")
    now = timezone.now()
    assert claim_invitation(mine.invitation.pk, now, now)
    mark_opened(mine.invitation.pk, now)
    assert row(other)[:2] == (None, None) and row(mine)[:2] == (now, now)


@pytest.mark.parametrize("state", STATES)
def test_it_marks_the_first_opening_as_invitations_note_opened_does(state: str) -> None:
    by_orm, prepared = link_in(state), link_in(state)
    moment = timezone.now()
    note_opened(Invitation.objects.get(pk=by_orm.invitation.pk))
    note_first_opening(Invitation.objects.get(pk=prepared.invitation.pk), moment)
    opened_by_orm, opened = row(by_orm)[1], row(prepared)[1]
    if state == "opened":
        assert opened == Invitation.objects.get(pk=prepared.invitation.pk).opened_at != moment
        assert opened_by_orm is not None and opened_by_orm < moment
    else:
        assert opened == moment and opened_by_orm is not None and abs(opened_by_orm - moment) < timedelta(seconds=5)
    # The UPDATE itself is conditional too: a second opening never moves the first.
    mark_opened(prepared.invitation.pk, moment + timedelta(hours=1))
    assert row(prepared)[1] == opened


@pytest.mark.parametrize("state", STATES)
def test_it_notes_the_first_opening_within_the_lookup_as_the_orm_does(state: str) -> None:
    """A GET's lookup with `opening_at` (one statement on PostgreSQL, the lookup and then
    note_first_opening elsewhere) leaves the row as invitations.note_opened leaves it, and the
    invitation it returns says what the row now holds."""
    by_orm, looked_up = link_in(state), link_in(state)
    before = row(looked_up)[1]
    moment = timezone.now()
    reference = Invitation.objects.get(pk=by_orm.invitation.pk)
    if reference.used_at is None and not reference.is_expired(moment):
        note_opened(reference)  # the view notes an opening only for an open link
    with CaptureQueriesContext(connection) as captured:
        found = find_invitation_to_answer(looked_up.token, opening_at=moment)
        assert found is not None
        if found.used_at is None and not found.is_expired(moment):
            note_first_opening(found, moment)
    stored, stored_by_orm = row(looked_up)[1], row(by_orm)[1]
    assert (stored is None) == (stored_by_orm is None) == (state in ("used", "expired"))
    if state == "fresh":
        assert stored == moment
    elif state == "opened":
        assert stored == before and stored_by_orm < moment  # the first opening is never moved
    assert found.opened_at == stored
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == (1 if connection.vendor == "postgresql" or state != "fresh" else 2)
