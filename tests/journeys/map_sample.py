"""A small journey built with the ORM for the map tests: three origins, a long arrow
(phone call straight to check-in), a fork after check-out, and two loops back from follow-up."""

from __future__ import annotations

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Channel, Journey, Standard, Touchpoint

# key, name, channel, is_origin, owner key (None: no owner)
TOUCHPOINTS = [
    ("phone-call", "Phone call", Channel.PHONE, True, "phone-team-lead"),
    ("website", "Website", Channel.WEB, True, "web-portal-lead"),
    ("referral-in", "Referral in", Channel.MAIL, True, "referral-coordinator"),
    ("online-booking", "Online booking", Channel.PORTAL, False, "web-portal-lead"),
    ("check-in", "Check-in", Channel.IN_PERSON, False, "front-desk-lead"),
    ("waiting-room", "Waiting room", Channel.IN_PERSON, False, "front-desk-lead"),
    ("visit", "Visit with the provider", Channel.IN_PERSON, False, "medical-director"),
    ("check-out", "Check-out", Channel.IN_PERSON, False, "front-desk-lead"),
    ("referral-out", "Referral to a specialist", Channel.PHONE, False, None),
    ("billing", "Billing", Channel.MAIL, False, "billing-lead"),
    ("follow-up", "Follow-up", Channel.PHONE, False, "nurse-manager"),
]
LINKS = [
    ("phone-call", "check-in"),
    ("website", "online-booking"),
    ("referral-in", "online-booking"),
    ("referral-in", "phone-call"),
    ("online-booking", "check-in"),
    ("check-in", "waiting-room"),
    ("waiting-room", "visit"),
    ("visit", "check-out"),
    ("check-out", "referral-out"),
    ("check-out", "billing"),
    ("check-out", "follow-up"),
    ("billing", "follow-up"),
    ("follow-up", "phone-call"),
    ("follow-up", "online-booking"),
]
OWNERS = {
    "phone-team-lead": ("Priya Natarajan", "Phone team lead"),
    "web-portal-lead": ("Tom Becker", "Web and portal lead"),
    "referral-coordinator": ("Grace Mwangi", "Referral coordinator"),
    "front-desk-lead": ("Dana Reyes", "Front-desk lead"),
    "medical-director": ("Dr. Samuel Okafor", "Medical director"),
    "billing-lead": ("Luis Ortega", "Billing lead"),
    "nurse-manager": ("Hannah Lindqvist", "Nurse manager"),
}


def build_sample_journey(version: int = 1) -> Journey:
    journey = Journey.objects.create(name="Riverside Family Practice", version=version, is_active=True)
    owners = {
        key: StaffMember.objects.get_or_create(key=key, defaults={"name": name, "title": title})[0]
        for key, (name, title) in OWNERS.items()
    }
    touchpoints = {
        key: Touchpoint.objects.create(
            journey=journey,
            key=key,
            name=name,
            channel=channel,
            is_origin=is_origin,
            order=i,
            owner=owners[owner] if owner else None,
        )
        for i, (key, name, channel, is_origin, owner) in enumerate(TOUCHPOINTS)
    }
    for source, target in LINKS:
        touchpoints[source].next.add(touchpoints[target])
    Standard.objects.create(
        journey=journey,
        touchpoint=touchpoints["waiting-room"],
        key="roomed-within-15",
        name="Roomed within 15 minutes of arrival",
        kind="duration",
        definition={"kind": "duration", "table": "visits", "start": "arrived_at", "end": "roomed_at", "unit": "minutes"},
        threshold=15,
        threshold_unit="minutes",
        goal=0.9,
        source="MGMA benchmark: median arrival-to-room time (illustrative)",
        min_n=20,
    )
    return journey
