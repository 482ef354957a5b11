"""What the journey map page draws: each touchpoint's box with its words and state, and the arrows.

Joins the pure layout (map_layout) with the journey's data and the touchpoint states
(standard_status); the template only writes out what is here, escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from careloop.journeys.map_layout import Box, Edge, MapLayout, NodeSpec, layout_journey, wrap_words
from careloop.journeys.models import Journey, Touchpoint
from careloop.journeys.standard_status import LOOKS, State, StateLook, touchpoint_states

# Characters per line in a NODE_WIDTH box with 12 px padding, measured in Chromium with DejaVu
# Sans: about 9.3 px per character of the 15 px bold name and 6.6 px of the 12 px details.
NAME_LINE_CHARACTERS = 18
DETAIL_LINE_CHARACTERS = 27


@dataclass(frozen=True)
class DrawnTouchpoint:
    touchpoint: Touchpoint
    box: Box
    state: State
    look: StateLook
    url: str
    name_lines: list[str]
    channel: str
    owner: str
    accessible_name: str
    next: list[Touchpoint]


@dataclass(frozen=True)
class JourneyMap:
    layout: MapLayout
    touchpoints: list[DrawnTouchpoint]
    edges: list[Edge]
    legend: list[tuple[State, StateLook]]


def draw_journey_map(journey: Journey) -> JourneyMap:
    touchpoints = list(journey.touchpoints.select_related("owner").prefetch_related("next"))
    states = touchpoint_states(journey)
    layout = layout_journey(
        [NodeSpec(key=t.key, is_origin=t.is_origin, order=t.order) for t in touchpoints],
        [(t.key, n.key) for t in touchpoints for n in t.next.all()],
    )
    drawn = [_draw_touchpoint(t, layout.box(t.key), states.get(t.pk, State.NO_DATA)) for t in touchpoints]
    drawn.sort(key=lambda d: (d.box.column, d.box.row))
    return JourneyMap(
        layout=layout,
        touchpoints=drawn,
        edges=layout.edges,
        legend=[(state, LOOKS[state]) for state in State],
    )


def owner_name(touchpoint: Touchpoint) -> str:
    return touchpoint.owner.name if touchpoint.owner is not None else ""


def _draw_touchpoint(touchpoint: Touchpoint, box: Box, state: State) -> DrawnTouchpoint:
    channel = touchpoint.get_channel_display()
    owner = owner_name(touchpoint)
    origin = ", entry point" if touchpoint.is_origin else ""
    return DrawnTouchpoint(
        touchpoint=touchpoint,
        box=box,
        state=state,
        look=LOOKS[state],
        url=reverse("journeys:touchpoint", args=[touchpoint.key]),
        name_lines=wrap_words(touchpoint.name, NAME_LINE_CHARACTERS, max_lines=2),
        channel=channel,
        owner=_clip(owner, DETAIL_LINE_CHARACTERS - len("Owner: ")) if owner else "",
        accessible_name=(
            f"{touchpoint.name}: {channel}{origin}; owner {owner or 'none'}; {state.label}"
        ),
        next=sorted(touchpoint.next.all(), key=lambda n: (n.order, n.key)),
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
