"""The answer pages' prepared lookup (surveys/answer_lookup.py) gives what the ORM's
select_related/only query gives, for a link in every state, in one statement and with nothing
read again when the page uses the version or the response."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from careloop.surveys.answer_lookup import INVITATION_COLUMNS, RESPONSE_COLUMNS, VERSION_COLUMNS
from careloop.surveys.models import Invitation, Response
from careloop.surveys.tokens import NewInvitation, find_invitation_to_answer, find_invitation_to_answer_by_orm
from tests.surveys.survey_links import expire, survey_link

pytestmark = pytest.mark.django_db


def seen(invitation: Invitation | None) -> dict[str, Any] | None:
    """Everything the answer pages read from a found invitation, read the way they read it."""
    if invitation is None:
        return None
    version = invitation.instrument_version
    try:
        response: Response | None = invitation.response
    except Response.DoesNotExist:
        response = None
    return {
        "invitation": {name: getattr(invitation, name) for name in INVITATION_COLUMNS},
        "deferred": invitation.get_deferred_fields(),
        "version": {name: getattr(version, name) for name in VERSION_COLUMNS},
        "response": {name: getattr(response, name) for name in RESPONSE_COLUMNS} if response else None,
        "is_expired": invitation.is_expired(),
    }


def both(token: str) -> tuple[Any, Any, int]:
    with CaptureQueriesContext(connection) as captured:
        fast = seen(find_invitation_to_answer(token))
    return fast, seen(find_invitation_to_answer_by_orm(token)), len(captured.captured_queries)


def _started(link: NewInvitation) -> None:
    Client().post(link.path(), {"page": "0", "lang": "es", "item-likely-to-recommend": "7"})


def _completed(link: NewInvitation, anonymity: str) -> None:
    _started(link)
    Client().post(link.path(), {"page": "1", "lang": "es", "anonymity": anonymity, "comment": "ok"})


@pytest.mark.parametrize("state", ["new", "started", "completed", "completed anonymously", "expired", "opened"])
def test_it_finds_what_the_orm_finds_in_one_statement(state: str) -> None:
    link = survey_link("nps", patient_ref="P-1", language="es")
    if state == "started":
        _started(link)
    elif state == "completed":
        _completed(link, "confidential")
    elif state == "completed anonymously":
        _completed(link, "anonymous")  # the response is cut loose from the invitation
    elif state == "expired":
        expire(link)
    elif state == "opened":
        Client().get(link.path())
    fast, reference, statements = both(link.token)
    assert fast == reference
    assert statements == 1  # the SELECT; version and response came with it
    assert fast is not None and fast["invitation"]["id"] == link.invitation.pk
    assert (fast["response"] is not None) == (state in ("started", "completed"))
    if state == "started":
        assert fast["response"]["language"] == "es" and fast["response"]["page"] == 1 and fast["response"]["is_complete"] is False
    if state == "completed":
        assert fast["invitation"]["used_at"] is not None and fast["response"]["is_complete"] is True
    assert fast["version"]["languages"] == ["en", "es"]


def test_it_finds_nothing_for_an_unknown_or_malformed_token() -> None:
    survey_link("nps", patient_ref="P-1")
    assert both("A" * 32)[:2] == (None, None)
    assert find_invitation_to_answer("not a token") is None
