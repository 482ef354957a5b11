"""Referrals out: sent after a completed visit, then scheduled with the specialist, the consult report
received, and the loop closed when the referring provider has the report.

Loops stay open in real practices: primary-care physicians report getting the specialist's consult
report back after only 62 % of referrals (O'Malley and Reschovsky, Arch Intern Med 2011;171(1):56–65;
see also Mehrotra, Forrest and Lin, "Dropping the baton", Milbank Q 2011;89(1):39–68), which is why
CMS50 ("Closing the referral loop: receipt of specialist report") exists. The demo leaves
about a fifth of loops open after 60 days, so the standard is missed and the referral coordinator has a
worklist.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from careloop.demo.clinic_calendar import add_business_minutes
from careloop.demo.context import DemoContext
from careloop.demo.sampling import pick, skewed
from careloop.events.models import Referral, ReferralStatus, Visit, VisitStatus

# Referral rate per visit: 9.3 % of US ambulatory visits in 2009 (Barnett, Song and Landon,
# Arch Intern Med 2012;172(2):163–170).
REFERRAL_RATE = 0.093
BUSINESS_DAY_MINUTES = 540


@dataclass(frozen=True)
class Specialty:
    share: float
    days_to_appointment: float  # median days from scheduling to the specialist visit
    never_scheduled: float  # the patient never books (cost, distance, felt better)
    report_lost: float  # the specialist saw the patient but no report came back


SPECIALTIES: dict[str, Specialty] = {
    "cardiology": Specialty(0.14, 14, 0.06, 0.10),
    "dermatology": Specialty(0.12, 24, 0.12, 0.12),
    "orthopedics": Specialty(0.13, 10, 0.08, 0.10),
    "gastroenterology": Specialty(0.11, 21, 0.12, 0.08),
    "endocrinology": Specialty(0.07, 21, 0.09, 0.08),
    "behavioral-health": Specialty(0.13, 14, 0.18, 0.15),
    "neurology": Specialty(0.07, 28, 0.10, 0.10),
    "ophthalmology": Specialty(0.08, 18, 0.10, 0.12),
    "physical-therapy": Specialty(0.15, 5, 0.10, 0.08),
}
DECLINED = 0.03


@dataclass(slots=True)
class Loop:
    sent_at: datetime
    scheduled_at: datetime | None = None
    report_received_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled: bool = False


def follow_loop(rng: random.Random, specialty: Specialty, checkout: datetime) -> Loop:
    """One referral's path: sent by the coordinator within a couple of business days, booked by the
    specialist's office, seen, report back, and reviewed by the referring provider."""
    loop = Loop(add_business_minutes(checkout, skewed(rng, BUSINESS_DAY_MINUTES, 0.9)))
    if rng.random() < DECLINED:
        loop.cancelled = True
        return loop
    if rng.random() < specialty.never_scheduled:
        return loop
    loop.scheduled_at = loop.sent_at + timedelta(days=skewed(rng, 4, 0.7))
    if rng.random() < specialty.report_lost:
        return loop
    seen = loop.scheduled_at + timedelta(days=skewed(rng, specialty.days_to_appointment, 0.5))
    loop.report_received_at = add_business_minutes(seen, skewed(rng, 2 * BUSINESS_DAY_MINUTES, 0.8))
    loop.closed_at = add_business_minutes(loop.report_received_at, skewed(rng, BUSINESS_DAY_MINUTES, 1.0))
    return loop


def status_as_of(ctx: DemoContext, loop: Loop) -> str:
    if loop.cancelled:
        return ReferralStatus.CANCELLED
    for moment, status in (
        (loop.closed_at, ReferralStatus.CLOSED),
        (loop.report_received_at, ReferralStatus.REPORT_RECEIVED),
        (loop.scheduled_at, ReferralStatus.SCHEDULED),
    ):
        if moment is not None and moment < ctx.as_of:
            return status
    return ReferralStatus.SENT


def generate_referrals(rng: random.Random, ctx: DemoContext) -> list[Referral]:
    visits = [v for v in ctx.rows.get("visits", []) if isinstance(v, Visit) and v.status == VisitStatus.COMPLETED]
    weights = {name: s.share for name, s in SPECIALTIES.items()}
    referrals: list[Referral] = []
    for visit in visits:
        if rng.random() >= REFERRAL_RATE or visit.checkout_at is None:
            continue
        name = pick(rng, weights)
        loop = follow_loop(rng, SPECIALTIES[name], visit.checkout_at.replace(tzinfo=None))
        sent_at = ctx.aware_if_past(loop.sent_at)
        if sent_at is None:
            continue
        referrals.append(
            Referral(
                referral_id=f"R{len(referrals) + 1:06d}",
                visit_id=visit.visit_id,
                patient_ref=visit.patient_ref,
                specialty=name,
                sent_at=sent_at,
                scheduled_at=ctx.aware_if_past(loop.scheduled_at),
                report_received_at=ctx.aware_if_past(loop.report_received_at),
                closed_at=ctx.aware_if_past(loop.closed_at),
                status=status_as_of(ctx, loop),
            )
        )
    return referrals
