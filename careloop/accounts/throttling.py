"""How django-axes names the account in a failed sign-in (settings.AXES_USERNAME_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from careloop.accounts.models import normalize_email_address


def username_for_lockout(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """The email as sign-in looks it up (lower case), so changing its case does not buy an
    attacker five more guesses."""
    raw = (credentials or {}).get("username") or (request.POST.get("username", "") if request is not None else "")
    return normalize_email_address(str(raw))
