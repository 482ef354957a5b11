"""An owner's scorecard ("My standards"): every standard of the touchpoints one staff member owns,
with its latest value, goal, state, SPC verdict and open signals, and the owner roll-up — the share
of their judged standards meeting the goal (the "per owner" breakdown of issue 4).

Later stages add sections (recovery: the owner's open cases) without measures importing them
(dependencies point measures ← recovery): they register a function with
`register_scorecard_section`, as apps add panels to the home page (careloop/dashboard.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Journey, Standard
from careloop.journeys.standard_status import LOOKS, State, StateLook
from careloop.measures.models import Signal, SignalStatus
from careloop.measures.series import StandardSeries, standard_series
from careloop.measures.spc_chart import format_figure, is_share_series
from careloop.measures.standard_page import assurance_words, variation_words


@dataclass(frozen=True)
class ScorecardSection:
    """An extra box on the scorecard, made by another app. `template` is included with `context`."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


ScorecardSectionMaker = Callable[[HttpRequest, StaffMember], "ScorecardSection | None"]

# Extra sections, in the order registered (recovery registers the owner's open cases).
SCORECARD_SECTION_MAKERS: list[ScorecardSectionMaker] = []


def register_scorecard_section(maker: ScorecardSectionMaker) -> None:
    """Add a section to every scorecard; call it from your AppConfig.ready(). Registering the same
    function twice adds it once."""
    if maker not in SCORECARD_SECTION_MAKERS:
        SCORECARD_SECTION_MAKERS.append(maker)


@dataclass(frozen=True)
class ScorecardRow:
    standard: Standard
    period: str
    figure: str
    n: int | None
    goal: str
    state: State
    look: StateLook
    assurance: str
    variation: str
    open_signals: list[Signal]


@dataclass
class Scorecard:
    owner: StaffMember
    period_kind: str
    rows: list[ScorecardRow] = field(default_factory=list)
    sections: list[ScorecardSection] = field(default_factory=list)

    @property
    def judged(self) -> list[ScorecardRow]:
        """Standards whose latest period has enough data to say met or not met."""
        return [r for r in self.rows if r.state in (State.MET, State.NOT_MET)]

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.state == State.MET)

    @property
    def share_met(self) -> float | None:
        return self.met / len(self.judged) if self.judged else None

    @property
    def share_met_words(self) -> str:
        share = self.share_met
        if share is None:
            return "No standard has a period with enough data yet."
        return f"{self.met} of {len(self.judged)} standards with enough data meet their goal ({share * 100:.0f} %)."

    @property
    def open_signal_count(self) -> int:
        return sum(len(r.open_signals) for r in self.rows)


def owned_standards(owner: StaffMember) -> list[Standard]:
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return []
    return list(
        Standard.objects.filter(journey=journey, touchpoint__owner=owner)
        .select_related("touchpoint")
        .order_by("touchpoint__order", "order", "key")
    )


def _row(standard: Standard, series: StandardSeries, signals: list[Signal]) -> ScorecardRow:
    as_share = is_share_series(series)
    goal = format_figure(standard.goal, as_share)
    goal = ("≥ " if standard.direction == "higher_is_better" else "≤ ") + goal
    latest = series.latest
    if latest is None or latest.measurement is None:
        state, figure, n, period = State.NO_DATA, "no data yet", None, latest.period.label() if latest else ""
    elif latest.value is None:
        state, figure, n, period = State.NOT_ENOUGH_DATA, "not enough data", latest.measurement.n, latest.period.label()
    else:
        met = latest.measurement.goal_met
        state = State.MET if met else State.NOT_MET
        figure, n, period = format_figure(latest.value, as_share), latest.measurement.n, latest.period.label()
    return ScorecardRow(
        standard, period, figure, n, goal, state, LOOKS[state], assurance_words(series), variation_words(series), signals
    )


def build_scorecard(request: HttpRequest, owner: StaffMember, period_kind: str = "month", today: date | None = None) -> Scorecard:
    card = Scorecard(owner, period_kind)
    standards = owned_standards(owner)
    signals_by_standard: dict[int, list[Signal]] = {}
    for signal in Signal.objects.filter(standard__in=standards).exclude(status=SignalStatus.CLOSED).order_by("-triggered_period"):
        signals_by_standard.setdefault(signal.standard_id, []).append(signal)
    for standard in standards:
        series = standard_series(standard, period_kind, today=today)
        card.rows.append(_row(standard, series, signals_by_standard.get(standard.pk, [])))
    card.sections = [section for make in SCORECARD_SECTION_MAKERS if (section := make(request, owner)) is not None]
    return card
