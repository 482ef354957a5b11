"""URLs of the measures app."""

from __future__ import annotations

from careloop.accounts.roles import CAN_VIEW_AGGREGATES
from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {
    "api/measures/latest": ApiRule(CAN_VIEW_AGGREGATES),
}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {}


def seed() -> None:
    pass
