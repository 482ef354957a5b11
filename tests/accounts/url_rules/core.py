"""Project-wide URLs: home, sign-in, the API's own pages, the Django admin's path values."""

from __future__ import annotations

from careloop.accounts.roles import CAN_VIEW_JOURNEY
from tests.accounts.url_rules.kinds import LOGIN_ONLY, ApiRule

API_RULES: dict[str, ApiRule] = {
    "api/journey/touchpoints": ApiRule(CAN_VIEW_JOURNEY),
    # Docs and schema: any signed-in person (no data in them); a sign-in redirect otherwise.
    "api/openapi.json": ApiRule(LOGIN_ONLY),
    "api/docs": ApiRule(LOGIN_ONLY),
}

PUBLIC_RULES: dict[str, tuple[int, int]] = {
    "login/": (200, 302),  # signed-in people are sent on (redirect_authenticated_user)
    "logout/": (405, 405),  # POST only (Django 5): a link cannot sign anyone out
    "api/": (404, 404),  # django-ninja's root, a 404 by design
}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {
    "key": ("check-in", "no-such-touchpoint"),
    # Admin values: the walk only needs them to be well formed.
    "object_id": ("1", "999999"),
    "id": ("1", "999999"),
    "content_type_id": ("1", "999999"),
    "app_label": ("accounts", "accounts"),
    "url": ("no-such-admin-page/", "no-such-admin-page/"),
}


def seed() -> None:
    from careloop.accounts.models import StaffMember
    from careloop.journeys.models import Journey, Touchpoint

    journey = Journey.objects.create(name="Walk practice", version=1, is_active=True)
    owner = StaffMember.objects.get(key="fran-frontdesk")
    Touchpoint.objects.create(journey=journey, key="check-in", name="Check-in", channel="in_person", owner=owner)
