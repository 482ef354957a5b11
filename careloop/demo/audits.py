"""Observation audits: a few times a week a manager watches a touchpoint and ticks one checklist standard
of the active journey (e.g. "receptionist asked permission to use first name").

Pass rates sit between 80 and 95 % and improve slowly over the year, as coached behaviours do; Monday
mornings fail more often, when the waiting room is full.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from careloop.demo.clinic_calendar import OPENS, at
from careloop.demo.context import DemoContext
from careloop.demo.practice import MONDAY
from careloop.demo.sampling import poisson
from careloop.events.models import Audit

AUDITS_PER_STANDARD_PER_WEEK = 2.0
MANAGER = "practice-manager"
FAILURE_NOTES = (
    "Missed while the waiting room was full.",
    "Not done: new team member, coached afterwards.",
    "Partly done; reminded at the huddle.",
    "Skipped during the phone rush.",
    "Done for the first patient observed, not the second.",
)
PASS_NOTES = ("", "", "", "", "Warm and clear.", "Good example for the huddle.")


def pass_probability(base: float, progress: float, moment: datetime) -> float:
    rate = base - 0.04 + 0.08 * progress
    if moment.weekday() == MONDAY and moment.hour < 10:
        rate -= 0.15
    return rate


def generate_audits(rng: random.Random, ctx: DemoContext) -> list[Audit]:
    days = ctx.clinic_days()
    if not days or not ctx.audit_standards:
        return []
    weeks: dict[tuple[int, int], list[date]] = {}
    for day in days:
        weeks.setdefault(day.isocalendar()[:2], []).append(day)
    base_rates = {key: rng.uniform(0.80, 0.95) for key in sorted(ctx.audit_standards)}
    moments: list[tuple[datetime, str]] = []
    for week_days in weeks.values():
        for key in sorted(ctx.audit_standards):
            for _ in range(poisson(rng, AUDITS_PER_STANDARD_PER_WEEK)):
                moment = at(rng.choice(week_days), OPENS) + timedelta(minutes=rng.randrange(0, 540))
                moments.append((moment, key))
    moments.sort()
    audits: list[Audit] = []
    for moment, key in moments:
        progress = (moment.date() - days[0]).days / max(1, (days[-1] - days[0]).days)
        passed = rng.random() < pass_probability(base_rates[key], progress, moment)
        owner = ctx.audit_standards[key] or MANAGER
        audits.append(
            Audit(
                audit_id=f"A{len(audits) + 1:05d}",
                standard=key,
                observed_at=ctx.aware(moment),
                observer=owner if rng.random() < 0.7 else MANAGER,
                passed=passed,
                note=rng.choice(PASS_NOTES if passed else FAILURE_NOTES),
            )
        )
    return audits
