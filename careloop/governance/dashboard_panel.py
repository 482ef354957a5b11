"""Governance panels of the home page: the committee's board summary, strategy at risk (manager and
committee), and the brief with the latest recognition (everyone who reads aggregates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import reverse

from careloop.accounts.models import User
from careloop.accounts.roles import CAN_EDIT_REVIEWS, CAN_MANAGE_RECOGNITION, CAN_VIEW_AGGREGATES
from careloop.governance.board import build_board
from careloop.governance.models import Recognition
from careloop.governance.strategy import goal_views
from careloop.measures.series import today_in_practice

if TYPE_CHECKING:
    from careloop.dashboard import Panel


def board_panel(request: HttpRequest) -> Panel | None:
    from careloop.dashboard import Panel

    user: User = request.user  # type: ignore[assignment]
    if not user.can(CAN_EDIT_REVIEWS):
        return None
    board = build_board(today_in_practice())
    return Panel(
        title="Governance board",
        template="governance/panel_board.html",
        context={"board": board},
        more_url=reverse("governance:board"),
        more_label="Open the board",
    )


def strategy_panel(request: HttpRequest) -> Panel | None:
    from careloop.dashboard import Panel

    user: User = request.user  # type: ignore[assignment]
    if not (user.can(CAN_EDIT_REVIEWS) or user.can(CAN_MANAGE_RECOGNITION)):
        return None
    views = goal_views(today_in_practice())
    if not views:
        return None
    return Panel(
        title="Strategy at risk",
        template="governance/panel_strategy.html",
        context={"at_risk": [v for v in views if v.at_risk], "goals": len(views)},
        more_url=reverse("governance:strategy"),
        more_label="Open the strategy",
    )


def brief_panel(request: HttpRequest) -> Panel | None:
    from careloop.dashboard import Panel

    user: User = request.user  # type: ignore[assignment]
    if not user.can(CAN_VIEW_AGGREGATES):
        return None
    latest = Recognition.objects.select_related("moment", "staff_member").order_by("-recognised_at").first()
    return Panel(
        title="The weekly brief",
        template="governance/panel_brief.html",
        context={"latest": latest},
        more_url=reverse("reports:brief"),
        more_label="Read this week's brief",
    )
