"""Survey links: single-use, unguessable tokens, of which only a SHA-256 is stored.

A token is 24 random bytes from `secrets` (192 bits, above the 128 bits OWASP asks of session
identifiers), written URL-safe. The database keeps SHA-256(token): a leaked copy of it does not
reveal any live link, and a plain hash is enough because the token is random, not a password
(no dictionary to guess from).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from careloop.events.models import Visit, VisitStatus
from careloop.surveys.answer_lookup import find_by_token_hash
from careloop.surveys.models import Audience, InstrumentVersion, Invitation, InvitationChannel

TOKEN_BYTES = 24
DEFAULT_DAYS_VALID = 14
# What token_urlsafe(24) produces; anything else is not one of our tokens and is not looked up.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class InvitationError(ValueError):
    """Why an invitation cannot be made, in one sentence for the person asking."""


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str

    def path(self) -> str:
        return f"/s/{self.token}/"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def find_invitation(token: str) -> Invitation | None:
    if not TOKEN_PATTERN.match(token):
        return None
    return Invitation.objects.select_related("instrument_version__instrument").filter(token_hash=hash_token(token)).first()


# What the answer pages read (views.py, answering.py); everything else stays in the database. The
# version's definition is left out on purpose: instrument_cache parses it once per process.
ANSWER_PAGE_FIELDS = (
    "instrument_version_id", "touchpoint", "provider", "location", "visit_type", "language", "expires_at", "used_at",
    "opened_at", "instrument_version__languages", "instrument_version__content_hash",
    "response__invitation_id", "response__instrument_version_id", "response__language", "response__touchpoint",
    "response__page", "response__started_at", "response__is_complete",
)


def find_invitation_to_answer(token: str, opening_at: datetime | None = None) -> Invitation | None:
    """The invitation behind an answer page, with its version and its response in progress (if any),
    in one statement. Only the columns the answer pages use are read. The statement is prepared once
    (answer_lookup.py says why); it gives what find_invitation_to_answer_by_orm gives. A field left out
    still loads if read, at the price of one more query (tests/surveys/test_answer_statements.py).
    `opening_at`: a GET of the page; where the database allows, the same statement notes the link's
    first opening (answer_lookup.find_by_token_hash)."""
    if not TOKEN_PATTERN.match(token):
        return None
    return find_by_token_hash(hash_token(token), opening_at=opening_at)


def find_invitation_to_answer_by_orm(token: str) -> Invitation | None:
    """The reference for find_invitation_to_answer, built by the ORM on each call
    (tests/surveys/test_find_invitation_fast.py compares the two)."""
    if not TOKEN_PATTERN.match(token):
        return None
    try:
        return Invitation.objects.select_related("instrument_version", "response").only(*ANSWER_PAGE_FIELDS).get(token_hash=hash_token(token))
    except Invitation.DoesNotExist:
        return None


def create_invitation(
    version: InstrumentVersion,
    *,
    visit: Visit | None = None,
    patient_ref: str = "",
    touchpoint: str = "",
    channel: str = InvitationChannel.LINK,
    language: str = "",
    days_valid: int = DEFAULT_DAYS_VALID,
    now: datetime | None = None,
) -> NewInvitation:
    """A new single-use invitation; the token is returned once and never stored."""
    if days_valid < 1:
        raise InvitationError("an invitation must stay open for at least 1 day")
    if language and language not in version.languages:
        raise InvitationError(
            f"{version.instrument.key} is written in {', '.join(version.languages)}, not {language!r}"
        )
    if version.instrument.audience == Audience.PATIENT and visit is None and not patient_ref:
        raise InvitationError(f"{version.instrument.key} is a patient survey: give a visit or a patient reference")
    created = now or timezone.now()
    token = new_token()
    invitation = Invitation.objects.create(
        token_hash=hash_token(token),
        instrument_version=version,
        visit_id=visit.visit_id if visit else "",
        patient_ref=visit.patient_ref if visit else patient_ref,
        touchpoint=touchpoint,
        provider=visit.provider if visit else "",
        location=visit.location if visit else "",
        visit_type=visit.visit_type if visit else "",
        channel=channel,
        language=language,
        created_at=created,
        expires_at=created + timedelta(days=days_valid),
    )
    return NewInvitation(invitation, token)


def completed_visit(visit_id: str) -> Visit:
    visit = Visit.objects.filter(visit_id=visit_id).first()
    if visit is None:
        raise InvitationError(f"no visit has the id {visit_id!r}")
    if visit.status != VisitStatus.COMPLETED:
        raise InvitationError(f"visit {visit_id} is {visit.get_status_display().lower()}: only completed visits are surveyed")
    return visit
