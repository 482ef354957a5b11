"""System checks that refuse unsafe combinations at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_debug_off_outside_loopback(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    public_hosts = [h for h in settings.ALLOWED_HOSTS if h not in {"127.0.0.1", "localhost", "::1"}]
    if settings.DEBUG and public_hosts:
        problems.append(
            Error(
                "CARELOOP_DEBUG is on while CARELOOP_ALLOWED_HOSTS names a public host.",
                hint="Debug pages show settings and data: turn CARELOOP_DEBUG off.",
                id="careloop.E001",
            )
        )
    if public_hosts and not settings.SECURE_HTTPS:
        problems.append(
            Warning(
                "careloop is served to other hosts without CARELOOP_HTTPS=1.",
                hint="Patient data must travel over TLS: put careloop behind HTTPS and set CARELOOP_HTTPS=1.",
                id="careloop.W001",
            )
        )
    return problems
