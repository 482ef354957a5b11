"""URLs of the reports app: the brief page and its PDF, behind require_permission, no path parameters."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {}


def seed() -> None:
    # The brief needs an active journey; the recovery seed loads one through its touchpoint.
    from careloop.journeys.models import Journey

    if not Journey.objects.filter(is_active=True).exists():
        Journey.objects.create(name="Test practice", version=1, is_active=True)
