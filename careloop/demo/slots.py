"""Weekly slot snapshots: every Monday at 7:30, before the phones open, the next three open slots for
each provider and visit type.

Third-next-available is the Institute for Healthcare Improvement's measure of access (the third slot,
not the first, because a first slot is often a chance cancellation). It drifts up in winter, when demand
rises and the same providers have no more hours, and the busiest panels wait longest.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from careloop.demo.clinic_calendar import at, is_clinic_day
from careloop.demo.context import DemoContext, winter_pressure
from careloop.demo.practice import PROVIDERS, Provider
from careloop.demo.sampling import skewed
from careloop.demo.visits import session_slots
from careloop.events.models import SlotSnapshot, VisitType

TAKEN_AT = time(7, 30)


def third_available_days(rng: random.Random, provider: Provider, visit_type: str, day: date) -> float:
    if visit_type == VisitType.URGENT:
        return rng.uniform(0, 1.5)  # urgent slots are held back each day for same-day needs
    typical = provider.third_available_new if visit_type == VisitType.NEW else provider.third_available_established
    return float(typical * winter_pressure(day) ** 1.5 * skewed(rng, 1.0, 0.2))


def works_on(provider: Provider, day: date) -> bool:
    return is_clinic_day(day) and day.weekday() in provider.locations_by_weekday


def slot_on_or_after(rng: random.Random, provider: Provider, day: date) -> datetime:
    while not works_on(provider, day):
        day += timedelta(days=1)
    return rng.choice(session_slots(provider, day))


def next_three(rng: random.Random, provider: Provider, visit_type: str, taken: datetime) -> list[datetime]:
    third_days = third_available_days(rng, provider, visit_type, taken.date())
    offsets = sorted([rng.uniform(0.15, 0.8) * third_days, rng.uniform(0.5, 1.0) * third_days, third_days])
    return sorted(slot_on_or_after(rng, provider, taken.date() + timedelta(days=round(o))) for o in offsets)


def generate_slots(rng: random.Random, ctx: DemoContext) -> list[SlotSnapshot]:
    monday = ctx.start + timedelta(days=-ctx.start.weekday() % 7)
    snapshots = []
    while monday < ctx.today:
        taken = at(monday, TAKEN_AT)
        for provider in PROVIDERS:
            for visit_type in (VisitType.NEW, VisitType.ESTABLISHED, VisitType.URGENT):
                first, second, third = next_three(rng, provider, visit_type, taken)
                snapshots.append(
                    SlotSnapshot(
                        taken_at=ctx.aware(taken),
                        provider=provider.key,
                        visit_type=visit_type,
                        next_available_1=ctx.aware(first),
                        next_available_2=ctx.aware(second),
                        next_available_3=ctx.aware(third),
                    )
                )
        monday += timedelta(days=7)
    return snapshots
