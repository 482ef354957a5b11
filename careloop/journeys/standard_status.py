"""The state of a touchpoint's standards, as the journey map colours it.

The standards engine (careloop.measures) computes whether standards are met; journeys must not
import it (dependencies point journeys ← measures). So the engine registers a provider function
here from its AppConfig.ready():

    from careloop.journeys.standard_status import register_status_provider
    register_status_provider(touchpoint_states_from_measurements)

Until a provider is registered, every touchpoint honestly shows "no data yet".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from careloop.journeys.models import Journey


class State(models.TextChoices):
    MET = "met", "Standards met"
    NOT_MET = "not_met", "Standard not met"
    NOT_ENOUGH_DATA = "not_enough_data", "Not enough data"
    NO_DATA = "no_data", "No data yet"


@dataclass(frozen=True)
class StateLook:
    """How a state is drawn. Colour is never the only cue (WCAG 2.1 SC 1.4.1): each state also has
    a symbol and its words. Blue for met and orange for not met follow NHS England's "Making Data
    Count" icons (blue improvement, orange concern, grey no judgement), a pair that stays distinct
    for red-green colour blindness; each text colour has at least 4.5:1 contrast on its fill
    (WCAG 2.1 SC 1.4.3)."""

    fill: str
    text: str
    symbol: str
    # An SVG pattern id laid over the fill, so the two grey states differ in texture too.
    pattern: str = ""


LOOKS: dict[str, StateLook] = {
    State.MET: StateLook(fill="#005eb8", text="#ffffff", symbol="✓"),
    State.NOT_MET: StateLook(fill="#ed8b00", text="#1d2733", symbol="!"),
    State.NOT_ENOUGH_DATA: StateLook(fill="#c3cad3", text="#1d2733", symbol="…", pattern="hatch"),
    State.NO_DATA: StateLook(fill="#e9ecf0", text="#1d2733", symbol="–"),
}

StatusProvider = Callable[[Journey], dict[int, State]]

_provider: StatusProvider | None = None


def register_status_provider(provider: StatusProvider | None) -> None:
    """Install the function that says each touchpoint's state (None removes it). One provider:
    the standards engine is the only judge of whether a standard is met."""
    global _provider
    _provider = provider


def current_status_provider() -> StatusProvider | None:
    return _provider


def touchpoint_states(journey: Journey) -> dict[int, State]:
    """State of every touchpoint of the journey, by touchpoint id. A touchpoint the provider says
    nothing about has no data yet; without a provider, none has."""
    states = {pk: State.NO_DATA for pk in journey.touchpoints.values_list("pk", flat=True)}
    if _provider is not None:
        states.update({pk: State(s) for pk, s in _provider(journey).items() if pk in states})
    return states
