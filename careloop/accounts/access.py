"""Deny by default: views check permissions here, and anyone without rights gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

F = TypeVar("F", bound=Callable[..., HttpResponse])


def require_permission(permission: str) -> Callable[[F], F]:
    """Login required; a signed-in user without the permission gets 404, not a hint the page exists.

    The wrapped view carries `required_permission`, which the permission-matrix test reads to
    check every page against the roles (tests/accounts/test_permission_matrix.py)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.can(permission):  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        wrapped = login_required(checked)
        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def require_api_permission(request: HttpRequest, permission: str) -> None:
    """The API's check: django-ninja has already refused anonymous callers (401); a signed-in
    caller without the permission gets the same 404 as for a thing that does not exist."""
    if not request.user.can(permission):  # type: ignore[union-attr]
        raise Http404
