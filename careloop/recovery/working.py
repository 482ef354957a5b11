"""Working a case: log a contact, resolve, reopen, close without contact, reassign, record the
patient's close-the-loop answer. Each change writes a CaseEvent and keeps the SLA's due-work column
(`escalate_after`) in step, in one transaction with the row locked, so two people clicking at once
cannot leave a case half-changed.

Status moves (docs/recovery.md): new → contacted → resolved; resolved → reopened → contacted/resolved;
new/reopened → closed without contact (with a reason). A logged contact that did not reach the patient
is kept in the log but does not stop the first-contact clock.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from careloop.accounts.models import StaffMember, User
from careloop.recovery import sla
from careloop.recovery.models import (
    REACHING_OUTCOMES,
    Case,
    CaseContact,
    CaseEvent,
    EventKind,
    Status,
)


class CaseStateError(Exception):
    """The change does not apply to the case as it is now (one sentence for the person)."""


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _event(case: Case, kind: str, by: User | None, at: datetime, note: str = "", before: str = "") -> None:
    CaseEvent.objects.create(case=case, at=at, kind=kind, by=by, from_status=before, to_status=case.status, note=note[:500])


def _next_escalation(case: Case) -> datetime | None:
    if not case.is_open:
        return None
    if case.first_contacted_at is None and not case.is_incident:
        return case.first_contact_due
    return case.resolution_due


def log_contact(case: Case, *, by: User, method: str, said: str, outcome: str, at: datetime | None = None) -> CaseContact:
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if row.is_incident:
            raise CaseStateError("An incident has no patient to contact: resolve it with what was done.")
        if not row.is_open:
            raise CaseStateError("This case is closed: reopen it before logging a contact.")
        contact = CaseContact.objects.create(case=row, at=moment, method=method, said=said, outcome=outcome, by=by)
        before = row.status
        if outcome in REACHING_OUTCOMES:
            if row.first_contacted_at is None:
                row.first_contacted_at = moment
            row.status = Status.CONTACTED
        if row.escalate_after is not None:  # None: every deadline already escalated
            row.escalate_after = _next_escalation(row)
        row.save(update_fields=["first_contacted_at", "status", "escalate_after"])
        _event(row, EventKind.CONTACTED, by, moment, f"{method}: {contact.get_outcome_display()}", before)
    _refresh(case, row)
    return contact


def resolve(
    case: Case,
    *,
    by: User,
    recovery_offered: list[str],
    cause_category: str,
    fix_level: str,
    note: str = "",
    at: datetime | None = None,
) -> None:
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if not row.is_open:
            raise CaseStateError("This case is already closed.")
        if row.first_contacted_at is None and not row.is_incident:
            raise CaseStateError(
                "Log the contact with the patient first; if they cannot be reached, close the case without contact."
            )
        before = row.status
        row.status = Status.RESOLVED
        row.resolved_at = moment
        row.recovery_offered = sorted(set(recovery_offered))
        row.cause_category = cause_category
        row.fix_level = fix_level
        row.escalate_after = None
        row.save(update_fields=["status", "resolved_at", "recovery_offered", "cause_category", "fix_level", "escalate_after"])
        _event(row, EventKind.RESOLVED, by, moment, note, before)
    _refresh(case, row)


def close_without_contact(case: Case, *, by: User, reason: str, at: datetime | None = None) -> None:
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if not row.is_open:
            raise CaseStateError("This case is already closed.")
        before = row.status
        row.status = Status.CLOSED_WITHOUT_CONTACT
        row.closed_reason = reason
        row.resolved_at = moment
        row.escalate_after = None
        row.save(update_fields=["status", "closed_reason", "resolved_at", "escalate_after"])
        _event(row, EventKind.CLOSED, by, moment, reason, before)
    _refresh(case, row)


def reopen(case: Case, *, by: User, reason: str, at: datetime | None = None) -> None:
    """A resolved case comes back: "recover once" is measured by how often this happens. The
    resolution clock starts again from now, under the case's terms."""
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if row.is_open:
            raise CaseStateError("This case is still open.")
        before = row.status
        terms = sla.terms_for(
            row.touchpoint.journey.recovery if row.touchpoint else {}, row.touchpoint.key if row.touchpoint else "", row.priority
        )
        row.status = Status.REOPENED
        row.reopen_count += 1
        row.resolved_at = None
        row.close_loop_answer = ""
        row.resolution_due = sla.due_at(moment, terms.resolution_days)
        row.escalated_at = None
        row.escalate_after = _next_escalation(row)
        row.save(
            update_fields=["status", "reopen_count", "resolved_at", "close_loop_answer", "resolution_due", "escalated_at", "escalate_after"]
        )
        _event(row, EventKind.REOPENED, by, moment, reason, before)
    _refresh(case, row)


def reassign(case: Case, *, by: User, owner: StaffMember, note: str = "", at: datetime | None = None) -> None:
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if row.owner_id == owner.pk:
            raise CaseStateError(f"{owner.name} already owns this case.")
        previous = row.owner.name if row.owner else "nobody"
        row.owner = owner
        row.save(update_fields=["owner"])
        _event(row, EventKind.REASSIGNED, by, moment, f"from {previous} to {owner.name}. {note}".strip(), row.status)
    _refresh(case, row)


def record_close_loop_answer(case: Case, *, by: User | None, answer: str, at: datetime | None = None) -> None:
    """The patient's own answer to "was this resolved for you?" (asked on the phone or by survey)."""
    moment = at or timezone.now()
    with transaction.atomic():
        row = _locked(case)
        if row.status != Status.RESOLVED:
            raise CaseStateError("Ask the patient once the case is resolved.")
        if row.is_incident:
            raise CaseStateError("An incident has no patient to ask.")
        row.close_loop_answer = answer
        row.save(update_fields=["close_loop_answer"])
        _event(row, EventKind.CLOSE_LOOP, by, moment, answer, row.status)
    _refresh(case, row)


def _refresh(case: Case, row: Case) -> None:
    for name in (
        "status", "first_contacted_at", "resolved_at", "recovery_offered", "cause_category", "fix_level", "closed_reason",
        "reopen_count", "resolution_due", "escalate_after", "escalated_at", "owner_id", "close_loop_answer",
    ):
        setattr(case, name, getattr(row, name))
