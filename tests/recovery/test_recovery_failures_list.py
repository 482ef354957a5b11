"""A recovery standard's failures are the cases that counted against it (issue 7 with issue 4's
drill-down): `cases_against` judges them with the same function the standards engine counts with, so
the list has n − met cases of the stored measurement (met for the reopen rate, a ceiling).

The eight cases and their verdicts are those of tests/recovery/test_measure_recovery_standards.py,
counted by hand there. Not met in the week of 13 January 2025: first contact 2, 6, 8 (met: 1, 3, 7);
resolution 2, 8 (met: 1, 3, 5, 7; 6 was closed without contact and is left out); the patient's
answer 1 ("partly") and 2 ("no"). Reopened ("met" of the reopen rate): 3.
"""

from __future__ import annotations

from datetime import date

import pytest

from careloop.journeys.models import Journey, Standard
from careloop.measures.drilldown import DrilldownUnavailable, breakdown_from_query, failed_events
from careloop.measures.engine import MeasureError
from careloop.measures.models import Measurement
from careloop.measures.periods import Period
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.case_counts import cases_against
from careloop.recovery.models import Case
from tests.conftest import Cast
from tests.measures.engine_events import make_standard
from tests.recovery.test_measure_recovery_standards import AS_OF, WEEK, eight_cases, recovery_standard

__all__ = ["eight_cases"]  # the fixture, shared with the counting tests

PERIOD = Period("week", WEEK, date(2025, 1, 20))
METRICS = ("first_contact_within_sla", "resolved_within_sla", "reopen_rate", "close_the_loop_resolved")


def _standards() -> dict[str, Standard]:
    journey = Journey.objects.get(is_active=True)
    standards = {metric: recovery_standard(journey, f"std-{metric.replace('_', '-')}", metric) for metric in METRICS}
    assert recompute_measurements(as_of=AS_OF).errors == []
    return standards


def _stored_against(standard: Standard, breakdown: str = "", value: str = "") -> int:
    row = Measurement.objects.get(
        standard=standard, period_kind="week", period_start=WEEK, breakdown=breakdown, breakdown_value=value
    )
    return row.n_met if standard.direction == "lower_is_better" else row.n - row.n_met


def _numbers(cases: dict[int, Case], listed: list[str]) -> list[int]:
    by_id = {str(case.external_id): number for number, case in cases.items()}
    return sorted(by_id[external_id] for external_id in listed)


def test_it_lists_the_cases_counted_by_hand_for_each_metric(eight_cases: dict[int, Case], cast: Cast) -> None:
    standards = _standards()
    expected = {
        "first_contact_within_sla": [2, 6, 8],
        "resolved_within_sla": [2, 8],
        "reopen_rate": [3],
        "close_the_loop_resolved": [1, 2],
    }
    for metric, numbers in expected.items():
        failures = failed_events(cast.maria, standards[metric], PERIOD, as_of=AS_OF)
        assert failures.events == [] and not failures.shows_patients
        assert _numbers(eight_cases, [str(c.external_id) for c in failures.cases]) == numbers, metric
        assert failures.total == len(numbers) == _stored_against(standards[metric]), metric


def test_it_lists_as_many_cases_as_the_stored_measurement_counts_for_every_owner(eight_cases: dict[int, Case], cast: Cast) -> None:
    standards = _standards()
    for metric, standard in standards.items():
        for row in Measurement.objects.filter(standard=standard, period_kind="week", period_start=WEEK):
            failures = failed_events(cast.maria, standard, PERIOD, as_of=AS_OF, breakdown=(row.breakdown, row.breakdown_value))
            assert failures.total == len(failures.cases) == _stored_against(standard, row.breakdown, row.breakdown_value), (metric, row.breakdown_value)
    # By hand: the manager's incident (case 5) was resolved in time; Fran's 2 and 8 were not.
    in_time = standards["resolved_within_sla"]
    assert failed_events(cast.maria, in_time, PERIOD, as_of=AS_OF, breakdown=("owner", "maria-manager")).total == 0
    fran = failed_events(cast.maria, in_time, PERIOD, as_of=AS_OF, breakdown=("owner", "fran-frontdesk"))
    assert _numbers(eight_cases, [str(c.external_id) for c in fran.cases]) == [2, 8]


def test_it_says_why_each_case_counts_without_the_patient(eight_cases: dict[int, Case], cast: Cast) -> None:
    standards = _standards()
    first = {c.external_id: c for c in failed_events(cast.maria, standards["first_contact_within_sla"], PERIOD, as_of=AS_OF).cases}
    late, never = first[eight_cases[2].external_id], first[eight_cases[8].external_id]
    assert late.why == "first contact after its deadline" and late.status == "Resolved"
    assert never.why == "no first contact by its deadline" and never.status == "New"
    assert (never.touchpoint, never.owner_key, never.owner_name) == ("Check-in", "fran-frontdesk", "Fran Frontdesk")
    reopened = failed_events(cast.maria, standards["reopen_rate"], PERIOD, as_of=AS_OF).cases
    assert [c.why for c in reopened] == ["reopened 1 time"]
    answered = failed_events(cast.maria, standards["close_the_loop_resolved"], PERIOD, as_of=AS_OF).cases
    assert sorted(c.why for c in answered) == [
        "the patient answered “no” to “was this resolved for you?”",
        "the patient answered “partly” to “was this resolved for you?”",
    ]
    # Nothing on a row names the patient: no patient_ref, no summary.
    assert all("P-" not in str(value) for row in first.values() for value in vars(row).values())


def test_it_lists_only_the_cases_opened_in_the_period_and_judgeable_as_of(eight_cases: dict[int, Case]) -> None:
    standards = _standards()
    first = standards["first_contact_within_sla"]
    # Case 4 (opened Friday 24th) is not due until Tuesday 28th: it counts neither way yet.
    assert cases_against(first, date(2025, 1, 20), date(2025, 1, 27), as_of=AS_OF) == (0, [])
    assert cases_against(first, date(2025, 1, 6), date(2025, 1, 13), as_of=AS_OF) == (0, [])
    total, listed = cases_against(first, WEEK, date(2025, 1, 20), as_of=AS_OF, limit=2)
    assert total == 3 and len(listed) == 2


def test_it_refuses_a_breakdown_the_standard_is_not_measured_by(eight_cases: dict[int, Case], cast: Cast) -> None:
    first = _standards()["first_contact_within_sla"]
    assert breakdown_from_query(first, "owner", "fran-frontdesk") == ("owner", "fran-frontdesk")
    assert breakdown_from_query(first, "", "") == ("", "")
    assert breakdown_from_query(first, "provider", "dr-okafor") is None
    assert breakdown_from_query(first, "owner", "") is None
    assert breakdown_from_query(first, "owner", "x" * 81) is None
    with pytest.raises(DrilldownUnavailable, match="not broken down by 'provider'"):
        failed_events(cast.maria, first, PERIOD, as_of=AS_OF, breakdown=("provider", "dr-okafor"))


def test_it_refuses_a_standard_that_is_not_a_recovery_one(cast: Cast) -> None:
    audit = make_standard("greeted", "audit", {"checklist": "greeted"})
    with pytest.raises(MeasureError, match="not a recovery one"):
        cases_against(audit, WEEK, date(2025, 1, 20), as_of=AS_OF)
