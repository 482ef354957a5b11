"""A small, deterministic practice for the cross-backend tests: every event table, built to hit the
edges where backends and hand-written rules part ways.

- the daylight-saving change of Sunday 9 March 2025 (02:00 EST → 03:00 EDT) and events just before and
  after local midnight, at week ends (Sunday 23:59:59) and month ends (31 March 23:30 is April in UTC);
- weekends, Presidents' Day (17 February: a business day on the default calendar, a holiday in the
  custom calendar test) and Memorial Day (26 May), for the business-day standards; messages received
  after 17:00, for opening hours;
- durations exactly at each default threshold and one second either side, ties included as "within";
- missing ends (pending while the threshold has not passed, then not met), missing breakdown values
  (counted as "unknown"), events after the moment of measuring (not counted yet);
- audits at the minimum-n boundary (10 in one week, 9 in another) and a share exactly at the goal.

Rows are plain dicts with UTC-aware datetimes: the same rows go into the app's database (and from there
to DuckDB and Parquet) and into the pure-Python reference (tests/measures/reference.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit

NEW_YORK = ZoneInfo("America/New_York")
FIRST_DAY = date(2025, 2, 17)  # Monday, Presidents' Day
LAST_DAY = date(2025, 6, 1)  # Sunday
# Tuesday after the last week: business-day standards still have pending events.
AS_OF = datetime(2025, 6, 3, 10, 0, tzinfo=NEW_YORK)
SEED = 20250309

# Days chosen on purpose, besides random ones.
EDGE_DAYS = [
    date(2025, 2, 17),  # Presidents' Day (Monday)
    date(2025, 3, 7),  # Friday before the DST change
    date(2025, 3, 8),  # Saturday
    date(2025, 3, 9),  # Sunday: DST starts at 02:00
    date(2025, 3, 10),  # Monday
    date(2025, 3, 31),  # month end
    date(2025, 5, 23),  # Friday before Memorial Day
    date(2025, 5, 24),
    date(2025, 5, 26),  # Memorial Day
    date(2025, 5, 27),
    date(2025, 6, 1),  # Sunday, last day
    date(2025, 6, 2),  # Monday after the last full week: pending business-day events
]
EDGE_TIMES = [
    time(0, 0, 0), time(0, 30), time(1, 59, 59), time(3, 0), time(8, 0), time(12, 0),
    time(16, 59, 59), time(17, 0), time(17, 0, 1), time(23, 30), time(23, 59, 59),
]
MODELS: dict[str, type[Any]] = {
    "visits": Visit,
    "calls": Call,
    "referrals": Referral,
    "messages": Message,
    "billing_inquiries": BillingInquiry,
    "audits": Audit,
    "slot_snapshots": SlotSnapshot,
}

S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass
class EventRows:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {name: [] for name in MODELS})


def _moment(rng: random.Random) -> datetime:
    """A local moment, a third of them on an edge day or at an edge time, as UTC."""
    if rng.random() < 0.35:
        day = rng.choice(EDGE_DAYS)
    else:
        day = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    if rng.random() < 0.4:
        clock = rng.choice(EDGE_TIMES)
    else:
        clock = time(rng.randrange(7, 19), rng.randrange(60), rng.randrange(60))
    return datetime.combine(day, clock, tzinfo=NEW_YORK).astimezone(timezone.utc)


def _maybe(rng: random.Random, share_missing: float, value: datetime) -> datetime | None:
    return None if rng.random() < share_missing else value


def _visits(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    lead_times = [0 * S, 3 * H, 24 * H - S, 24 * H, 24 * H + S, 2 * D, 19 * D + 23 * H, 20 * D, 20 * D + 5 * H, 21 * D]
    booking_delays = [0 * S, H, D, 2 * D, 3 * D, 4 * D]
    to_rooming = [0 * S, 5 * M, 10 * M, 15 * M - S, 15 * M, 15 * M + S, 20 * M, 45 * M]
    to_provider = [0 * S, 5 * M, 10 * M, 10 * M + S, 15 * M, 20 * M, 30 * M]
    for number in range(1200):
        scheduled = _moment(rng)
        if number < 6:
            # Booked for after the moment of measuring: not counted yet.
            scheduled = (AS_OF + timedelta(days=number + 1)).astimezone(timezone.utc)
        visit_type = rng.choice(["new", "established", "established", "urgent"])
        channel = rng.choice(["phone", "online", "portal", "walk-in", "referral", "referral"])
        status = rng.choices(["completed", "no-show", "cancelled", "late-cancel"], [80, 9, 7, 4])[0]
        lead = rng.choice(lead_times) if rng.random() < 0.7 else timedelta(seconds=rng.randrange(40 * 86400))
        requested = _maybe(rng, 0.08, scheduled - lead)
        booked = None
        if requested is not None:
            delay = rng.choice(booking_delays) if rng.random() < 0.6 else timedelta(seconds=rng.randrange(6 * 86400))
            booked = _maybe(rng, 0.1, requested + delay)
        row: dict[str, Any] = {
            "visit_id": f"V{number}",
            "patient_ref": f"P{number % 400}",
            "provider": rng.choice(["dr-okafor", "dr-okafor", "np-chen", "dr-ramirez", ""]),
            "location": rng.choice(["main-street", "main-street", "riverside"]),
            "visit_type": visit_type,
            "booking_channel": channel,
            "requested_at": requested,
            "booked_at": booked,
            "scheduled_start": scheduled,
            "arrived_at": None,
            "roomed_at": None,
            "provider_in_at": None,
            "checkout_at": None,
            "status": status,
        }
        if status == "completed":
            arrived = scheduled + rng.choice([-20 * M, -5 * M, 0 * S, 3 * M, 12 * M])
            roomed = _maybe(rng, 0.05, arrived + rng.choice(to_rooming))
            provider_in = None
            if roomed is not None:
                provider_in = _maybe(rng, 0.05, roomed + rng.choice(to_provider))
            checkout = None
            if provider_in is not None:
                checkout = _maybe(rng, 0.1, provider_in + rng.choice([10 * M, 20 * M, 30 * M, 41 * M]))
            row |= {"arrived_at": arrived, "roomed_at": roomed, "provider_in_at": provider_in, "checkout_at": checkout}
        rows.append(row)


def _calls(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    for number in range(1500):
        started = _moment(rng)
        answered = abandoned = None
        agent = ""
        kind = rng.random()
        if kind < 0.1:
            abandoned = started + rng.choice([5 * S, 40 * S, 3 * M])
        elif kind < 0.97:
            answered = started + rng.choice([0 * S, 10 * S, 29 * S, 30 * S, 31 * S, 2 * M])
            agent = rng.choice(["agent-ana", "agent-ben", "agent-ana", ""])
        rows.append(
            {
                "call_id": f"C{number}",
                "queue": rng.choice(["appointments", "appointments", "billing"]),
                "started_at": started,
                "answered_at": answered,
                "abandoned_at": abandoned,
                "hold_seconds": 0,
                "ended_at": None,
                "agent": agent,
                "outcome": "",
                "callback_requested": False,
            }
        )


def _first_reply(rng: random.Random, received: datetime) -> datetime | None:
    """Same day, next morning, a few days later, or never."""
    if rng.random() < 0.1:
        return None
    local = received.astimezone(NEW_YORK)
    choice = rng.randrange(4)
    if choice == 0:
        return received + H
    if choice == 1:
        morning = datetime.combine(local.date() + D, time(9, 0), tzinfo=NEW_YORK)
        return morning.astimezone(timezone.utc)
    return received + rng.choice([2 * D, 3 * D, 4 * D, 5 * D + 2 * H])


def _messages(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    for number in range(500):
        received = _moment(rng)
        rows.append(
            {
                "message_id": f"M{number}",
                "channel": rng.choice(["portal", "portal", "portal", "email", "sms"]),
                "patient_ref": f"P{number}",
                "received_at": received,
                "first_response_at": _first_reply(rng, received),
                "closed_at": None,
            }
        )


def _billing(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    for number in range(220):
        opened = _moment(rng)
        resolved = None if rng.random() < 0.15 else opened + timedelta(seconds=rng.randrange(20 * 86400))
        rows.append(
            {
                "inquiry_id": f"B{number}",
                "patient_ref": f"P{number}",
                "opened_at": opened,
                "first_response_at": _first_reply(rng, opened),
                "resolved_at": resolved,
                "category": rng.choice(["statement", "insurance"]),
            }
        )


def _referrals(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    for number in range(220):
        sent = _moment(rng)
        scheduled = None if rng.random() < 0.15 else sent + rng.choice([D, 14 * D, 14 * D + 20 * H, 15 * D, 25 * D])
        report = None if rng.random() < 0.3 else sent + rng.choice([10 * D, 30 * D, 31 * D, 45 * D])
        rows.append(
            {
                "referral_id": f"R{number}",
                "visit_id": "",
                "patient_ref": f"P{number}",
                "specialty": rng.choice(["cardiology", "dermatology"]),
                "sent_at": sent,
                "scheduled_at": scheduled,
                "report_received_at": report,
                "closed_at": None,
                "status": rng.choices(["sent", "scheduled", "report-received", "closed", "cancelled"], [3, 3, 2, 2, 1])[0],
            }
        )


def _audits(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    """greeted-by-name (min n 10, goal 0.9): exactly 10 in the week of 3 March, 9 passed (the share
    equals the goal); exactly 9 the week after (suppressed). The rest at random."""
    planned = [(date(2025, 3, 3) + timedelta(days=i % 5), i != 0) for i in range(10)]
    planned += [(date(2025, 3, 10) + timedelta(days=i % 5), i % 3 != 0) for i in range(9)]
    for number, (day, passed) in enumerate(planned):
        observed = datetime.combine(day, time(9, number), tzinfo=NEW_YORK).astimezone(timezone.utc)
        rows.append(_audit(f"A{number}", "greeted-by-name", observed, passed))
    for number in range(len(planned), 160):
        observed = _moment(rng)
        if date(2025, 3, 3) <= observed.astimezone(NEW_YORK).date() < date(2025, 3, 17):
            observed += timedelta(days=21)
        checklist = rng.choice(["greeted-by-name", "next-steps-explained", "next-steps-explained", "hand-hygiene"])
        rows.append(_audit(f"A{number}", checklist, observed, rng.random() < 0.8))


def _audit(key: str, checklist: str, observed: datetime, passed: bool) -> dict[str, Any]:
    return {"audit_id": key, "standard": checklist, "observed_at": observed, "observer": "manager", "passed": passed, "note": ""}


def _slots(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    seen: set[tuple[datetime, str, str]] = set()
    while len(rows) < 240:
        taken = _moment(rng)
        provider = rng.choice(["dr-okafor", "np-chen", ""])
        visit_type = rng.choice(["established", "established", "new"])
        if (taken, provider, visit_type) in seen:
            continue
        seen.add((taken, provider, visit_type))
        third = None if rng.random() < 0.1 else taken + rng.choice([H, 3 * D, 7 * D, 7 * D + 23 * H, 8 * D, 12 * D])
        rows.append(
            {
                "taken_at": taken,
                "provider": provider,
                "visit_type": visit_type,
                "next_available_1": taken + H,
                "next_available_2": None if third is None else taken + 2 * H,
                "next_available_3": third,
            }
        )


def generate(seed: int = SEED) -> EventRows:
    rng = random.Random(seed)
    rows = EventRows()
    _visits(rng, rows.tables["visits"])
    _calls(rng, rows.tables["calls"])
    _messages(rng, rows.tables["messages"])
    _billing(rng, rows.tables["billing_inquiries"])
    _referrals(rng, rows.tables["referrals"])
    _audits(rng, rows.tables["audits"])
    _slots(rng, rows.tables["slot_snapshots"])
    return rows


def insert(rows: EventRows) -> None:
    """The rows into the app's database (SQLite or PostgreSQL)."""
    for name, model in MODELS.items():
        model.objects.bulk_create([model(**row) for row in rows.tables[name]], batch_size=500)
