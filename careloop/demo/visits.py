"""Visits: each provider's sessions slot by slot, who booked them and how far ahead, who came, and how
long they waited.

The model, in the words of a practice manager (docs/demo.md has the numbers aimed for and got):
- Slots fill more in winter and on Mondays; new patients take a double slot.
- Urgent visits are same or next day; new patients wait longest for a first appointment, longer in winter.
- No-shows rise with lead time: lead time is the predictor of no-shows reported most consistently
  (Dantas et al., "No-shows in appointment scheduling – a systematic literature review", Health Policy
  2018;122(4):412–421; Kheirkhah et al., BMC Health Services Research 2016;16:13).
- Patient flow is a queue per provider: the medical assistant rooms a patient when the provider is
  nearly free, so when visits overrun their slot the wait grows through the session. Mondays add
  double-booked urgent patients and a busier front desk; one provider runs late every afternoon.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from careloop.demo.clinic_calendar import (
    CLOSES,
    LUNCH_ENDS,
    LUNCH_STARTS,
    OPENS,
    at,
    is_clinic_day,
    previous_clinic_day,
)
from careloop.demo.context import DemoContext, winter_pressure
from careloop.demo.practice import MONDAY, PROVIDERS, Provider
from careloop.demo.sampling import pick, pick_frequent, skewed
from careloop.events.models import BookingChannel, Visit, VisitStatus, VisitType

CHANNELS_BY_TYPE: dict[str, dict[str, float]] = {
    VisitType.URGENT: {BookingChannel.PHONE: 0.6, BookingChannel.WALK_IN: 0.22, BookingChannel.PORTAL: 0.18},
    VisitType.NEW: {BookingChannel.PHONE: 0.45, BookingChannel.ONLINE: 0.25, BookingChannel.REFERRAL: 0.30},
    VisitType.ESTABLISHED: {BookingChannel.PHONE: 0.5, BookingChannel.PORTAL: 0.28, BookingChannel.ONLINE: 0.22},
}
# Channels where a person books during opening hours (online booking works around the clock).
STAFF_BOOKED = {BookingChannel.PHONE, BookingChannel.PORTAL, BookingChannel.REFERRAL}
MONDAY_DOUBLE_BOOKINGS = 1


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


@dataclass(slots=True)
class Booking:
    scheduled_start: datetime
    visit_type: str
    channel: str
    requested_at: datetime
    booked_at: datetime
    status: str = VisitStatus.COMPLETED


class PatientPanels:
    """Pseudonymous patients (P000123) on each provider's panel; new patients join the panel."""

    def __init__(self, providers: tuple[Provider, ...]) -> None:
        self.panels: dict[str, list[str]] = {}
        number = 0
        for p in providers:
            self.panels[p.key] = [f"P{number + i:06d}" for i in range(1, p.panel_size + 1)]
            number += p.panel_size
        self.next_number = number + 1

    def new_patient(self, provider_key: str) -> str:
        ref = f"P{self.next_number:06d}"
        self.next_number += 1
        self.panels[provider_key].append(ref)
        return ref

    def patient_for(self, rng: random.Random, provider: Provider, visit_type: str) -> str:
        if visit_type == VisitType.NEW:
            return self.new_patient(provider.key)
        panel_key = provider.key
        # Urgent visits go to whoever has a slot today: the NP sees many of her colleagues' patients.
        if visit_type == VisitType.URGENT and rng.random() < (0.7 if provider.key == "np-chen" else 0.2):
            panel_key = rng.choice(sorted(self.panels))
        return pick_frequent(rng, self.panels[panel_key])


def session_slots(provider: Provider, day: date) -> list[datetime]:
    slots = []
    for opens, closes in ((OPENS, LUNCH_STARTS), (LUNCH_ENDS, CLOSES)):
        moment, end = at(day, opens), at(day, closes)
        while moment < end:
            slots.append(moment)
            moment += minutes(provider.slot_minutes)
    return slots


def fill_rate(day: date) -> float:
    """Share of slots booked: about 85 % over the year, 95 % in January, 75 % in July, fuller on Mondays."""
    rate = 0.85 + 0.40 * (winter_pressure(day) - 1.0)
    return min(0.97, rate + (0.05 if day.weekday() == MONDAY else 0.0))


def draw_visit_type(rng: random.Random, provider: Provider, day: date) -> str:
    urgent = provider.urgent_share * winter_pressure(day)
    roll = rng.random()
    if roll < urgent:
        return VisitType.URGENT
    if roll < urgent + provider.new_share:
        return VisitType.NEW
    return VisitType.ESTABLISHED


def draw_lead_days(rng: random.Random, provider: Provider, visit_type: str, channel: str, day: date) -> int:
    if visit_type == VisitType.URGENT:
        return 0 if channel == BookingChannel.WALK_IN or rng.random() < 0.8 else 1
    if visit_type == VisitType.NEW:
        # A new patient takes about the provider's third-next-available wait (slots.py snapshots it).
        return min(75, max(1, round(skewed(rng, provider.third_available_new * winter_pressure(day), 0.6))))
    if rng.random() < 0.35:  # a problem that can't wait for the routine follow-up
        return rng.randint(1, 7)
    return min(120, max(3, round(skewed(rng, 24, 0.45))))


def draw_booked_at(rng: random.Random, start: datetime, channel: str, lead_days: int) -> datetime:
    day = start.date() - timedelta(days=lead_days)
    if lead_days == 0:
        earliest = max(at(day, OPENS) - minutes(60), start - minutes(300))
        return earliest + (start - minutes(20) - earliest) * rng.random()
    if channel in STAFF_BOOKED:
        if not is_clinic_day(day):
            day = previous_clinic_day(day)
        return at(day, OPENS) + minutes(rng.uniform(0, 540))
    return at(day, OPENS) + minutes(rng.uniform(-60, 900))  # online: 7:00 to 23:00


def draw_requested_at(rng: random.Random, booked_at: datetime, channel: str) -> datetime:
    if channel == BookingChannel.PORTAL:  # a portal request waits for staff to offer a time
        return booked_at - timedelta(hours=skewed(rng, 5, 0.8))
    if channel == BookingChannel.REFERRAL:  # the referral arrives; the coordinator reaches the patient later
        return booked_at - timedelta(days=skewed(rng, 0.8, 0.7))
    return booked_at


def no_show_probability(visit_type: str, lead_days: float) -> float:
    """About 4 % for same-week bookings, 13 % at two weeks, over 20 % from four weeks ahead."""
    if visit_type == VisitType.URGENT:
        return 0.025
    share = min(0.30, 0.035 + 0.0065 * lead_days)
    return share + (0.02 if visit_type == VisitType.NEW else 0.0)


def draw_status(rng: random.Random, booking: Booking) -> str:
    if booking.channel == BookingChannel.WALK_IN:
        return VisitStatus.COMPLETED
    lead_days = (booking.scheduled_start - booking.booked_at).total_seconds() / 86400
    no_show = no_show_probability(booking.visit_type, lead_days)
    cancel = 0.0 if lead_days < 2 else min(0.10, 0.03 + 0.0015 * lead_days)
    late_cancel = 0.025
    roll = rng.random()
    if roll < no_show:
        return VisitStatus.NO_SHOW
    if roll < no_show + cancel:
        return VisitStatus.CANCELLED
    if roll < no_show + cancel + late_cancel:
        return VisitStatus.LATE_CANCEL
    return VisitStatus.COMPLETED


def make_booking(rng: random.Random, provider: Provider, start: datetime, visit_type: str) -> Booking:
    channel = pick(rng, CHANNELS_BY_TYPE[visit_type])
    if channel == BookingChannel.WALK_IN:
        requested = start - minutes(rng.uniform(10, 45))
        booking = Booking(start, visit_type, channel, requested, requested + minutes(rng.uniform(1, 4)))
    else:
        booked = draw_booked_at(rng, start, channel, draw_lead_days(rng, provider, visit_type, channel, start.date()))
        booking = Booking(start, visit_type, channel, draw_requested_at(rng, booked, channel), booked)
    booking.status = draw_status(rng, booking)
    return booking


def book_day(rng: random.Random, provider: Provider, day: date) -> list[Booking]:
    bookings = []
    rate = fill_rate(day)
    slots = session_slots(provider, day)
    skip_next = False
    for index, start in enumerate(slots):
        if skip_next:
            skip_next = False
            continue
        if rng.random() >= rate:
            continue
        visit_type = draw_visit_type(rng, provider, day)
        following = slots[index + 1] if index + 1 < len(slots) else None
        if visit_type == VisitType.NEW:
            # A new patient needs a double slot; at the end of a session they get an established slot.
            if following is not None and following - start == minutes(provider.slot_minutes):
                skip_next = True
            else:
                visit_type = VisitType.ESTABLISHED
        bookings.append(make_booking(rng, provider, start, visit_type))
    if day.weekday() == MONDAY:
        # The weekend's backlog: urgent patients squeezed into already-booked morning slots.
        for start in rng.sample([s for s in slots if s.hour < 11], MONDAY_DOUBLE_BOOKINGS):
            bookings.append(make_booking(rng, provider, start, VisitType.URGENT))
    bookings.sort(key=lambda b: b.scheduled_start)
    return bookings


@dataclass(slots=True)
class Flow:
    arrived_at: datetime
    roomed_at: datetime
    provider_in_at: datetime
    checkout_at: datetime


def visit_minutes(rng: random.Random, provider: Provider, booking: Booking) -> float:
    afternoon = booking.scheduled_start.time() >= LUNCH_STARTS
    pace = provider.pace_afternoon if afternoon else provider.pace_morning
    slots = 2 if booking.visit_type == VisitType.NEW else 1
    monday = 1.03 if booking.scheduled_start.weekday() == MONDAY else 1.0
    return skewed(rng, provider.slot_minutes * slots * pace * monday, 0.3)


def draw_arrival(rng: random.Random, booking: Booking) -> datetime:
    if booking.channel == BookingChannel.WALK_IN:
        return booking.requested_at
    if rng.random() < 0.07:
        return booking.scheduled_start + minutes(rng.uniform(3, 25))
    return booking.scheduled_start - minutes(min(35.0, max(0.0, rng.gauss(10, 6))))


def run_session(rng: random.Random, provider: Provider, bookings: list[Booking]) -> list[Flow | None]:
    """Patient flow for one provider-day, in slot order: each completed visit waits for the rooms and
    the provider the visits before it left behind."""
    flows: list[Flow | None] = []
    provider_free: datetime | None = None
    for booking in bookings:
        if booking.status != VisitStatus.COMPLETED:
            flows.append(None)
            continue
        start = booking.scheduled_start
        free = provider_free or start
        monday = start.weekday() == MONDAY
        busy_desk = monday and start.hour < 10
        arrived = draw_arrival(rng, booking)
        checked_in = arrived + minutes(skewed(rng, 2.5, 0.5) + (rng.uniform(0, 6) if busy_desk else 0))
        ready = max(checked_in, free - minutes(rng.uniform(6, 12)), start - minutes(10))
        roomed = ready + minutes(rng.expovariate(1 / (4.0 if monday else 3.0)))
        provider_in = max(roomed + minutes(skewed(rng, 4, 0.3)), free + minutes(rng.uniform(0, 1)))
        provider_out = provider_in + minutes(visit_minutes(rng, provider, booking))
        provider_free = provider_out + minutes(rng.uniform(0.5, 1.5))
        checkout = provider_out + minutes(skewed(rng, 4, 0.5))
        flows.append(Flow(arrived, roomed, provider_in, checkout))
    return flows


def generate_visits(rng: random.Random, ctx: DemoContext) -> list[Visit]:
    panels = PatientPanels(PROVIDERS)
    visits: list[Visit] = []
    for day in ctx.clinic_days():
        for provider in PROVIDERS:
            location = provider.locations_by_weekday.get(day.weekday())
            if location is None:
                continue
            bookings = book_day(rng, provider, day)
            for booking, flow in zip(bookings, run_session(rng, provider, bookings)):
                visits.append(
                    Visit(
                        visit_id=f"V{len(visits) + 1:07d}",
                        patient_ref=panels.patient_for(rng, provider, booking.visit_type),
                        provider=provider.key,
                        location=location,
                        visit_type=booking.visit_type,
                        booking_channel=booking.channel,
                        requested_at=ctx.aware(booking.requested_at),
                        booked_at=ctx.aware(booking.booked_at),
                        scheduled_start=ctx.aware(booking.scheduled_start),
                        arrived_at=ctx.aware(flow.arrived_at) if flow else None,
                        roomed_at=ctx.aware(flow.roomed_at) if flow else None,
                        provider_in_at=ctx.aware(flow.provider_in_at) if flow else None,
                        checkout_at=ctx.aware(flow.checkout_at) if flow else None,
                        status=booking.status,
                    )
                )
    return visits
