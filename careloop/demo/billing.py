"""Billing inquiries: a statement question is answered in a day; an insurance denial or a coding error
takes weeks, because someone else (the payer) has to act. That long tail is what a "resolved within
N days" standard on billing measures."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from careloop.demo.clinic_calendar import OPENS, add_business_minutes, at, next_open_moment
from careloop.demo.context import DemoContext
from careloop.demo.messages import message_patients
from careloop.demo.sampling import pick, poisson, skewed
from careloop.events.models import BillingInquiry

INQUIRIES_PER_CLINIC_DAY = 9.0
MEDIAN_FIRST_RESPONSE_MINUTES = 240


@dataclass(frozen=True)
class Category:
    share: float
    median_days: float  # from first response to resolution
    spread: float


CATEGORIES: dict[str, Category] = {
    "statement-question": Category(0.30, 1.0, 0.8),
    "insurance-denial": Category(0.18, 18.0, 0.7),
    "payment-plan": Category(0.12, 2.0, 0.7),
    # A good-faith estimate is due within 1–3 business days under the No Surprises Act (45 CFR 149.610).
    "price-estimate": Category(0.10, 1.5, 0.5),
    "refund": Category(0.08, 12.0, 0.6),
    "coding-error": Category(0.10, 10.0, 0.7),
    "copay-dispute": Category(0.12, 3.0, 0.8),
}


def draw_opened_at(rng: random.Random, day: date) -> datetime:
    if rng.random() < 0.75:  # by phone or at the desk, in opening hours
        return at(day, OPENS) + timedelta(seconds=rng.randrange(9 * 3600))
    return at(day, OPENS) + timedelta(seconds=rng.randrange(-3600, 14 * 3600))  # portal, 7:00 to 22:00


def generate_billing(rng: random.Random, ctx: DemoContext) -> list[BillingInquiry]:
    patients = message_patients(ctx)
    weights = {name: c.share for name, c in CATEGORIES.items()}
    inquiries: list[BillingInquiry] = []
    for day in ctx.clinic_days():
        for opened in sorted(draw_opened_at(rng, day) for _ in range(poisson(rng, INQUIRIES_PER_CLINIC_DAY))):
            name = pick(rng, weights)
            category = CATEGORIES[name]
            first_response = add_business_minutes(opened, skewed(rng, MEDIAN_FIRST_RESPONSE_MINUTES, 0.9))
            resolved = next_open_moment(
                first_response + timedelta(days=skewed(rng, category.median_days, category.spread))
            )
            inquiries.append(
                BillingInquiry(
                    inquiry_id=f"B{len(inquiries) + 1:06d}",
                    patient_ref=rng.choice(patients),
                    opened_at=ctx.aware(opened),
                    first_response_at=ctx.aware_if_past(first_response),
                    resolved_at=ctx.aware_if_past(resolved),
                    category=name,
                )
            )
    return inquiries
