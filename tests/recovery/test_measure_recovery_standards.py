"""Recovery measured as standards of the journey (issue 7, item 4): the standards engine counts cases
for a `recovery` standard, stores its measurements per owner, and the /cases/standards/ page agrees.

Eight cases, counted by hand as of Monday 27 January 2025, 12:00 in New York. Normal priority: first
contact within 1 business day, resolution within 5; the deadline is the local midnight ending the due
day (recovery/sla.py), weekends skipped.

| case | opened (EST)       | what happened                                                     |
|------|--------------------|-------------------------------------------------------------------|
| 1    | Fri 17 Jan 16:00   | due Tue 21 00:00 (the weekend skipped); reached Mon 20 15:00, three days on: in time; resolved Thu 23 (due Sat 25 00:00): in time; answer "partly" |
| 2    | Wed 15 Jan 10:00   | due Fri 17 00:00; reached Fri 17 09:00: late; resolved Mon 27 09:00, after Thu 23 00:00: late; answer "no" |
| 3    | Wed 15 Jan 10:00   | reached 12:00: in time; resolved Thu 16, reopened Fri 17 (resolution clock restarts: Sat 25 00:00), resolved Mon 20: in time; answer "yes" |
| 4    | Fri 24 Jan 15:00   | open, first contact due Tue 28 00:00: not judgeable yet for anything |
| 5    | Wed 15 Jan 10:00   | anonymous incident (the manager's): no first contact to make; resolved Thu 16: in time |
| 6    | Wed 15 Jan 10:00   | closed without contact Thu 16: first contact missed once due; no resolution to time |
| 7    | Wed 15 Jan 10:00   | at the waiting room: reached 11:00, resolved Fri 17: in time; answer "yes" |
| 8    | Wed 15 Jan 10:00   | never contacted, still open: both deadlines missed |

Practice: first contact 3 of 6 (1, 3, 7 of 1, 2, 3, 6, 7, 8); resolved in time 4 of 6 (1, 3, 5, 7 of
1, 2, 3, 5, 7, 8); reopened 1 of 5 resolved (3 of 1, 2, 3, 5, 7); resolved for the patient 2 of 4.
Check-in alone (without case 7): first contact 2 of 5.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from careloop.journeys.models import Journey, Standard, Touchpoint
from careloop.measures.engine import analytics, count_events
from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.case_counts import count_recovery_cases
from careloop.recovery.measurement import figures_for, recent_cases, standards_of
from careloop.recovery.models import Case
from careloop.recovery.tasks import work_recovery_once
from careloop.recovery.working import close_without_contact, log_contact, record_close_loop_answer, reopen, resolve
from tests.conftest import Cast, client_for
from tests.recovery.cases import NEW_YORK, make_case, make_journey

AS_OF = datetime(2025, 1, 27, 12, 0, tzinfo=NEW_YORK)
WEEK = date(2025, 1, 13)


def est(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=NEW_YORK)


def recovery_standard(journey: Journey, key: str, metric: str, *, scope: str = "practice", **fields: Any) -> Standard:
    touchpoint = Touchpoint.objects.get(journey=journey, key=fields.pop("touchpoint", "check-in"))
    direction = "lower_is_better" if metric == "reopen_rate" else "higher_is_better"
    values = {"name": key, "goal": 0.05 if metric == "reopen_rate" else 0.9, "direction": direction, "source": "test", "min_n": 1}
    return Standard.objects.create(
        journey=journey, touchpoint=touchpoint, key=key, kind="recovery",
        definition={"kind": "recovery", "metric": metric, "scope": scope}, **(values | fields),
    )


def _resolve(case: Case, cast: Cast, at: datetime) -> None:
    resolve(case, by=cast.fran, recovery_offered=["apology"], cause_category="process", fix_level="this_patient", at=at)


def _reach(case: Case, cast: Cast, at: datetime) -> None:
    log_contact(case, by=cast.fran, method="phone", said="Listened and apologised", outcome="reached", at=at)


@pytest.fixture
def eight_cases(cast: Cast) -> dict[int, Case]:
    make_journey()
    cases = {
        1: make_case("P-1", episode="visit:V-1", opened_at=est(17, 16)),
        2: make_case("P-2", episode="visit:V-2", opened_at=est(15, 10)),
        3: make_case("P-3", episode="visit:V-3", opened_at=est(15, 10)),
        4: make_case("P-4", episode="visit:V-4", opened_at=est(24, 15)),
        5: make_case(episode="comment:5", opened_at=est(15, 10), incident=True),
        6: make_case("P-6", episode="visit:V-6", opened_at=est(15, 10)),
        7: make_case("P-7", episode="visit:V-7", touchpoint="waiting-room", opened_at=est(15, 10)),
        8: make_case("P-8", episode="visit:V-8", opened_at=est(15, 10)),
    }
    _reach(cases[1], cast, est(20, 15))
    _resolve(cases[1], cast, est(23, 10))
    record_close_loop_answer(cases[1], by=cast.fran, answer="partly", at=est(24, 10))
    _reach(cases[2], cast, est(17, 9))
    _resolve(cases[2], cast, est(27, 9))
    record_close_loop_answer(cases[2], by=cast.fran, answer="no", at=est(27, 10))
    _reach(cases[3], cast, est(15, 12))
    _resolve(cases[3], cast, est(16, 10))
    reopen(cases[3], by=cast.fran, reason="The bill came again", at=est(17, 12))
    _resolve(cases[3], cast, est(20, 10))
    record_close_loop_answer(cases[3], by=cast.fran, answer="yes", at=est(21, 10))
    resolve(cases[5], by=cast.maria, recovery_offered=["other"], cause_category="place", fix_level="process", at=est(16, 14))
    close_without_contact(cases[6], by=cast.fran, reason="Number out of service", at=est(16, 9))
    _reach(cases[7], cast, est(15, 11))
    _resolve(cases[7], cast, est(17, 10))
    record_close_loop_answer(cases[7], by=cast.fran, answer="yes", at=est(17, 12))
    return cases


def test_the_fixture_deadlines_are_the_ones_counted_by_hand(eight_cases: dict[int, Case]) -> None:
    # A weekend between: Friday afternoon's case is due at the end of Monday.
    assert eight_cases[1].first_contact_due == est(21, 0)
    assert eight_cases[2].first_contact_due == est(17, 0) and eight_cases[2].resolution_due == est(23, 0)
    assert eight_cases[3].resolution_due == est(25, 0)  # restarted by the reopening on Friday
    assert eight_cases[4].first_contact_due == est(28, 0)
    assert eight_cases[5].owner is not None and eight_cases[5].owner.key == "maria-manager"


def _week(standard: Standard, breakdown: str = "", value: str = "") -> tuple[int, int, bool | None]:
    row = Measurement.objects.get(standard=standard, period_kind="week", period_start=WEEK, breakdown=breakdown, breakdown_value=value)
    return row.n, row.n_met, row.goal_met


def test_it_counts_each_metric_of_the_practice_by_hand(eight_cases: dict[int, Case]) -> None:
    journey = Journey.objects.get(is_active=True)
    first = recovery_standard(journey, "first-contact", "first_contact_within_sla")
    in_time = recovery_standard(journey, "resolved-in-time", "resolved_within_sla", goal=0.6)
    reopened = recovery_standard(journey, "reopen-rate", "reopen_rate")
    answered = recovery_standard(journey, "resolved-for-patient", "close_the_loop_resolved", goal=0.5)
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == []
    assert _week(first) == (6, 3, False)
    assert _week(in_time) == (6, 4, True)
    # A reopen rate is a ceiling: 1 of 5 is 20 %, over the 5 % goal.
    assert _week(reopened) == (5, 1, False)
    assert _week(answered) == (4, 2, True)
    # Case 4 opened the week after and is not judgeable yet: that week has no measurement at all.
    assert not Measurement.objects.filter(period_start=date(2025, 1, 20), period_kind="week").exists()
    month = Measurement.objects.get(standard=first, period_kind="month", period_start=date(2025, 1, 1), breakdown="")
    assert (month.n, month.n_met, month.share) == (6, 3, 0.5)


def test_it_breaks_recovery_standards_down_by_owner(eight_cases: dict[int, Case]) -> None:
    journey = Journey.objects.get(is_active=True)
    first = recovery_standard(journey, "first-contact", "first_contact_within_sla")
    in_time = recovery_standard(journey, "resolved-in-time", "resolved_within_sla")
    recompute_measurements(as_of=AS_OF)
    assert _week(first, "owner", "fran-frontdesk")[:2] == (6, 3)
    # The incident is the manager's: it counts for resolution only.
    assert not Measurement.objects.filter(standard=first, breakdown_value="maria-manager").exists()
    assert _week(in_time, "owner", "fran-frontdesk")[:2] == (5, 3)
    assert _week(in_time, "owner", "maria-manager")[:2] == (1, 1)


def test_it_counts_only_the_cases_of_its_touchpoint_unless_scoped_to_the_practice(eight_cases: dict[int, Case]) -> None:
    journey = Journey.objects.get(is_active=True)
    check_in = recovery_standard(journey, "check-in-first-contact", "first_contact_within_sla", scope="touchpoint")
    waiting = recovery_standard(journey, "waiting-first-contact", "first_contact_within_sla", scope="touchpoint", touchpoint="waiting-room")
    billing = recovery_standard(journey, "billing-first-contact", "first_contact_within_sla", scope="touchpoint", touchpoint="billing")
    recompute_measurements(as_of=AS_OF)
    assert _week(check_in)[:2] == (5, 2)
    assert _week(waiting)[:2] == (1, 1)
    assert not Measurement.objects.filter(standard=billing).exists()


def test_it_counts_a_case_on_the_local_day_it_was_opened(eight_cases: dict[int, Case]) -> None:
    journey = Journey.objects.get(is_active=True)
    first = recovery_standard(journey, "first-contact", "first_contact_within_sla")
    counts = count_recovery_cases(first, since=None, as_of=AS_OF)
    by_day = {(row.day, row.breakdown["owner"]): (row.n, row.met) for row in counts.days}
    wednesday = (date(2025, 1, 15) - date(1970, 1, 1)).days
    friday = wednesday + 2
    assert by_day == {(wednesday, "fran-frontdesk"): (5, 2), (friday, "fran-frontdesk"): (1, 1)}
    # `since` leaves out cases opened before it, as the engine does for events.
    later = count_recovery_cases(first, since=est(16, 0), as_of=AS_OF)
    assert [(row.day, row.n, row.met) for row in later.days] == [(friday, 1, 1)]


def test_it_judges_an_open_case_only_once_its_deadline_has_passed(cast: Cast) -> None:
    journey = make_journey()
    first = recovery_standard(journey, "first-contact", "first_contact_within_sla")
    make_case("P-9", episode="visit:V-9", opened_at=est(15, 10))
    before = count_recovery_cases(first, since=None, as_of=est(16, 23, 59))
    after = count_recovery_cases(first, since=None, as_of=est(17, 0))
    assert before.days == [] and [(row.n, row.met) for row in after.days] == [(1, 0)]


def test_the_engine_counts_a_recovery_standard_through_its_one_branch(eight_cases: dict[int, Case]) -> None:
    journey = Journey.objects.get(is_active=True)
    answered = recovery_standard(journey, "resolved-for-patient", "close_the_loop_resolved")
    with analytics("") as source:
        counts = count_events(answered, source, as_of=AS_OF)
    assert counts.dimensions == ("owner",)
    assert sum(row.n for row in counts.days) == 4 and sum(row.met for row in counts.days) == 2


def test_the_cases_page_figures_equal_the_stored_measurements(eight_cases: dict[int, Case], settings: Any) -> None:
    """One source of truth: the page's 13-week figures and the engine's measurements judge every
    case with the same function, so over the same cases they give the same n and met."""
    settings.MIN_N_DEFAULT = 1  # the page suppresses below CARELOOP_MIN_N; eight cases are fewer
    journey = Journey.objects.get(is_active=True)
    metrics = {
        "first_contact_within_sla": "first-contact-within-sla", "resolved_within_sla": "resolved-within-sla",
        "reopen_rate": "reopen-rate", "close_the_loop_resolved": "resolved-for-patient",
    }
    standards = {metric: recovery_standard(journey, f"std-{metric.replace('_', '-')}", metric) for metric in metrics}
    recompute_measurements(as_of=AS_OF)
    figures = {f.standard.key: f for f in figures_for(recent_cases(AS_OF), AS_OF, standards_of(journey))}
    for metric, page_key in metrics.items():
        stored = Measurement.objects.get(standard=standards[metric], period_kind="month", period_start=date(2025, 1, 1), breakdown="")
        figure = figures[page_key]
        assert figure.n == stored.n, metric
        assert figure.value == pytest.approx(stored.n_met / stored.n), metric
        # The page shows the journey's goal and links to the standard's own page.
        assert figure.standard.goal == standards[metric].goal and figure.standard.standard_key == standards[metric].key


def test_it_measures_recovery_standards_in_the_workers_round(eight_cases: dict[int, Case], cast: Cast) -> None:
    journey = Journey.objects.get(is_active=True)
    first = recovery_standard(journey, "first-contact", "first_contact_within_sla")
    rate = recovery_standard(journey, "reopen-rate", "reopen_rate")
    result = work_recovery_once(AS_OF)
    assert result["measured"]["errors"] == []  # type: ignore[index]
    assert _week(first)[:2] == (6, 3) and _week(rate)[:2] == (5, 1)
    # Case 4 is reached before its deadline: it now counts, in the week it was opened.
    _reach(eight_cases[4], cast, est(27, 11))
    # Case 7, resolved two weeks ago, comes back: its week's reopen rate changes, long after.
    reopen(eight_cases[7], by=cast.fran, reason="Still waiting", at=est(27, 11, 30))
    work_recovery_once(AS_OF)
    assert _week(rate)[:2] == (5, 2)
    assert Measurement.objects.get(standard=first, period_kind="week", period_start=date(2025, 1, 20), breakdown="").n_met == 1


def test_it_reports_a_metric_the_engine_does_not_know(cast: Cast) -> None:
    journey = make_journey()
    broken = recovery_standard(journey, "broken", "first_contact_within_sla")
    broken.definition = {"kind": "recovery", "metric": "median_hours", "scope": "practice"}
    broken.save()
    report = recompute_measurements(standards=[broken], as_of=AS_OF)
    assert report.errors == [
        "Standard 'broken': measure.metric 'median_hours' is not one of: first_contact_within_sla, resolved_within_sla, "
        "reopen_rate, close_the_loop_resolved; fix the journey file."
    ]


def test_the_standards_page_links_the_journeys_recovery_standards(eight_cases: dict[int, Case], cast: Cast) -> None:
    journey = Journey.objects.get(is_active=True)
    recovery_standard(journey, "check-in-first-contact", "first_contact_within_sla", scope="touchpoint", name="Check-in cases contacted in time")
    html = client_for(cast.cora).get("/cases/standards/").content.decode()
    assert '<a href="/measures/standards/check-in-first-contact/">Check-in cases contacted in time</a>' in html
    assert "Share of cases whose patient was first contacted within the SLA, among cases at Check-in" in html
    assert "at least 90 %" in html
    assert "P-1" not in html


def _reference(standard: Standard, as_of: datetime) -> dict[tuple[int, str], tuple[int, int]]:
    """The metric definitions of docs/recovery.md as aggregates the database computes (the reference
    bench/recovery_standards.py times), independent of case_counts' Python judges."""
    resolved = Q(status="resolved", resolved_at__isnull=False)
    counted, met = {
        "first_contact_within_sla": (
            Q(is_incident=False) & (Q(first_contacted_at__isnull=False) | Q(first_contact_due__lte=as_of)),
            Q(is_incident=False, first_contacted_at__lte=F("first_contact_due")),
        ),
        "resolved_within_sla": (
            resolved | Q(status__in=["new", "contacted", "reopened"], resolution_due__lte=as_of),
            resolved & Q(resolved_at__lte=F("resolution_due")),
        ),
        "reopen_rate": (Q(status="resolved") | Q(reopen_count__gt=0), Q(reopen_count__gt=0)),
        "close_the_loop_resolved": (Q(close_loop_answer__in=["yes", "partly", "no"]), Q(close_loop_answer="yes")),
    }[standard.definition["metric"]]
    cases = Case.objects.filter(counted, opened_at__lte=as_of)
    if standard.definition["scope"] == "touchpoint":
        cases = cases.filter(touchpoint__key=standard.touchpoint.key)
    rows = cases.annotate(day=TruncDate("opened_at", tzinfo=NEW_YORK)).values("day", "owner__key").annotate(
        n=Count("pk"), met=Count("pk", filter=met)
    )
    return {((r["day"] - date(1970, 1, 1)).days, r["owner__key"] or "unknown"): (r["n"], r["met"]) for r in rows}


def test_the_python_count_equals_the_databases_on_random_cases(cast: Cast) -> None:
    """300 cases in every state, opened over four months around a daylight-saving change (9 March
    2025), counted by case_counts and by the database: the same n and met per day and owner."""
    journey = make_journey()
    rng = random.Random(11)
    touchpoints = list(journey.touchpoints.select_related("owner")) + [None]
    statuses = ["new", "contacted", "resolved", "reopened", "closed_without_contact"]
    as_of = datetime(2025, 4, 15, 9, 0, tzinfo=NEW_YORK)
    rows = []
    for number in range(300):
        opened = as_of - timedelta(hours=rng.uniform(0, 24 * 120))
        touchpoint = rng.choice(touchpoints)
        status = rng.choice(statuses)
        rows.append(Case(
            dedupe_key=f"random:{number}", patient_ref=f"P-{number}", is_incident=rng.random() < 0.1, trigger="complaint",
            summary="random", touchpoint=touchpoint, owner=touchpoint.owner if touchpoint else None, opened_at=opened,
            status=status, first_contact_due=opened + timedelta(hours=rng.choice([20, 38, 86])),
            resolution_due=opened + timedelta(days=rng.choice([5, 7, 9])),
            first_contacted_at=opened + timedelta(hours=rng.uniform(1, 100)) if rng.random() < 0.8 else None,
            resolved_at=opened + timedelta(days=rng.uniform(1, 12)) if status in ("resolved", "closed_without_contact") else None,
            reopen_count=rng.choice([0, 0, 0, 1]) if status in ("resolved", "reopened") else 0,
            close_loop_answer=rng.choice(["", "yes", "partly", "no"]) if status == "resolved" else "",
        ))
    Case.objects.bulk_create(rows)
    metrics = ["first_contact_within_sla", "resolved_within_sla", "reopen_rate", "close_the_loop_resolved"]
    for scope in ("practice", "touchpoint"):
        for metric in metrics:
            standard = recovery_standard(journey, f"{scope}-{metric.replace('_', '-')}", metric, scope=scope)
            counts = count_recovery_cases(standard, since=None, as_of=as_of)
            mine = {(row.day, row.breakdown["owner"]): (row.n, row.met) for row in counts.days}
            assert mine == _reference(standard, as_of) and mine, (scope, metric)
