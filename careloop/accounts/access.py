"""Deny by default: views check permissions here, and anyone without rights gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

F = TypeVar("F", bound=Callable[..., HttpResponse])


def require_permission(permission: str) -> Callable[[F], F]:
    """Login required; a signed-in user without the permission gets 404, not a hint the page exists."""

    def decorator(view: F) -> F:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.can(permission):  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
