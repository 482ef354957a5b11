"""The recovery panel of the home page: the cases due (mine, or everyone's for a manager without
cases of their own), overdue ones counted apart, and repeated causes at one touchpoint (aggregates,
so the committee sees them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from careloop.accounts.models import User
from careloop.accounts.roles import CAN_VIEW_AGGREGATES, CAN_WORK_CASES
from careloop.recovery.root_causes import repeated_causes
from careloop.recovery.views import inbox_cases

if TYPE_CHECKING:
    from careloop.dashboard import Panel

SHOWN = 5


def panel(request: HttpRequest) -> Panel | None:
    from careloop.dashboard import Panel

    user: User = request.user  # type: ignore[assignment]
    works_cases = user.can(CAN_WORK_CASES)
    if not works_cases and not user.can(CAN_VIEW_AGGREGATES):
        return None
    context: dict[str, object] = {"works_cases": works_cases, "repeated": repeated_causes()}
    if works_cases:
        show = "mine" if inbox_cases(user, "mine").exists() else "all"
        cases = list(inbox_cases(user, show))
        now = timezone.now()
        context.update(
            show=show,
            open_count=len(cases),
            overdue_count=sum(1 for c in cases if c.is_overdue(now)),
            rows=[{"case": c, "due": c.next_due(), "overdue": c.is_overdue(now)} for c in cases[:SHOWN]],
        )
    return Panel(
        title="Cases due" if works_cases else "Repeated causes",
        template="recovery/panel.html",
        context=context,
        more_url=reverse("recovery:inbox") if works_cases else "",
        more_label="Open the cases" if works_cases else "",
    )
