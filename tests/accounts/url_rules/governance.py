"""URLs of the governance app."""

from __future__ import annotations

from tests.accounts.url_rules.kinds import ApiRule

API_RULES: dict[str, ApiRule] = {}

PUBLIC_RULES: dict[str, tuple[int, int]] = {}

REAL_AND_GUESSED: dict[str, tuple[str, str]] = {}


def seed() -> None:
    pass
