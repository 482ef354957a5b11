"""Working a review: evidence links, causes, actions, and marking an action done (which records
a process change on the review's standard so its SPC chart starts new limits)."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction

from careloop.accounts.models import StaffMember, User
from careloop.governance.models import (
    Action,
    ActionStatus,
    Cause,
    EvidenceKind,
    FishboneCategory,
    Review,
    ReviewEvidence,
)
from careloop.measures.models import Measurement, ProcessChangeSource, Signal
from careloop.measures.process_changes import record_process_change

MAX_WHYS = 5


class ReviewError(ValueError):
    """Something a review cannot take, said in one sentence."""


def _as_uuid(ref: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(ref.strip())
    except ValueError:
        raise ReviewError(f"A {what} is linked by its id (a UUID such as 6f1c2a4e-…), not {ref!r}.") from None


def evidence_exists(kind: str, ref: str) -> bool:
    from careloop.feedback.models import CommentAnalysis
    from careloop.recovery.models import Case

    if kind == EvidenceKind.MEASUREMENT:
        if not ref.strip().isdigit():
            raise ReviewError(f"A measurement is linked by its number, not {ref!r}.")
        return Measurement.objects.filter(pk=int(ref)).exists()
    if kind not in EvidenceKind.values:
        raise ReviewError(f"Evidence is one of {', '.join(EvidenceKind.values)}, not {kind!r}.")
    key = _as_uuid(ref, EvidenceKind(kind).label.lower())
    if kind == EvidenceKind.SIGNAL:
        return Signal.objects.filter(external_id=key).exists()
    if kind == EvidenceKind.CASE:
        return Case.objects.filter(external_id=key).exists()
    return CommentAnalysis.objects.filter(external_id=key).exists()


def link_evidence(review: Review, kind: str, ref: str, note: str = "") -> ReviewEvidence:
    ref = ref.strip()
    if not evidence_exists(kind, ref):
        raise ReviewError(f"No {EvidenceKind(kind).label.lower()} has the id {ref}.")
    evidence, _ = ReviewEvidence.objects.get_or_create(review=review, kind=kind, ref=ref, defaults={"note": note.strip()[:300]})
    return evidence


def add_cause(review: Review, statement: str, category: str, whys: list[str]) -> Cause:
    statement = statement.strip()
    if not statement:
        raise ReviewError("State the root cause in one sentence.")
    if category not in FishboneCategory.values:
        raise ReviewError(f"A cause's category is one of {', '.join(FishboneCategory.values)}, not {category!r}.")
    chain = [why.strip() for why in whys if why.strip()]
    if len(chain) > MAX_WHYS:
        raise ReviewError(f"Five whys at most: {len(chain)} given.")
    return Cause.objects.create(review=review, statement=statement[:300], category=category, whys=chain)


def add_action(review: Review, description: str, owner: StaffMember, due_on: date) -> Action:
    description = description.strip()
    if not description:
        raise ReviewError("Describe the action: what will be changed, by whom.")
    return Action.objects.create(review=review, description=description[:300], owner=owner, due_on=due_on)


def mark_action_done(action: Action, done_on: date, user: User | None) -> Action:
    """Done, effective `done_on`; records the change on the review's standard (when it has one).

    The status update is conditional on the status read, so two people marking it done at once
    record one process change, not two."""
    if not action.is_open:
        raise ReviewError(f"This action is already {action.get_status_display().lower()}.")
    with transaction.atomic():
        changed = Action.objects.filter(pk=action.pk, status=action.status).update(
            status=ActionStatus.DONE, done_on=done_on
        )
        if changed != 1:
            raise ReviewError("Someone else changed this action a moment ago; reload the page.")
        standard = action.review.standard
        if standard is not None:
            change = record_process_change(
                standard,
                done_on,
                f"Governance review “{action.review.title}”: {action.description}"[:500],
                user=user,
                source=ProcessChangeSource.GOVERNANCE,
            )
            Action.objects.filter(pk=action.pk).update(process_change=change)
    action.refresh_from_db()
    return action


def set_action_status(action: Action, status: str) -> Action:
    """Planned ↔ in progress, or dropped; done goes through mark_action_done."""
    if status not in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DROPPED):
        raise ReviewError(f"Use 'mark done' to finish an action; a status is one of planned, in progress, dropped, not {status!r}.")
    if not action.is_open:
        raise ReviewError(f"This action is already {action.get_status_display().lower()}.")
    Action.objects.filter(pk=action.pk).update(status=status)
    action.refresh_from_db()
    return action


def process_since(review: Review) -> date | None:
    """Where the process the review is fixing began: its signal's first period, when the signal is
    on the review's standard (remeasure.py judges the fix against that process's limits)."""
    if review.signal is not None and review.signal.standard_id == review.standard_id:
        return review.signal.first_period
    return None


def latest_change_date(review: Review) -> date | None:
    """The day the review's fix took effect: its latest action done."""
    done = [a.done_on for a in review.actions.all() if a.status == ActionStatus.DONE and a.done_on is not None]
    return max(done) if done else None
