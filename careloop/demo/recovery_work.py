"""The demo's service recovery: the rules open cases day by day over the last weeks, as the worker
would have, and the owners work them: most first contacts within the SLA, some late, most cases
resolved with a cause category and a fix level, a few reopened, a few closed without contact, and the
ones nobody touched overdue and escalated to the manager.

Runs after the demo's events and survey responses exist (it reads them through the rules), in its own
random stream, so it never changes the rows of the other parts. Everything goes through the same
functions the pages use (opening.py, working.py, escalation.py): the demo is the real flow, replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction

from careloop.accounts.models import User
from careloop.accounts.roles import Role
from careloop.measures.business_time import practice_zone
from careloop.recovery import working
from careloop.recovery.escalation import escalate_overdue_cases
from careloop.recovery.models import (
    Case,
    CauseCategory,
    EscalationDigest,
    FixLevel,
    RecoveryOffered,
    Trigger,
)
from careloop.recovery.rules import open_cases_by_rules

# Thirteen weeks of cases: a quarter, enough weekly points for an SPC chart of the recovery standards.
DEMO_DAYS = 91
# Rules run at the end of the working day, as a worker's evening round would find them.
ROUND_AT = time(17, 30)

# What tends to go wrong, and what puts it right, by what opened the case (plausible, not measured).
CAUSES: dict[str, dict[str, float]] = {
    Trigger.LONG_WAIT: {CauseCategory.PROCESS: 0.6, CauseCategory.PEOPLE: 0.2, CauseCategory.PLACE: 0.2},
    Trigger.REFERRAL_OPEN: {CauseCategory.PROCESS: 0.5, CauseCategory.EXTERNAL: 0.4, CauseCategory.TECHNOLOGY: 0.1},
    Trigger.BILLING_UNANSWERED: {CauseCategory.PROCESS: 0.5, CauseCategory.POLICY: 0.3, CauseCategory.TECHNOLOGY: 0.2},
    Trigger.DETRACTOR: {CauseCategory.COMMUNICATION: 0.5, CauseCategory.PEOPLE: 0.3, CauseCategory.PROCESS: 0.2},
    Trigger.BOTTOM_BOX: {CauseCategory.COMMUNICATION: 0.5, CauseCategory.PEOPLE: 0.3, CauseCategory.PROCESS: 0.2},
    Trigger.URGENT_COMMENT: {CauseCategory.PEOPLE: 0.4, CauseCategory.PLACE: 0.3, CauseCategory.PROCESS: 0.3},
    Trigger.COMPLAINT: {CauseCategory.PEOPLE: 0.5, CauseCategory.COMMUNICATION: 0.5},
}
OFFERS: dict[str, list[str]] = {
    Trigger.LONG_WAIT: [RecoveryOffered.APOLOGY, RecoveryOffered.EXPLANATION],
    Trigger.REFERRAL_OPEN: [RecoveryOffered.APOLOGY, RecoveryOffered.REFERRAL_CHASED],
    Trigger.BILLING_UNANSWERED: [RecoveryOffered.APOLOGY, RecoveryOffered.BILLING_ADJUSTMENT],
    Trigger.DETRACTOR: [RecoveryOffered.APOLOGY, RecoveryOffered.EXPLANATION],
    Trigger.BOTTOM_BOX: [RecoveryOffered.APOLOGY, RecoveryOffered.REBOOKING],
    Trigger.URGENT_COMMENT: [RecoveryOffered.CLINICAL_FOLLOW_UP],
    Trigger.COMPLAINT: [RecoveryOffered.APOLOGY],
}
SAID = {
    "reached": "Listened to the whole story, apologised, agreed what happens next and when I will call back.",
    "left_message": "Left a message asking them to call me back on the direct line.",
}


@dataclass
class RecoveryDemo:
    opened: int = 0
    contacted: int = 0
    resolved: int = 0
    reopened: int = 0
    closed_without_contact: int = 0
    escalated: int = 0
    open_now: int = 0
    by_trigger: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"Recovery: {self.opened:,} cases opened by the rules, {self.resolved:,} resolved, {self.reopened} reopened, "
            f"{self.closed_without_contact} closed without contact, {self.escalated} escalated, {self.open_now} open."
        )


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    case_id: int = field(compare=False)
    action: str = field(compare=False)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _actor(case: Case, manager: User | None) -> User | None:
    owner_user = case.owner.user if case.owner is not None else None
    return owner_user or manager


def plan_case(rng: random.Random, case: Case, counter: list[int]) -> list[Step]:
    """When this case's owner will do what: first contact early or late, then the outcome."""

    def step(at: datetime, action: str) -> Step:
        counter[0] += 1
        return Step(at, counter[0], case.pk, action)

    roll = rng.random()
    if roll < 0.08:
        return []  # nobody gets to it: it goes overdue and is escalated
    if case.is_incident:
        return [step(case.opened_at + timedelta(hours=rng.uniform(2, 30)), "resolve")]
    if roll < 0.11:
        return [step(case.first_contact_due + timedelta(hours=rng.uniform(1, 48)), "close")]
    # Most first contacts land before the deadline; about one in five after it.
    if rng.random() < 0.8:
        span = (case.first_contact_due - case.opened_at).total_seconds()
        first = case.opened_at + timedelta(seconds=rng.uniform(0.05, 0.95) * span)
    else:
        first = case.first_contact_due + timedelta(hours=rng.uniform(2, 40))
    steps = []
    if rng.random() < 0.2:
        steps.append(step(first, "left_message"))
        first += timedelta(hours=rng.uniform(3, 20))
    steps.append(step(first, "reached"))
    if rng.random() < 0.85:
        resolved = first + timedelta(hours=rng.uniform(1, 96))
        steps.append(step(resolved, "resolve"))
        if rng.random() < 0.6:
            steps.append(step(resolved + timedelta(days=rng.uniform(1, 5)), "answer"))
        if rng.random() < 0.08:
            reopened = resolved + timedelta(days=rng.uniform(1, 6))
            steps.append(step(reopened, "reopen"))
            steps.append(step(reopened + timedelta(hours=rng.uniform(4, 72)), "resolve"))
    return steps


def _do(rng: random.Random, step: Step, manager: User | None, result: RecoveryDemo) -> None:
    case = Case.objects.select_related("owner__user").get(pk=step.case_id)
    by = _actor(case, manager)
    assert by is not None
    try:
        if step.action in SAID:
            working.log_contact(case, by=by, method="phone", said=SAID[step.action], outcome=step.action, at=step.at)
            result.contacted += step.action == "reached"
        elif step.action == "resolve":
            fix = FixLevel.PROCESS if rng.random() < 0.3 else FixLevel.THIS_PATIENT
            working.resolve(
                case, by=by, recovery_offered=OFFERS[case.trigger], cause_category=_pick(rng, CAUSES[case.trigger]),
                fix_level=fix, note="", at=step.at,
            )
            result.resolved += 1
        elif step.action == "answer":
            answer = _pick(rng, {"yes": 0.7, "partly": 0.2, "no": 0.1})
            working.record_close_loop_answer(case, by=by, answer=answer, at=step.at)
        elif step.action == "reopen":
            working.reopen(case, by=by, reason="The patient called back: it happened again.", at=step.at)
            result.reopened += 1
        elif step.action == "close":
            working.close_without_contact(case, by=by, reason="Three calls on different days, no answer; letter sent.", at=step.at)
            result.closed_without_contact += 1
    except working.CaseStateError:
        pass  # e.g. the answer step of a case reopened since: skipped, as a person would


def work_demo_cases(*, seed: int, today: date, days: int = DEMO_DAYS) -> RecoveryDemo:
    """Replace the previous demo's cases with a quarter of recovery work up to `today`."""
    rng = random.Random(f"careloop-demo/{seed}/recovery")
    zone = practice_zone()
    as_of = datetime.combine(today, time(0, 0), tzinfo=zone)
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("email").first()
    result = RecoveryDemo()
    pending: list[Step] = []
    counter = [0]
    with transaction.atomic():
        Case.objects.all().delete()
        EscalationDigest.objects.all().delete()
        since = datetime.combine(today - timedelta(days=days + 1), ROUND_AT, tzinfo=zone)
        for offset in range(days, 0, -1):
            tick = min(datetime.combine(today - timedelta(days=offset), ROUND_AT, tzinfo=zone), as_of)
            before = set(Case.objects.values_list("pk", flat=True))
            open_cases_by_rules(tick, since=since)
            since = tick
            for case in Case.objects.exclude(pk__in=before).order_by("pk"):
                pending.extend(s for s in plan_case(rng, case, counter))
            pending.sort()
            day_end = min(tick + timedelta(days=1), as_of)
            while pending and pending[0].at <= day_end:
                _do(rng, pending.pop(0), manager, result)
            result.escalated += escalate_overdue_cases(day_end).escalated
        result.opened = Case.objects.count()
        result.open_now = sum(1 for c in Case.objects.all() if c.is_open)
    return result
