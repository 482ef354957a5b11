"""Opening a case, once per person and episode, however many rules, runs or workers find it.

The dedupe key names the person and the episode (`P-1001:visit:V-88`; an incident has no person:
`incident:comment:<id>`), and the database's unique index on it decides: the first insert wins, any
other finds the case and only adds its evidence (raising the priority if it is higher). So running
the rules twice, or in two workers at once, neither loses a case nor opens one twice (issue 7,
item 6). On PostgreSQL a second concurrent insert waits for the first and then fails on the unique
index; the savepoint catches that and the case is read instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role
from careloop.journeys.models import Journey, Touchpoint
from careloop.recovery import sla
from careloop.recovery.models import (
    PRIORITY_RANK,
    Case,
    CaseEvent,
    CaseEvidence,
    EventKind,
    Priority,
)


@dataclass(frozen=True)
class CaseOpening:
    """What a rule (or the complaint form) found: enough to open a case or to add to one."""

    dedupe_key: str
    trigger: str
    summary: str
    touchpoint_key: str
    priority: str
    evidence_kind: str
    evidence_ref: str
    patient_ref: str = ""
    is_incident: bool = False
    evidence_detail: str = ""


def practice_manager() -> StaffMember | None:
    """Who gets incidents and cases at touchpoints without an owner: the staff record of the first
    active practice manager (by name)."""
    return (
        StaffMember.objects.filter(user__role=Role.MANAGER, user__is_active=True, is_active=True).order_by("name", "pk").first()
    )


def _owner_for(touchpoint: Touchpoint | None, is_incident: bool) -> StaffMember | None:
    # An incident has no patient to call: it is the manager's to look into (issue 7, item 2).
    if is_incident or touchpoint is None or touchpoint.owner is None:
        return practice_manager() or (touchpoint.owner if touchpoint is not None else None)
    return touchpoint.owner


def open_case(
    opening: CaseOpening, *, journey: Journey | None = None, now: datetime | None = None, by: User | None = None
) -> tuple[Case, bool]:
    """The case for this person and episode, and whether this call opened it."""
    moment = now or timezone.now()
    active = journey or Journey.objects.filter(is_active=True).first()
    touchpoint = (
        Touchpoint.objects.select_related("owner").filter(journey=active, key=opening.touchpoint_key).first()
        if active is not None and opening.touchpoint_key
        else None
    )
    section = active.recovery if active is not None else {}
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(dedupe_key=opening.dedupe_key).first()
        created = False
        if case is None:
            case, created = _insert(opening, touchpoint, section, moment, by)
        if not created:
            _add_to(case, opening, section, moment)
        _add_evidence(case, opening, moment, by, announce=not created)
    return case, created


def _insert(
    opening: CaseOpening, touchpoint: Touchpoint | None, section: dict[str, object], moment: datetime, by: User | None
) -> tuple[Case, bool]:
    terms = sla.terms_for(section, opening.touchpoint_key, opening.priority)
    first_due, resolution_due = sla.deadlines(moment, terms)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                dedupe_key=opening.dedupe_key,
                patient_ref="" if opening.is_incident else opening.patient_ref,
                is_incident=opening.is_incident,
                trigger=opening.trigger,
                summary=opening.summary[:300],
                touchpoint=touchpoint,
                owner=_owner_for(touchpoint, opening.is_incident),
                priority=opening.priority,
                opened_at=moment,
                first_contact_due=first_due,
                resolution_due=resolution_due,
                # An incident has no first contact to make: its clock is the resolution.
                escalate_after=resolution_due if opening.is_incident else first_due,
            )
            CaseEvent.objects.create(case=case, at=moment, kind=EventKind.OPENED, by=by, to_status=case.status, note=case.summary)
    except IntegrityError:
        return Case.objects.select_for_update().get(dedupe_key=opening.dedupe_key), False
    return case, True


def _add_to(case: Case, opening: CaseOpening, section: dict[str, object], moment: datetime) -> None:
    """A second finding for an open case may make it more urgent; its clock then runs from when the
    case was opened under the stricter terms (never later than it was)."""
    if PRIORITY_RANK[Priority(opening.priority)] <= PRIORITY_RANK[Priority(case.priority)] or not case.is_open:
        return
    terms = sla.terms_for(section, case.touchpoint.key if case.touchpoint else "", opening.priority)
    first_due, resolution_due = sla.deadlines(case.opened_at, terms)
    case.priority = opening.priority
    case.first_contact_due = min(case.first_contact_due, first_due)
    case.resolution_due = min(case.resolution_due, resolution_due)
    if case.escalate_after is not None:
        case.escalate_after = case.first_contact_due if case.first_contacted_at is None and not case.is_incident else case.resolution_due
    case.save(update_fields=["priority", "first_contact_due", "resolution_due", "escalate_after"])


def _add_evidence(case: Case, opening: CaseOpening, moment: datetime, by: User | None, *, announce: bool) -> None:
    try:
        with transaction.atomic():
            CaseEvidence.objects.create(
                case=case,
                kind=opening.evidence_kind,
                ref=opening.evidence_ref,
                trigger=opening.trigger,
                detail=opening.evidence_detail[:300],
                added_at=moment,
            )
    except IntegrityError:
        return  # already there: the same rule found the same thing again
    if announce:
        CaseEvent.objects.create(case=case, at=moment, kind=EventKind.EVIDENCE_ADDED, by=by, note=opening.summary[:500])
