"""Deny by default for one response: the one way a page reads a single patient's answers.

Without `can_view_responses`, for an unknown id, or for a survey not finished, the answer is the
same 404, so a guessed id and a real one look alike. Every read that succeeds is written to the
audit log in the same transaction (45 CFR 164.312(b); the pattern of events/access.py).

Identity (the patient reference and the visit) is shown only for confidential and "contact me"
responses, which keep their link to the invitation; an anonymous response was cut loose from it on
completion (answering.complete), so there is nothing to show and nothing can be shown by mistake.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404, HttpRequest

from careloop.accounts import audit
from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_RESPONSES
from careloop.surveys.answering import option_label
from careloop.surveys.instrument_file import FREE_TEXT, InstrumentSpec, spec_of
from careloop.surveys.languages import wording
from careloop.surveys.models import Anonymity, Response

# The audit log's names for what a response page shows (accounts/audit.py AUDITABLE_FIELDS).
IDENTITY_FIELDS = ("patient_ref", "visit")


@dataclass(frozen=True)
class Identity:
    patient_ref: str
    visit_id: str


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str


@dataclass(frozen=True)
class ResponseView:
    response: Response
    title: str
    answers: list[AnswerLine] = field(default_factory=list)
    identity: Identity | None = None


def _parse_id(external_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return uuid.UUID(str(external_id))
    except ValueError:
        raise Http404 from None


def answer_lines(spec: InstrumentSpec, response: Response) -> list[AnswerLine]:
    """The answers in the order the questions were asked, with their English wording."""
    words = wording("en")
    given = dict(response.answers.values_list("item_key", "value"))
    lines = []
    for item in spec.items():
        value = given.get(item.key)
        if value is None:
            continue
        # Free text, or a code the version does not know (never expected), is shown as stored.
        as_stored = item.type == FREE_TEXT or value not in item.codes
        label = value if as_stored else option_label(item, value, "en", words)
        lines.append(AnswerLine(item.text.get("en", item.key), label))
    return lines


def identity_of(response: Response) -> Identity | None:
    invitation = response.invitation
    if response.anonymity == Anonymity.ANONYMOUS or invitation is None:
        return None
    return Identity(patient_ref=invitation.patient_ref, visit_id=invitation.visit_id)


def get_response_or_404(user: User, external_id: str | uuid.UUID, request: HttpRequest | None = None) -> ResponseView:
    """One complete response with its answers, audited; 404 alike for no permission and not found."""
    if not user.can(CAN_VIEW_RESPONSES):
        raise Http404
    wanted = _parse_id(external_id)
    with transaction.atomic():
        response = (
            Response.objects.select_related("instrument_version__instrument", "invitation")
            .filter(external_id=wanted, is_complete=True)
            .first()
        )
        if response is None:
            raise Http404
        spec = spec_of(response.instrument_version)
        identity = identity_of(response)
        audit.record(
            user,
            "read",
            "survey_response",
            str(response.external_id),
            patient_ref=identity.patient_ref if identity else "",
            fields=IDENTITY_FIELDS if identity else (),
            request=request,
        )
        view = ResponseView(response, spec.title.get("en", spec.key), answer_lines(spec, response), identity)
    return view
