"""Survey standards measured from a handful of responses made here, with every figure worked out by
hand: a top-box share, a CAHPS composite (the mean of item shares, not the pooled share), an NPS, and
suppression below the minimum n."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from careloop.measures.models import Measurement
from careloop.measures.recompute import recompute_measurements
from careloop.surveys.answering import derived_scores
from careloop.surveys.instrument_file import load_shipped_instruments, spec_of
from careloop.surveys.models import Answer, InstrumentVersion, Response
from tests.measures.engine_events import local, make_standard

AS_OF = local("2025-04-15 12:00")
COMMUNICATION = ["cgcahps-provider-explains", "cgcahps-provider-listens", "cgcahps-provider-respect", "cgcahps-provider-time"]


@pytest.fixture
def versions(db: Any) -> dict[str, InstrumentVersion]:
    return {version.instrument.key: version for version in load_shipped_instruments()}


def respond(
    version: InstrumentVersion,
    completed: datetime,
    answers: dict[str, str],
    *,
    provider: str = "dr-okafor",
    complete: bool = True,
) -> Response:
    spec = spec_of(version)
    response = Response.objects.create(
        instrument_version=version,
        language="en",
        provider=provider,
        location="main-street" if provider else "",
        visit_type="established" if provider else "",
        started_at=completed,
        completed_at=completed if complete else None,
        is_complete=complete,
    )
    for key, value in answers.items():
        item = spec.item(key)
        assert item is not None, key
        top, score = derived_scores(item, value)
        Answer.objects.create(response=response, item_key=key, value=value, top_box=top, score_100=score)
    return response


def week(key: str, breakdown: str = "", value: str = "", start: date = date(2025, 3, 3)) -> Measurement:
    return Measurement.objects.get(
        standard__key=key, period_kind="week", period_start=start, breakdown=breakdown, breakdown_value=value
    )


def test_it_measures_the_top_box_share_of_one_item(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "provider-rating", "survey", {"instrument": "cg-cahps-visit", "items": ["cgcahps-provider-rating"], "score": "top_box"},
        goal=0.8, touchpoint="visit",
    )
    for day, rating in zip((3, 3, 4, 5, 6, 7), ("10", "9", "9", "8", "6", "10"), strict=True):
        respond(versions["cg-cahps-visit"], local(f"2025-03-{day:02d} 18:00"), {"cgcahps-provider-rating": rating})
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [] and report.notices == {}
    measurement = week("provider-rating")
    # 9 or 10 is the top box: 4 of 6. Wilson 95 %: 30.0 % to 90.3 %, below the 80 % goal.
    assert (measurement.n, measurement.n_met, measurement.mean, measurement.goal_met) == (6, 4, None, False)
    assert measurement.share == pytest.approx(4 / 6)
    assert measurement.ci_low == pytest.approx(0.3000, abs=5e-4)
    assert measurement.ci_high == pytest.approx(0.9032, abs=5e-4)


def test_it_scores_a_composite_as_the_mean_of_its_items_shares(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "provider-communication", "survey", {"instrument": "cg-cahps-visit", "items": COMMUNICATION, "score": "top_box"},
        goal=0.6, min_n=4, touchpoint="visit",
    )
    yes, somewhat = "yes-definitely", "yes-somewhat"
    # explains 4/5, listens 5/5, respect 2/4 (one patient skipped it), enough time 1/5.
    rows = [
        (yes, yes, yes, yes),
        (yes, yes, yes, "no"),
        (yes, yes, somewhat, somewhat),
        (yes, yes, "no", "no"),
        ("no", yes, None, somewhat),
    ]
    for number, row in enumerate(rows):
        answers = {item: value for item, value in zip(COMMUNICATION, row, strict=True) if value is not None}
        respond(versions["cg-cahps-visit"], local(f"2025-03-04 {9 + number}:00"), answers)
    recompute_measurements(as_of=AS_OF)
    measurement = week("provider-communication")
    # (0.8 + 1.0 + 0.5 + 0.2) / 4 = 0.625 (pooling the 19 answers would give 12/19 = 0.632);
    # n is the items' mean n, (5 + 5 + 4 + 5) // 4 = 4, and n_met that share of it, rounded.
    assert measurement.share == pytest.approx(0.625)
    assert (measurement.n, measurement.n_met, measurement.goal_met) == (4, 2, True)
    # Interval: 1.96 * sqrt(.8*.2/5 + 0 + .5*.5/4 + .2*.8/5) / 4 = 0.1743 either side.
    assert measurement.ci_low == pytest.approx(0.625 - 0.1743, abs=5e-4)
    assert measurement.ci_high == pytest.approx(0.625 + 0.1743, abs=5e-4)


def test_it_measures_a_net_promoter_score_in_the_mean_field(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "net-promoter-score", "survey", {"instrument": "nps", "items": ["likely-to-recommend"], "score": "nps"},
        goal=50, min_n=10, touchpoint="visit",
    )
    for number, rating in enumerate(("10", "10", "9", "9", "9", "8", "7", "6", "3", "0")):
        respond(versions["nps"], local(f"2025-03-05 {8 + number}:00"), {"likely-to-recommend": rating})
    recompute_measurements(as_of=AS_OF)
    measurement = week("net-promoter-score")
    # 5 promoters (9-10), 2 passives, 3 detractors (0-6) of 10: 50 % - 30 % = 20, below the goal of 50.
    assert (measurement.n, measurement.n_met, measurement.share, measurement.goal_met) == (10, 5, None, False)
    assert measurement.mean == pytest.approx(20.0)
    # var = (0.5 + 0.3 - 0.2^2) / 10 = 0.076; 100 * 1.96 * sqrt(0.076) = 54.03 either side.
    assert measurement.ci_low == pytest.approx(20 - 54.03, abs=0.01)
    assert measurement.ci_high == pytest.approx(20 + 54.03, abs=0.01)


def test_it_suppresses_groups_below_the_minimum_n(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "provider-rating", "survey", {"instrument": "cg-cahps-visit", "items": ["cgcahps-provider-rating"], "score": "top_box"},
        goal=0.8, min_n=5, touchpoint="visit",
    )
    version = versions["cg-cahps-visit"]
    for hour in range(9, 14):
        respond(version, local(f"2025-03-04 {hour}:00"), {"cgcahps-provider-rating": "10"})
    respond(version, local("2025-03-04 15:00"), {"cgcahps-provider-rating": "10"}, provider="np-chen")
    respond(version, local("2025-03-04 16:00"), {"cgcahps-provider-rating": "2"}, provider="np-chen")
    # An anonymous response to a link given without a visit has no provider: counted, under "unknown".
    respond(version, local("2025-03-04 17:00"), {"cgcahps-provider-rating": "9"}, provider="")
    recompute_measurements(as_of=AS_OF)
    assert (week("provider-rating").n, week("provider-rating").n_met) == (8, 7)
    okafor = week("provider-rating", "provider", "dr-okafor")
    assert (okafor.n, okafor.share, okafor.suppressed, okafor.goal_met) == (5, 1.0, False, True)
    chen = week("provider-rating", "provider", "np-chen")
    assert (chen.n, chen.share, chen.ci_low, chen.goal_met, chen.suppressed) == (2, None, None, None, True)
    assert week("provider-rating", "provider", "unknown").n == 1


def test_it_counts_complete_responses_by_their_local_completion_day(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "provider-rating", "survey", {"instrument": "cg-cahps-visit", "items": ["cgcahps-provider-rating"], "score": "top_box"},
        goal=0.8, min_n=1, touchpoint="visit",
    )
    version = versions["cg-cahps-visit"]
    # Sunday 9 March 23:30 in New York is already Monday 10 March in UTC: it belongs to the week of 3 March.
    respond(version, local("2025-03-09 23:30"), {"cgcahps-provider-rating": "10"})
    respond(version, local("2025-03-10 08:00"), {"cgcahps-provider-rating": "4"})
    # Stopped halfway: kept for the patient to resume, never scored.
    respond(version, local("2025-03-05 08:00"), {"cgcahps-provider-rating": "0"}, complete=False)
    # Completed after the moment of measuring: not counted yet.
    respond(version, local("2025-04-16 08:00"), {"cgcahps-provider-rating": "0"})
    recompute_measurements(as_of=AS_OF)
    assert (week("provider-rating").n, week("provider-rating").n_met) == (1, 1)
    later = week("provider-rating", start=date(2025, 3, 10))
    assert (later.n, later.n_met) == (1, 0)
    march = Measurement.objects.get(standard__key="provider-rating", period_kind="month", breakdown="")
    assert (march.period_start, march.n, march.n_met, march.share) == (date(2025, 3, 1), 2, 1, 0.5)


def test_it_changes_nothing_when_recomputed(versions: dict[str, InstrumentVersion]) -> None:
    make_standard(
        "net-promoter-score", "survey", {"instrument": "nps", "items": ["likely-to-recommend"], "score": "nps"},
        goal=50, min_n=1, touchpoint="visit",
    )
    respond(versions["nps"], local("2025-03-05 09:00"), {"likely-to-recommend": "10"})
    first = recompute_measurements(as_of=AS_OF)
    second = recompute_measurements(as_of=AS_OF)
    assert first.created == 4 * 2 and (second.created, second.updated, second.unchanged) == (0, 0, 8)


def test_it_reports_an_item_the_instrument_does_not_have(versions: dict[str, InstrumentVersion]) -> None:
    make_standard("typo", "survey", {"instrument": "nps", "items": ["likely-to-recomend"], "score": "nps"}, goal=50)
    report = recompute_measurements(as_of=AS_OF)
    assert report.errors == [
        "Standard 'typo': measure.items names 'likely-to-recomend', which the survey instrument 'nps' does not have."
    ]
    assert not Measurement.objects.exists()
