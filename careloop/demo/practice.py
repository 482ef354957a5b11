"""The demo practice's people and places: four providers, fifteen staff, two locations, and one
demo user per role.

Staff are created or updated by key: the journey loader creates the touchpoint owners as placeholders
with titles, and the demo gives them names (and the nicknames patients use in comments, which comment
analysis will match for recognition).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role

DEMO_EMAIL_DOMAIN = "demo.careloop.test"
LOCATIONS = ("main-street", "riverside")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    title: str
    nicknames: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Provider(Person):
    """How one provider works: where and when, how big their panel is, and their pace.

    `pace_morning`/`pace_afternoon` are the mean visit length as a share of the slot length: above 1
    the provider falls behind as the session goes on, which is how afternoon drift happens in clinics.
    """

    panel_size: int = 1000
    slot_minutes: int = 20
    locations_by_weekday: dict[int, str] = field(default_factory=dict)
    pace_morning: float = 0.9
    pace_afternoon: float = 0.95
    urgent_share: float = 0.10
    new_share: float = 0.14
    # Typical days to the third-next-available appointment (IHI's access measure) in an average month.
    third_available_new: float = 10.0
    third_available_established: float = 5.0


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "dr-okafor", "Adaeze Okafor", "Family physician, MD", ("Dr. Okafor", "Dr. O"),
        panel_size=1900, slot_minutes=15,
        locations_by_weekday={d: "main-street" for d in (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY)},
        pace_morning=0.82, pace_afternoon=0.86, urgent_share=0.08, new_share=0.10,
        third_available_new=14, third_available_established=6,
    ),
    Provider(
        "dr-lindqvist", "Erik Lindqvist", "Internal medicine physician, MD", ("Dr. Lindqvist", "Dr. L"),
        panel_size=1500, slot_minutes=20,
        locations_by_weekday={MONDAY: "main-street", TUESDAY: "main-street", WEDNESDAY: "riverside",
                              THURSDAY: "main-street", FRIDAY: "riverside"},
        pace_morning=0.8, pace_afternoon=0.84, urgent_share=0.08, new_share=0.14,
        third_available_new=9, third_available_established=5,
    ),
    # Runs late in the afternoons: a thorough talker whose afternoon visits overrun the slot.
    Provider(
        "dr-ramirez", "Sofía Ramírez", "Family physician, DO", ("Dr. Ramirez", "Dr. Ramírez", "Dr. Sofi"),
        panel_size=1100, slot_minutes=20,
        locations_by_weekday={d: "riverside" for d in (MONDAY, TUESDAY, WEDNESDAY, THURSDAY)},
        pace_morning=0.84, pace_afternoon=1.1, urgent_share=0.07, new_share=0.16,
        third_available_new=17, third_available_established=7.5,
    ),
    Provider(
        "np-chen", "Wei Chen", "Nurse practitioner, FNP-C", ("Wei", "Nurse Chen"),
        panel_size=700, slot_minutes=20,
        locations_by_weekday={d: "main-street" for d in (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY)},
        pace_morning=0.78, pace_afternoon=0.82, urgent_share=0.38, new_share=0.16,
        third_available_new=5, third_available_established=2,
    ),
)

# The journey's owners first (keys fixed by the default journey template), then the rest of the team.
STAFF: tuple[Person, ...] = (
    Person("practice-manager", "Rosa Delgado", "Practice manager", ("Rosie",)),
    Person("front-desk-lead", "Keisha Thompson", "Front-desk lead", ("Kiki",)),
    Person("phone-team-lead", "Tomasz Nowak", "Phone team lead", ("Tom", "Tommy")),
    Person("scheduling-lead", "Priya Raman", "Scheduling lead"),
    Person("nurse-manager", "Grace Adeyemi", "Nurse manager, RN", ("Nurse Grace",)),
    Person("medical-director", "Samuel Brennan", "Medical director, MD", ("Dr. Brennan", "Sam")),
    Person("referral-coordinator", "Mai Nguyen", "Referral coordinator"),
    Person("billing-lead", "Robert Kowalski", "Billing lead", ("Bob", "Bobby")),
    Person("web-portal-lead", "Daniel Haddad", "Web and portal lead", ("Dan", "Danny")),
    Person("luz-herrera", "Luz Herrera", "Receptionist", ("Lucy",)),
    Person("jamal-carter", "Jamal Carter", "Receptionist"),
    Person("liz-moore", "Elizabeth Moore", "Patient access representative", ("Liz", "Lizzie")),
    Person("kenji-watanabe", "Kenji Watanabe", "Patient access representative", ("Ken",)),
    # New on the appointments line four months before the demo ends: the demo's deliberate signal (calls.py).
    Person("nadia-santos", "Nadia Santos", "Patient access representative (new)"),
    Person("fatima-siddiqui", "Fatima Siddiqui", "Triage nurse, RN", ("Nurse Fatima",)),
    Person("olga-petrenko", "Olga Petrenko", "Billing specialist"),
)


@dataclass(frozen=True)
class DemoUser:
    email_name: str
    role: str
    staff_key: str | None

    @property
    def email(self) -> str:
        return f"{self.email_name}@{DEMO_EMAIL_DOMAIN}"


# One sign-in per role; the owners and the manager are the people who own touchpoints in the journey.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMIN, None),
    DemoUser("manager", Role.MANAGER, "practice-manager"),
    DemoUser("frontdesk", Role.OWNER, "front-desk-lead"),
    DemoUser("billing", Role.OWNER, "billing-lead"),
    DemoUser("committee", Role.COMMITTEE, "medical-director"),
    DemoUser("staff", Role.STAFF, "luz-herrera"),
)
MANAGER_EMAIL = f"manager@{DEMO_EMAIL_DOMAIN}"


def provider(key: str) -> Provider:
    return next(p for p in PROVIDERS if p.key == key)


def upsert_staff() -> dict[str, StaffMember]:
    """Create or update every demo staff member and provider by key; keep a title the journey set."""
    members = {}
    for person in (*STAFF, *PROVIDERS):
        member, _ = StaffMember.objects.get_or_create(key=person.key, defaults={"name": person.name})
        member.name = person.name
        member.title = member.title or person.title
        member.email = person.email
        member.nicknames = list(person.nicknames)
        member.is_provider = isinstance(person, Provider)
        member.is_active = True
        member.save()
        members[person.key] = member
    return members


def new_demo_password() -> str:
    """A fresh random password at every build: no secret lives in the code."""
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            validate_password(candidate)
        except Exception:  # a rare draw fails a validator (e.g. all digits); draw again
            continue
        return candidate


def upsert_demo_users(password: str, members: dict[str, StaffMember]) -> list[User]:
    """One user per role with the given password, linked to their staff member."""
    # Hashed once for all six: Argon2 is deliberately slow, and the demo users share one password.
    password_hash = make_password(password)
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec.email).first() or User(email=spec.email)
        member = members.get(spec.staff_key) if spec.staff_key else None
        user.full_name = member.name if member else "Demo IT admin"
        user.role = spec.role
        user.is_staff = spec.role == Role.ADMIN
        user.is_active = True
        user.password = password_hash
        user.save()
        if member is not None:
            StaffMember.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
            member.user = user
            member.email = user.email
            member.save(update_fields=["user", "email"])
        users.append(user)
    return users
