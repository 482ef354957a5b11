"""Rate limits on the public survey pages, per client address and per survey link.

Why: the answer pages are the only pages anyone can reach without signing in. Tokens carry 192 bits, so
guessing one is hopeless, but a script can still hammer the pages (OWASP Automated Threats to Web
Applications, OAT-008 "Credential Stuffing"/OAT-015 "Denial of Service": rate-limit unauthenticated
endpoints). The limits are generous because a practice's waiting room or a family often shares one
public address (NAT), and a patient going back and forth through a long survey makes ~30 requests.
Neither limit comes from a published benchmark: they are careloop's defaults, set by the settings
CARELOOP_SURVEY_RATE_PER_IP and CARELOOP_SURVEY_RATE_PER_TOKEN (requests per minute; 0 turns a limit off).

A fixed one-minute window counted in Django's cache: `cache.add` then `cache.incr` are atomic in every
cache backend Django ships, so concurrent requests never slip past the count. The default cache is
per process (LocMem). `careloop serve` runs N worker processes (careloop/server_workers.py), each
counting on its own, so each allows its share of a limit (rounded up): together they never allow more
than the limit (plus at most one request per worker). One client on one connection meets its worker's
share first, still far above a patient's pace. Several machines behind a balancer need a shared cache
(CARELOOP_CACHE_URL, docs/surveys.md), and then each process counts the whole limit.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

WINDOW_SECONDS = 60
F = TypeVar("F", bound=Callable[..., HttpResponse])


# How many processes share the limits when counts live in each process's memory (set by `careloop serve`).
_processes = 1


def share_among_processes(processes: int) -> None:
    """Called once by `careloop serve` before it forks its workers. Only a per-process cache needs it."""
    global _processes
    _processes = max(1, processes) if _counts_per_process() else 1


def _counts_per_process() -> bool:
    return str(settings.CACHES["default"]["BACKEND"]).endswith("LocMemCache")


def process_limit(per_minute: int) -> int:
    """This process's share of a limit (0 stays 0: no limit)."""
    return -(-per_minute // _processes) if per_minute > 0 else 0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


def _window(now: float) -> tuple[int, int]:
    start = int(now // WINDOW_SECONDS)
    return start, WINDOW_SECONDS - int(now % WINDOW_SECONDS)


def count_request(key: str, per_minute: int, *, now: float | None = None) -> Verdict:
    """Count one request against `key` in the current minute; refused beyond `per_minute` (0: no limit)."""
    if per_minute <= 0:
        return Verdict(True, 0)
    window, left = _window(time.time() if now is None else now)
    cache_key = f"survey-rate:{key}:{window}"
    # Kept a little past the window so a late increment never re-creates an expired counter at 1.
    if cache.add(cache_key, 1, timeout=WINDOW_SECONDS * 2):
        return Verdict(True, 0)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=WINDOW_SECONDS * 2)
        return Verdict(True, 0)
    return Verdict(count <= per_minute, 0 if count <= per_minute else left)


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by whoever sends the request, so trusting it would let a
    # script pick a new address per request. Behind a reverse proxy, the proxy must set REMOTE_ADDR.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _token_key(token: str) -> str:
    # The token itself is never stored, not even in the cache (tokens.py keeps only hashes).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


def check_survey_request(request: HttpRequest, token: str) -> Verdict:
    by_ip = count_request(f"ip:{client_address(request)}", process_limit(settings.SURVEY_RATE_PER_IP))
    if not by_ip.allowed:
        return by_ip
    return count_request(f"token:{_token_key(token)}", process_limit(settings.SURVEY_RATE_PER_TOKEN))


def rate_limited(refused: Callable[[HttpRequest, int], HttpResponse]) -> Callable[[F], F]:
    """Wrap a public survey view taking `token`: over a limit, answer with `refused(request, retry_after)`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def limited(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
            verdict = check_survey_request(request, token)
            if not verdict.allowed:
                response = refused(request, verdict.retry_after)
                response["Retry-After"] = str(verdict.retry_after)
                return response
            return view(request, token, *args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorator
