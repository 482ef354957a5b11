"""Phone calls: arrivals by queue, weekday and hour, and a first-come-first-served queue per phone queue
with a few agents and callers who hang up when they have waited longer than their patience.

Calls peak when the practice opens and after lunch, and Monday morning brings the weekend's backlog
(about twice the calls of other mornings) to the same number of agents, so waits and abandonment climb
there, which is the pattern practices report and the reason "answer within 30 seconds" standards fail on
Mondays. The queue is simulated, not drawn from a formula: each caller takes the first agent free
(an M/G/c queue with impatient callers, the textbook model of a call centre: Gans, Koole and
Mandelbaum, "Telephone call centers: tutorial, review, and research prospects", M&SOM 2003;5(2):79–141).

The demo's deliberate signal: about four months before the data ends, a new receptionist takes over
the first seat on the appointments line on Mondays. Still learning the booking system, she takes
much longer per call, so on Mondays callers wait longer and more of them hang up. The standards
"calls answered within 30 seconds" and "callers who hang up" should show special cause for concern
from then on (docs/demo.md; tests/demo/test_demo_six_months.py checks that they do).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from careloop.demo.clinic_calendar import OPENS, at, months_before
from careloop.demo.context import DemoContext, winter_pressure
from careloop.demo.practice import MONDAY
from careloop.demo.sampling import pick, poisson, skewed
from careloop.events.models import Call

# Share of each opening hour (8:00 … 16:00) in a day's calls: opening rush, then after lunch.
HOURLY_SHARE = (0.16, 0.15, 0.12, 0.10, 0.07, 0.12, 0.10, 0.09, 0.09)
WEEKDAY_FACTOR = (1.15, 1.0, 0.95, 0.93, 0.85)
# The weekend's backlog lands on Monday between 8 and 10.
MONDAY_MORNING_FACTOR = 1.9

# The new receptionist (staff key as the agent field records it), when she starts (months before
# the data ends), which queue and day she works, and how much longer she takes per call than the
# queue's median: a trainee's handling time, assumed about double (no published figure: chosen so
# that the change is visible on a weekly chart, as it would be in a practice that noticed it),
NEW_RECEPTIONIST = "nadia-santos"
NEW_RECEPTIONIST_MONTHS_BEFORE_END = 4
NEW_RECEPTIONIST_QUEUE = "appointments"
NEW_RECEPTIONIST_TALK_FACTOR = 2.0
# She lets the phone ring this many seconds (uniform) before picking up,
NEW_RECEPTIONIST_PICKUP_SECONDS = (20.0, 45.0)
# and her after-call work (notes in the booking system) takes several times the usual 15-60 s.
NEW_RECEPTIONIST_WRAP_UP_FACTOR = 4.0
# The governance committee's fix (careloop/demo/governance_story.py): two weeks of booking-system
# training and a buddy on Monday mornings, in effect this many weeks after she starts (from the Monday
# of her first week). From then on she handles calls like the rest of the team: the generator models
# the improvement that the review's re-measurement should find by SPC.
NEW_RECEPTIONIST_TRAINED_AFTER_WEEKS = 8


@dataclass(frozen=True)
class Queue:
    key: str
    calls_per_day: float
    agents: tuple[str, ...]  # staff keys, first to answer first
    agents_by_hour: tuple[int, ...]  # how many of them take calls in each opening hour
    talk_minutes: float  # median handling time
    patience_seconds: float  # mean time a caller waits before hanging up
    outcomes: dict[str, float]


QUEUES: tuple[Queue, ...] = (
    Queue(
        "appointments", 62.0, ("liz-moore", "kenji-watanabe", "phone-team-lead", "scheduling-lead"),
        (2, 2, 3, 3, 2, 3, 3, 3, 2), 3.6, 110,
        {"booked": 0.48, "rescheduled": 0.2, "cancelled": 0.1, "information": 0.22},
    ),
    Queue(
        "billing", 11.0, ("olga-petrenko", "billing-lead"),
        (1, 1, 2, 2, 1, 2, 2, 2, 1), 5.5, 150,
        {"resolved": 0.55, "inquiry-opened": 0.3, "payment-taken": 0.15},
    ),
    Queue(
        "nurse-line", 22.0, ("fatima-siddiqui", "nurse-manager"),
        (1, 2, 2, 2, 1, 2, 2, 1, 1), 5.0, 170,
        {"advice-given": 0.5, "appointment-booked": 0.3, "message-to-provider": 0.2},
    ),
    Queue(
        "general", 17.0, ("luz-herrera", "jamal-carter", "front-desk-lead"),
        (1, 1, 1, 1, 1, 1, 1, 1, 1), 2.0, 100,
        {"information": 0.6, "transferred": 0.3, "message-taken": 0.1},
    ),
)


@dataclass(slots=True)
class Arrival:
    started_at: datetime
    patience: float  # seconds


def calls_in_hour(rng: random.Random, queue: Queue, day: date, hour_index: int) -> int:
    mean = queue.calls_per_day * HOURLY_SHARE[hour_index] * WEEKDAY_FACTOR[day.weekday()]
    mean *= 0.85 + 0.15 * winter_pressure(day) / 1.0
    if day.weekday() == MONDAY and hour_index < 2:
        mean *= MONDAY_MORNING_FACTOR
    return poisson(rng, mean)


def arrivals_for_day(rng: random.Random, queue: Queue, day: date) -> list[Arrival]:
    arrivals = []
    for hour_index in range(len(HOURLY_SHARE)):
        hour_start = at(day, OPENS) + timedelta(hours=hour_index)
        for _ in range(calls_in_hour(rng, queue, day, hour_index)):
            started = hour_start + timedelta(seconds=rng.uniform(0, 3600))
            arrivals.append(Arrival(started.replace(microsecond=0), rng.expovariate(1 / queue.patience_seconds)))
    arrivals.sort(key=lambda a: a.started_at)
    return arrivals


def new_receptionist_starts(ctx: DemoContext) -> date:
    return months_before(ctx.today, NEW_RECEPTIONIST_MONTHS_BEFORE_END)


def staffed_queue(queue: Queue, day: date, starts: date) -> tuple[Queue, str | None]:
    """The queue as staffed that day, and the agent (if any) who is new and slow: from her start,
    on Mondays, the new receptionist takes the appointments line's first seat."""
    if queue.key != NEW_RECEPTIONIST_QUEUE or day < starts or day.weekday() != MONDAY:
        return queue, None
    agents = (NEW_RECEPTIONIST, *queue.agents[1:])
    staffed = Queue(queue.key, queue.calls_per_day, agents, queue.agents_by_hour, queue.talk_minutes,
                    queue.patience_seconds, queue.outcomes)
    return staffed, None if day >= trained_on(starts) else NEW_RECEPTIONIST


def trained_on(starts: date) -> date:
    """The Monday her training takes effect (governance_story.py records the change on that day)."""
    return starts - timedelta(days=starts.weekday()) + timedelta(weeks=NEW_RECEPTIONIST_TRAINED_AFTER_WEEKS)


def answer_day(
    rng: random.Random, queue: Queue, day: date, arrivals: list[Arrival], first_id: int, slow_agent: str | None = None
) -> list[Call]:
    """Serve one day's callers in order of arrival: each takes the agent on duty who is free first."""
    free_at = {agent: at(day, OPENS) for agent in queue.agents}
    calls = []
    for number, arrival in enumerate(arrivals, start=first_id):
        hour_index = min(arrival.started_at.hour - OPENS.hour, len(HOURLY_SHARE) - 1)
        on_duty = queue.agents[: queue.agents_by_hour[hour_index]]
        agent = min(on_duty, key=lambda a: (free_at[a], on_duty.index(a)))
        wait = max(0.0, (free_at[agent] - arrival.started_at).total_seconds())
        if agent == slow_agent:
            # Still finishing the last booking, she lets the phone ring before picking up.
            wait += rng.uniform(*NEW_RECEPTIONIST_PICKUP_SECONDS)
        call = Call(call_id=f"C{number:07d}", queue=queue.key, started_at=arrival.started_at)
        if wait > arrival.patience:
            call.abandoned_at = arrival.started_at + timedelta(seconds=max(1, round(arrival.patience)))
            call.ended_at = call.abandoned_at
            call.outcome = "abandoned"
            # Offered a call-back after a minute on hold, about a third of callers take it.
            call.callback_requested = arrival.patience > 60 and rng.random() < 0.35
        else:
            talk = skewed(rng, queue.talk_minutes * 60, 0.5)
            if agent == slow_agent:
                talk *= NEW_RECEPTIONIST_TALK_FACTOR
            hold = round(skewed(rng, 45, 0.6)) if rng.random() < 0.25 else 0
            call.answered_at = arrival.started_at + timedelta(seconds=round(wait))
            call.hold_seconds = hold
            call.ended_at = call.answered_at + timedelta(seconds=round(talk) + hold)
            call.agent = agent
            call.outcome = pick(rng, queue.outcomes)
            call.callback_requested = queue.key == "nurse-line" and call.outcome == "message-to-provider"
            wrap_up = rng.uniform(15, 60)
            if agent == slow_agent:
                wrap_up *= NEW_RECEPTIONIST_WRAP_UP_FACTOR
            free_at[agent] = call.ended_at + timedelta(seconds=wrap_up)
        calls.append(call)
    return calls


def generate_calls(rng: random.Random, ctx: DemoContext) -> list[Call]:
    calls: list[Call] = []
    starts = new_receptionist_starts(ctx)
    for day in ctx.clinic_days():
        for usual in QUEUES:
            queue, slow_agent = staffed_queue(usual, day, starts)
            for call in answer_day(rng, queue, day, arrivals_for_day(rng, queue, day), len(calls) + 1, slow_agent):
                call.started_at = ctx.aware(call.started_at)
                call.answered_at = ctx.aware(call.answered_at) if call.answered_at else None
                call.abandoned_at = ctx.aware(call.abandoned_at) if call.abandoned_at else None
                call.ended_at = ctx.aware(call.ended_at) if call.ended_at else None
                calls.append(call)
    return calls
