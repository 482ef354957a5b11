"""Patient messages (portal, text, email): they arrive around the clock, staff answer in opening hours.

Response times count business minutes: a message sent on Saturday evening is first seen on Monday at
8:00. Most get an answer the same or next business day; a few wait in a shared inbox for days (the tail
a "reply within 2 business days" standard is written to catch). In the first half of August the team is
short (summer leave), and responses slow down: a shift the SPC charts should find.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from careloop.demo.clinic_calendar import add_business_minutes
from careloop.demo.context import DemoContext
from careloop.demo.sampling import pick, poisson, skewed
from careloop.events.models import Message, MessageChannel, Visit

MESSAGES_PER_WEEKDAY = 26.0
MESSAGES_PER_WEEKEND_DAY = 8.0
# Relative number of messages in each hour of the day; none between midnight and 6:00.
HOURLY_WEIGHT = (0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 7, 6, 6, 6, 5, 5, 4, 4, 5, 5, 4, 2, 1)
CHANNELS = {MessageChannel.PORTAL: 0.8, MessageChannel.SMS: 0.13, MessageChannel.EMAIL: 0.07}
MEDIAN_RESPONSE_MINUTES = 110
FORGOTTEN_IN_INBOX = 0.05
BUSINESS_DAY_MINUTES = 540


def short_staffed(day: date) -> bool:
    return day.month == 8 and day.day <= 14


def draw_received_at(rng: random.Random, day: date) -> datetime:
    hour = rng.choices(range(24), weights=HOURLY_WEIGHT)[0]
    return datetime.combine(day, time(hour)) + timedelta(seconds=rng.randrange(3600))


def draw_response_minutes(rng: random.Random, day: date) -> float:
    delay = skewed(rng, MEDIAN_RESPONSE_MINUTES * (2.5 if short_staffed(day) else 1.0), 1.0)
    if rng.random() < FORGOTTEN_IN_INBOX:
        delay += rng.uniform(2, 5) * BUSINESS_DAY_MINUTES
    return delay


def message_patients(ctx: DemoContext) -> list[str]:
    """Patients who write are patients of the practice: those with visits in the period."""
    refs = sorted({v.patient_ref for v in ctx.rows.get("visits", []) if isinstance(v, Visit)})
    return refs or [f"P{n:06d}" for n in range(1, 1001)]


def generate_messages(rng: random.Random, ctx: DemoContext) -> list[Message]:
    patients = message_patients(ctx)
    messages: list[Message] = []
    for day in ctx.calendar_days():
        per_day = MESSAGES_PER_WEEKDAY if day.weekday() < 5 else MESSAGES_PER_WEEKEND_DAY
        for received in sorted(draw_received_at(rng, day) for _ in range(poisson(rng, per_day))):
            first_response = add_business_minutes(received, draw_response_minutes(rng, day))
            closed = first_response
            if rng.random() > 0.55:  # needs a second exchange (a refill, a form, a result to explain)
                closed = add_business_minutes(first_response, skewed(rng, BUSINESS_DAY_MINUTES, 0.8))
            messages.append(
                Message(
                    message_id=f"M{len(messages) + 1:07d}",
                    channel=pick(rng, CHANNELS),
                    patient_ref=rng.choice(patients),
                    received_at=ctx.aware(received),
                    first_response_at=ctx.aware_if_past(first_response),
                    closed_at=ctx.aware_if_past(closed),
                )
            )
    return messages
