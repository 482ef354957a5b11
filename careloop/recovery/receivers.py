"""Recovery listens to comment analysis: an urgent comment opens a case at once, not at the worker's
next round of rule evaluation (issue 7, item 2: "opens at once with high priority")."""

from __future__ import annotations

from typing import Any

from careloop.feedback import signals


def open_cases_for_urgent_comments(sender: Any, urgent_ids: list[int] | None = None, **kwargs: Any) -> None:
    from careloop.feedback.models import CommentAnalysis
    from careloop.recovery.rules import open_cases_for_analyses

    if not urgent_ids:
        return
    analyses = CommentAnalysis.objects.filter(pk__in=urgent_ids).select_related("response__invitation").order_by("pk")
    open_cases_for_analyses(list(analyses))


def connect_receivers() -> None:
    signals.comments_analysed.connect(open_cases_for_urgent_comments, dispatch_uid="recovery-urgent-comments")
