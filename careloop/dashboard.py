"""The home page: one panel per stage of the loop, each made by the app that owns its data.

Apps do not reach into each other's views (DESIGN.md), so each app offers a plain function
`panel(request) -> Panel | None` in a module of its own (None: nothing to show this person), and this
module lists them in the loop's order. Adding a panel is one import and one line in PANEL_MAKERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from careloop.accounts.access import require_permission
from careloop.accounts.roles import CAN_VIEW_JOURNEY
from careloop.journeys.map_drawing import draw_journey_map
from careloop.journeys.models import Journey
from careloop.journeys.standard_status import LOOKS, State, touchpoint_states
from careloop.measures.dashboard_panel import my_standards_panel
from careloop.measures.dashboard_panel import panel as measures_panel
from careloop.surveys.dashboard_panel import panel as surveys_panel
from careloop.feedback.dashboard_panel import panel as feedback_panel
from careloop.recovery.dashboard_panel import panel as recovery_panel
from careloop.governance.dashboard_panel import board_panel, brief_panel, strategy_panel


@dataclass(frozen=True)
class Panel:
    """One box on the home page. `template` is included with `context` (and the request's own)."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # The link under the panel, to the page with the whole story.
    more_url: str = ""
    more_label: str = ""
    # A wide panel spans the whole row (the journey map).
    wide: bool = False


PanelMaker = Callable[[HttpRequest], "Panel | None"]


def journey_panel(request: HttpRequest) -> Panel | None:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return None
    states = touchpoint_states(journey)
    counts = [
        {"state": state, "label": state.label, "look": LOOKS[state], "count": sum(1 for s in states.values() if s == state)}
        for state in State
    ]
    return Panel(
        title=journey.name,
        template="careloop/panels/journey.html",
        context={"journey": journey, "state_counts": [c for c in counts if c["count"]], "drawing": draw_journey_map(journey)},
        more_url="/journey/",
        more_label="Open the journey map",
        wide=True,
    )


# In the loop's order: design, measure, listen, understand, act, learn.
PANEL_MAKERS: tuple[PanelMaker, ...] = (
    journey_panel, my_standards_panel, measures_panel, surveys_panel, feedback_panel, recovery_panel, board_panel, strategy_panel,
    brief_panel,
)


def panels_for(request: HttpRequest) -> list[Panel]:
    return [panel for make in PANEL_MAKERS if (panel := make(request)) is not None]


@require_permission(CAN_VIEW_JOURNEY)
def home(request: HttpRequest) -> HttpResponse:
    # Every panel speaks about the practice's journey: without one there is nothing to show yet.
    if not Journey.objects.filter(is_active=True).exists():
        raise Http404("No journey loaded yet: run `careloop init`.")
    return render(request, "careloop/dashboard.html", {"panels": panels_for(request)})
