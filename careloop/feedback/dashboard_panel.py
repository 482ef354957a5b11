"""The comments panel of the home page: the theme of the week and how many urgent comments came in.

Figures only (aggregates): anyone with `can_view_aggregates` sees them; the link to the comments
themselves is offered to those who may read comments.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from careloop.accounts.roles import CAN_VIEW_AGGREGATES, CAN_VIEW_COMMENTS
from careloop.feedback.explorer import latest_corrections, urgent_since
from careloop.feedback.models import CommentAnalysis, CorrectableField
from careloop.feedback.themes import THEMES

if TYPE_CHECKING:
    from careloop.dashboard import Panel

WEEK = timedelta(days=7)
# Themes that say nothing to act on in a huddle: "nothing to improve" and "other".
NOT_A_THEME_OF_THE_WEEK = frozenset({"nothing_to_improve", "other"})
# Critical comments decide the theme when there are any: the huddle is for what to fix
# (sentiment 1-2 on the 5-point scale, models.Sentiment).
CRITICAL = 2


def theme_of_the_week(analyses: list[CommentAnalysis]) -> tuple[str, int, int, bool]:
    """(theme key, comments with it, comments counted, whether those were the critical ones only);
    ("", 0, 0, False) if no comment has a theme that can win."""
    corrections = latest_corrections(a.pk for a in analyses)
    labelled = [
        (
            corrections.get(a.pk, {}).get(CorrectableField.THEMES, a.themes),
            int(corrections.get(a.pk, {}).get(CorrectableField.SENTIMENT, a.sentiment)),
        )
        for a in analyses
    ]
    critical = [themes for themes, sentiment in labelled if sentiment <= CRITICAL]
    pool, from_critical = (critical, True) if critical else ([themes for themes, _ in labelled], False)
    counts = Counter(t for themes in pool for t in themes if t not in NOT_A_THEME_OF_THE_WEEK)
    if not counts:
        return "", 0, 0, False
    key, count = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return key, count, len(pool), from_critical


def panel(request: HttpRequest) -> Panel | None:
    # careloop.dashboard imports this module to list its panel, so Panel is imported when called.
    from careloop.dashboard import Panel

    user = request.user
    if not user.can(CAN_VIEW_AGGREGATES) or not CommentAnalysis.objects.exists():  # type: ignore[union-attr]
        return None
    since = timezone.now() - WEEK
    week = list(CommentAnalysis.objects.filter(response__completed_at__gte=since))
    key, count, counted, from_critical = theme_of_the_week(week)
    can_read = user.can(CAN_VIEW_COMMENTS)  # type: ignore[union-attr]
    return Panel(
        title="Comments",
        template="feedback/panel.html",
        context={
            "theme": THEMES.get(key, key),
            "theme_count": count,
            "theme_from_negative": from_critical,
            "counted": counted,
            "urgent_count": urgent_since(since),
        },
        more_url=reverse("feedback:explorer") if can_read else "",
        more_label="Read the comments" if can_read else "",
    )
