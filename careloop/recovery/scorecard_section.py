"""The owner's scorecard gets their cases next to their standards (issue 7, item 4: "accountability
in one place"): open cases by due time, overdue marked, and their recovery figures over the last weeks.
Registered with careloop.measures.scorecard from RecoveryConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import CAN_WORK_CASES
from careloop.journeys.models import Journey
from careloop.recovery import measurement
from careloop.recovery.models import OPEN_STATUSES, Case

if TYPE_CHECKING:
    from careloop.measures.scorecard import ScorecardSection


def section(request: HttpRequest, owner: StaffMember) -> ScorecardSection | None:
    from careloop.measures.scorecard import ScorecardSection

    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    cases = measurement.recent_cases(now)
    mine = [c for c in cases if c.owner_id == owner.pk]
    # Open cases name patients' troubles: listed only for people who work cases (summaries, no identity).
    open_cases = (
        sorted(
            (c for c in Case.objects.filter(owner=owner, status__in=OPEN_STATUSES).select_related("touchpoint")),
            key=lambda c: due[1] if (due := c.next_due()) is not None else now,
        )
        if user.can(CAN_WORK_CASES)
        else []
    )
    if not mine and not open_cases:
        return None
    rows = [{"case": c, "due": c.next_due(), "overdue": c.is_overdue(now)} for c in open_cases]
    return ScorecardSection(
        title="Recovery cases",
        template="recovery/scorecard_section.html",
        context={
            "rows": rows,
            "figures": measurement.figures_for(mine, now, measurement.standards_of(Journey.objects.filter(is_active=True).first())),
            "weeks": measurement.WEEKS,
        },
    )
