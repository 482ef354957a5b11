"""The weekly brief for the staff huddle (DESIGN.md "Acting"; issue 8, item 4): what it says about
one week. No patient identity anywhere: counts, standards, and redacted words only."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from careloop.governance.models import OPEN_ACTION_STATUSES, Action, Moment
from careloop.governance.recognition import moment_of_week, week_start_of
from careloop.journeys.models import Journey, Standard
from careloop.measures.business_time import practice_zone
from careloop.measures.models import Breakdown, Measurement, Signal
from careloop.measures.periods import Period, PeriodKind, local_midnight, period_containing
from careloop.measures.series import figure_of, standard_series
from careloop.measures.signals import open_signals
from careloop.reports.sparkline import Sparkline, draw_sparkline

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Weeks of history in a thumbnail: a quarter, enough to see a shift (7 points) with context.
THUMBNAIL_WEEKS = 13
# A one-page brief has room for this many standards and signals; the page links to the rest.
MAX_STANDARDS = 6
QUOTES = 2
# Governance actions due within this many days after the week are listed (the coming week's).
ACTIONS_AHEAD_DAYS = 7


class BriefError(ValueError):
    """A week that cannot be briefed, said in one sentence."""


def parse_week(text: str) -> date:
    """'2026-W07' → the Monday of ISO week 7 of 2026."""
    match = WEEK.match(text.strip())
    if not match:
        raise BriefError(f"A week is written YYYY-Www, e.g. 2026-W07, not {text!r}.")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise BriefError(f"{text} is not a week of the ISO calendar.") from None


def week_label(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(today: date) -> date:
    """The Monday of the last week that is over: Monday's brief is about the week before."""
    return week_start_of(today) - timedelta(days=7)


@dataclass(frozen=True)
class StandardLine:
    standard: Standard
    figure: str
    goal: str
    thumbnail: Sparkline
    signal: Signal | None = None
    is_new_signal: bool = False


@dataclass(frozen=True)
class CaseCounts:
    open: int
    late: int
    recovered: int


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    comments: int
    quotes: list[str]


@dataclass
class Brief:
    week_start: date
    practice: str
    moment: Moment | None = None
    recognised: list[str] = field(default_factory=list)
    standards: list[StandardLine] = field(default_factory=list)
    more_standards: int = 0
    cases: CaseCounts = CaseCounts(0, 0, 0)
    theme: Theme | None = None
    actions: list[Action] = field(default_factory=list)

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    def as_dict(self) -> dict[str, object]:
        return {
            "week": self.week,
            "week_start": self.week_start.isoformat(),
            "moment": self.moment.text if self.moment else None,
            "recognised": self.recognised,
            "standards": [
                {
                    "standard": line.standard.key,
                    "name": line.standard.name,
                    "figure": line.figure,
                    "goal": line.goal,
                    "signal": line.signal.get_rule_display() if line.signal else None,
                    "new_signal": line.is_new_signal,
                }
                for line in self.standards
            ],
            "cases": {"open": self.cases.open, "late": self.cases.late, "recovered": self.cases.recovered},
            "theme": {"theme": self.theme.label, "comments": self.theme.comments, "quotes": self.theme.quotes}
            if self.theme
            else None,
            "actions_due": [
                {"action": a.description, "owner": a.owner.name, "due_on": a.due_on.isoformat(), "review": a.review.title}
                for a in self.actions
            ],
        }


def _format(value: float, standard: Standard, measurement: Measurement) -> str:
    return f"{value:.0%}" if measurement.share is not None else f"{value:.1f}"


def _goal_text(standard: Standard) -> str:
    share_kind = standard.kind != "survey"
    return f"{'≥' if standard.direction != 'lower_is_better' else '≤'} {standard.goal:.0%}" if share_kind else f"{standard.goal:g}"


def _is_new(signal: Signal, week: Period) -> bool:
    """Triggered in the brief's week (weekly signal) or in the month that holds it (monthly)."""
    period = period_containing(week.start, signal.period_kind)
    return signal.triggered_period == period.start


def standard_lines(journey: Journey, week: Period) -> tuple[list[StandardLine], int]:
    """Standards off goal in the week, and standards with an open whole-practice signal."""
    signals: dict[int, Signal] = {}
    for open_signal in open_signals().filter(breakdown=Breakdown.PRACTICE).order_by("-triggered_period"):
        signals.setdefault(open_signal.standard_id, open_signal)
    off_goal = set(
        Measurement.objects.filter(
            standard__journey=journey,
            period_kind=PeriodKind.WEEK,
            breakdown=Breakdown.PRACTICE,
            period_start=week.start,
            goal_met=False,
        ).values_list("standard_id", flat=True)
    )
    wanted = [s for s in journey.standards.select_related("touchpoint").order_by("order", "id") if s.pk in off_goal or s.pk in signals]
    # Signals first (new ones first), then the rest off goal.
    wanted.sort(key=lambda s: (s.pk not in signals, not (s.pk in signals and _is_new(signals[s.pk], week))))
    lines = []
    for standard in wanted[:MAX_STANDARDS]:
        series = standard_series(standard, PeriodKind.WEEK, today=week.end)
        recent = [p for p in series.points if p.period.start <= week.start][-THUMBNAIL_WEEKS:]
        this_week = next((p.measurement for p in recent if p.period.start == week.start and p.measurement), None)
        value = figure_of(this_week) if this_week is not None else None
        figure = _format(value, standard, this_week) if value is not None and this_week is not None else "not enough data"
        signal = signals.get(standard.pk)
        lines.append(
            StandardLine(
                standard,
                figure,
                _goal_text(standard),
                draw_sparkline([p.value for p in recent], goal=standard.goal, label=standard.name),
                signal,
                signal is not None and _is_new(signal, week),
            )
        )
    return lines, max(0, len(wanted) - MAX_STANDARDS)


def case_counts(week: Period) -> CaseCounts:
    from careloop.recovery.models import OPEN_STATUSES, Case, Status

    zone = practice_zone()
    start, end = local_midnight(week.start, zone), local_midnight(week.end, zone)
    # Open at the end of the week: opened before it ended, not resolved or closed by then.
    open_cases = Case.objects.filter(opened_at__lt=end).exclude(resolved_at__lt=end).exclude(
        status=Status.CLOSED_WITHOUT_CONTACT
    )
    if end > datetime.now(tz=zone):
        open_cases = open_cases.filter(status__in=OPEN_STATUSES)
    late = sum(1 for case in open_cases if _late_at(case, end))
    recovered = Case.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count()
    return CaseCounts(open_cases.count(), late, recovered)


def _late_at(case: object, moment: datetime) -> bool:
    from careloop.recovery.models import Case

    assert isinstance(case, Case)
    if case.first_contacted_at is None and not case.is_incident:
        return case.first_contact_due <= moment
    return case.resolution_due <= moment


def _representative(texts: list[tuple[int, str]], count: int) -> list[str]:
    """The comments nearest the theme's middle: sentiment closest to the median, then length
    closest to the median length (a typical comment, neither the angriest nor the longest)."""
    if not texts:
        return []
    middle = statistics.median(s for s, _ in texts)
    length = statistics.median(len(t) for _, t in texts)
    ranked = sorted(texts, key=lambda item: (abs(item[0] - middle), abs(len(item[1]) - length), item[1]))
    return [text for _, text in ranked[:count]]


def theme_of_week(week: Period) -> Theme | None:
    from careloop.feedback.models import CommentAnalysis
    from careloop.feedback.themes import theme_label

    zone = practice_zone()
    analyses = list(
        CommentAnalysis.objects.filter(
            response__completed_at__gte=local_midnight(week.start, zone),
            response__completed_at__lt=local_midnight(week.end, zone),
        ).prefetch_related("corrections")
    )
    labelled = [(a.effective_labels(), a.redacted_text) for a in analyses]
    counts = Counter(key for labels, _ in labelled for key in labels["themes"])
    if not counts:
        return None
    key, comments = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    texts = [(int(labels["sentiment"]), text.strip()) for labels, text in labelled if key in labels["themes"] and text.strip()]
    return Theme(key, theme_label(key), comments, _representative(texts, QUOTES))


def actions_due(week: Period) -> list[Action]:
    until = week.end + timedelta(days=ACTIONS_AHEAD_DAYS)
    return list(
        Action.objects.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=until).select_related("owner", "review").order_by("due_on")
    )


def build_brief(week_start: date) -> Brief:
    if week_start.weekday() != 0:
        raise BriefError("A brief's week starts on a Monday.")
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        raise BriefError("No journey is loaded yet: run `careloop init`.")
    week = period_containing(week_start, PeriodKind.WEEK)
    brief = Brief(week_start, journey.name)
    brief.moment = moment_of_week(week_start)
    if brief.moment is not None:
        brief.recognised = [r.staff_member.name for r in brief.moment.recognitions.all()]
    brief.standards, brief.more_standards = standard_lines(journey, week)
    brief.cases = case_counts(week)
    brief.theme = theme_of_week(week)
    brief.actions = actions_due(week)
    return brief
