"""The recovery figures of the last weeks, per touchpoint and per owner, for the /cases/standards/
page and the owner's scorecard (issue 7, item 4): share of cases first contacted and resolved within
the SLA, median time to first contact and to resolution, reopen rate ("recover once"), and the
patient's own close-the-loop answer; weekly SPC as for any other standard (careloop.measures.spc:
Laney p′ for shares, XmR for medians).

The shares are the journey's recovery standards, which the standards engine measures and stores
(case_counts.py): whether a case counts and meets one is decided by case_counts.judge for both, and
a share's name, goal and direction are those of the active journey's practice-wide recovery standard
for its metric when there is one, careloop's defaults below otherwise; so this page and the
standard's own page never disagree. The medians have no goal (they are watched for change) and are
not standards.

Cases are counted in the week they were opened (practice time zone), and only once the figure can be
known (case_counts.py); the medians: time to first contact once contacted, time to resolution once
resolved. Weeks without a single case are left out of a chart rather than drawn as a zero.
Figures below the minimum n (CARELOOP_MIN_N) are suppressed, as everywhere else.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from careloop.journeys.measure_definitions import RECOVERY_METRICS
from careloop.journeys.models import Journey, MeasureKind, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.spc import Assurance, Direction, LaneyResult, PointType, XmrResult, laney_p, xmr
from careloop.recovery.case_counts import facts_of, judge, recovery_standards
from careloop.recovery.models import Case, Status

WEEKS = 13
# Short forms of Making Data Count's icons, for a table cell (the standard pages spell them out).
VARIATION_LABELS = {
    PointType.COMMON_CAUSE: "Common cause",
    PointType.SPECIAL_CAUSE_IMPROVEMENT: "Special cause: improvement",
    PointType.SPECIAL_CAUSE_CONCERN: "Special cause: concern",
    PointType.SPECIAL_CAUSE_NEUTRAL: "Special cause",
}
ASSURANCE_LABELS = {
    Assurance.CONSISTENTLY_PASSING: "Consistently passing",
    Assurance.CONSISTENTLY_FAILING: "Consistently failing",
    Assurance.HIT_AND_MISS: "Hit and miss",
}


@dataclass(frozen=True)
class RecoveryStandard:
    key: str
    name: str
    kind: str  # "share" or "median"
    direction: Direction
    goal: float | None
    unit: str
    source: str
    # A share's metric (case_counts.JUDGES); '' for a median.
    metric: str = ""
    # The key of the journey's standard this share is, when there is one (its page has the SPC chart).
    standard_key: str = ""


# careloop's defaults, the same goals as the default journey's recovery standards
# (careloop/journeys/default_journey.yaml), used when the active journey has no practice-wide
# recovery standard for a metric.
STANDARDS = (
    RecoveryStandard(
        "first-contact-within-sla", "Cases first contacted within the SLA", "share", Direction.HIGHER_IS_BETTER, 0.9, "",
        "careloop's default goal (90 %), practice-set: the SLA itself is careloop's default of 1 business day.",
        metric="first_contact_within_sla",
    ),
    RecoveryStandard(
        "hours-to-first-contact", "Median time to first contact", "median", Direction.LOWER_IS_BETTER, None, "hours",
        "No goal: watched for change with SPC.",
    ),
    RecoveryStandard(
        "resolved-within-sla", "Cases resolved within the SLA", "share", Direction.HIGHER_IS_BETTER, 0.8, "",
        "careloop's default goal (80 %), practice-set: the SLA itself is careloop's default of 5 business days.",
        metric="resolved_within_sla",
    ),
    RecoveryStandard(
        "days-to-resolution", "Median time to resolution", "median", Direction.LOWER_IS_BETTER, None, "days",
        "No goal: watched for change with SPC.",
    ),
    RecoveryStandard(
        "reopen-rate", "Resolved cases reopened (recover once)", "share", Direction.LOWER_IS_BETTER, 0.05, "",
        "careloop's default goal (at most 5 %), practice-set; \"recover once\" is issue 7's aim.",
        metric="reopen_rate",
    ),
    RecoveryStandard(
        "resolved-for-patient", "Patients who say it was resolved for them", "share", Direction.HIGHER_IS_BETTER, 0.8, "",
        "careloop's default goal (80 %), practice-set; counts \"yes\" among patients asked.",
        metric="close_the_loop_resolved",
    ),
)


def standards_of(journey: Journey | None) -> tuple[RecoveryStandard, ...]:
    """careloop's recovery figures, each share named, aimed and directed as the journey's first
    practice-wide recovery standard for its metric says (one source of truth for a goal)."""
    if journey is None:
        return STANDARDS
    by_metric: dict[str, RecoveryStandard] = {}
    for standard in journey.standards.filter(kind=MeasureKind.RECOVERY).order_by("order", "key"):
        metric = str(standard.definition.get("metric", ""))
        if standard.definition.get("scope") == "practice" and metric not in by_metric:
            by_metric[metric] = RecoveryStandard(
                standard.key, standard.name, "share", Direction(standard.direction), standard.goal, "", standard.source,
                metric=metric, standard_key=standard.key,
            )
    return tuple(replace(by_metric[s.metric], key=s.key) if s.metric in by_metric else s for s in STANDARDS)


@dataclass
class WeekFigures:
    """What one week's cases contribute to each standard: (numerator, denominator) or durations."""

    shares: dict[str, list[int]] = field(default_factory=dict)
    durations: dict[str, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class RecoveryFigure:
    standard: RecoveryStandard
    n: int
    value: float | None  # None: suppressed (n below the minimum) or nothing to count
    suppressed: bool
    goal_met: bool | None
    variation: PointType | None
    assurance: Assurance | None
    weekly: list[tuple[date, float]]

    @property
    def variation_text(self) -> str:
        return VARIATION_LABELS[self.variation] if self.variation is not None else "—"

    @property
    def assurance_text(self) -> str:
        return ASSURANCE_LABELS[self.assurance] if self.assurance is not None else "—"

    @property
    def goal_text(self) -> str:
        if self.standard.goal is None:
            return "—"
        bound = "at most" if self.standard.direction == Direction.LOWER_IS_BETTER else "at least"
        verdict = {True: " · met", False: " · not met", None: ""}[self.goal_met]
        return f"{bound} {self.standard.goal:.0%}{verdict}"

    @property
    def text(self) -> str:
        if self.value is None:
            return f"fewer than {settings.MIN_N_DEFAULT} cases" if self.suppressed else "no cases yet"
        if self.standard.kind == "share":
            return f"{self.value:.0%}"
        return f"{self.value:.1f} {self.standard.unit}"


def _contributions(case: Case, now: datetime) -> tuple[dict[str, tuple[int, int]], dict[str, float]]:
    shares: dict[str, tuple[int, int]] = {}
    facts = facts_of(case)
    for standard in STANDARDS:
        if standard.metric and (verdict := judge(standard.metric, facts, now)) is not None:
            shares[standard.key] = (int(verdict[1]), 1)
    durations: dict[str, float] = {}
    if not case.is_incident and case.first_contacted_at is not None:
        durations["hours-to-first-contact"] = (case.first_contacted_at - case.opened_at).total_seconds() / 3600
    if case.status == Status.RESOLVED and case.resolved_at is not None:
        durations["days-to-resolution"] = (case.resolved_at - case.opened_at).total_seconds() / 86400
    return shares, durations


def _week_start(moment: datetime) -> date:
    day = moment.astimezone(practice_zone()).date()
    return day - timedelta(days=day.weekday())


def figures_for(
    cases: Iterable[Case], now: datetime | None = None, standards: tuple[RecoveryStandard, ...] = STANDARDS
) -> list[RecoveryFigure]:
    """Every recovery figure over these cases: the whole window's figure and the weekly SPC verdict."""
    moment = now or timezone.now()
    weeks: dict[date, WeekFigures] = {}
    for case in cases:
        week = weeks.setdefault(_week_start(case.opened_at), WeekFigures())
        shares, durations = _contributions(case, moment)
        for key, (met, counted) in shares.items():
            pair = week.shares.setdefault(key, [0, 0])
            pair[0] += met
            pair[1] += counted
        for key, value in durations.items():
            week.durations.setdefault(key, []).append(value)
    ordered = sorted(weeks)
    return [_figure(standard, [(w, weeks[w]) for w in ordered]) for standard in standards]


def _figure(standard: RecoveryStandard, weeks: list[tuple[date, WeekFigures]]) -> RecoveryFigure:
    minimum = int(settings.MIN_N_DEFAULT)
    chart: XmrResult | LaneyResult | None
    if standard.kind == "share":
        pairs = [(w, f.shares[standard.key]) for w, f in weeks if f.shares.get(standard.key, [0, 0])[1] > 0]
        n = sum(p[1] for _, p in pairs)
        value = sum(p[0] for _, p in pairs) / n if n else None
        weekly = [(w, p[0] / p[1]) for w, p in pairs]
        chart = (
            laney_p([p[0] for _, p in pairs], [p[1] for _, p in pairs], direction=standard.direction, goal=standard.goal)
            if len(pairs) >= 2
            else None
        )
    else:
        lists = [(w, f.durations[standard.key]) for w, f in weeks if f.durations.get(standard.key)]
        every = [v for _, values in lists for v in values]
        n = len(every)
        value = statistics.median(every) if every else None
        weekly = [(w, statistics.median(values)) for w, values in lists]
        chart = xmr([v for _, v in weekly], direction=standard.direction) if len(weekly) >= 2 else None
    suppressed = n < minimum
    shown = None if suppressed else value
    goal_met = _goal_met(standard, shown)
    return RecoveryFigure(
        standard=standard,
        n=n,
        value=shown,
        suppressed=suppressed and n > 0,
        goal_met=goal_met,
        variation=chart.variation if chart is not None and not suppressed else None,
        assurance=chart.assurance if chart is not None and not suppressed else None,
        weekly=weekly,
    )


def _goal_met(standard: RecoveryStandard, value: float | None) -> bool | None:
    if value is None or standard.goal is None:
        return None
    if standard.direction == Direction.LOWER_IS_BETTER:
        return value <= standard.goal
    return value >= standard.goal


@dataclass(frozen=True)
class JourneyStandardRow:
    """One of the journey's recovery standards, said for the page: what it counts, where, its goal."""

    standard: Standard
    what: str
    goal: str


def journey_standard_rows() -> list[JourneyStandardRow]:
    rows = []
    for standard in recovery_standards():
        _, what = RECOVERY_METRICS.get(str(standard.definition.get("metric", "")), ("", "cases"))
        practice = standard.definition.get("scope") == "practice"
        among = "every case of the practice" if practice else f"cases at {standard.touchpoint.name}"
        bound = "at most" if standard.direction == Direction.LOWER_IS_BETTER else "at least"
        rows.append(JourneyStandardRow(standard, f"Share of {what}, among {among}", f"{bound} {standard.goal * 100:g} %"))
    return rows


def recent_cases(now: datetime | None = None, weeks: int = WEEKS) -> list[Case]:
    moment = now or timezone.now()
    return list(Case.objects.filter(opened_at__gte=moment - timedelta(weeks=weeks)).select_related("touchpoint", "owner"))


@dataclass(frozen=True)
class GroupFigures:
    label: str
    figures: list[RecoveryFigure]


def figures_by(
    key: Callable[[Case], str],
    cases: list[Case],
    now: datetime | None = None,
    standards: tuple[RecoveryStandard, ...] = STANDARDS,
) -> list[GroupFigures]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(key(case), []).append(case)
    return [GroupFigures(label, figures_for(groups[label], now, standards)) for label in sorted(groups)]


def by_touchpoint(case: Case) -> str:
    return case.touchpoint.name if case.touchpoint else "No touchpoint"


def by_owner(case: Case) -> str:
    return case.owner.name if case.owner else "Nobody"
