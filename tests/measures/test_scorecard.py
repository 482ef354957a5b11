"""The owner's scorecard ("My standards"): the standards of the touchpoints one owns, each with its
latest value, goal, state, SPC verdict and open signals; the roll-up; the manager's view of any
owner; the hook later stages add sections through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.http import HttpRequest

from careloop.accounts.models import StaffMember
from careloop.journeys.models import Standard
from careloop.measures import scorecard
from careloop.measures.models import Measurement, Signal
from careloop.measures.scorecard import ScorecardSection, register_scorecard_section
from tests.conftest import Cast, client_for
from tests.measures.engine_events import make_standard

MONTHS = [date(2025, m, 1) for m in range(1, 7)]


def _standard(key: str, owner: StaffMember, touchpoint: str, goal: float = 0.8) -> Standard:
    standard = make_standard(key, "audit", {"checklist": key}, goal=goal, min_n=10, touchpoint=touchpoint)
    standard.touchpoint.owner = owner
    standard.touchpoint.save()
    return standard


def _months(standard: Standard, met: list[int | None], n: int = 20) -> None:
    for start, count in zip(MONTHS, met, strict=True):
        end = date(start.year, start.month + 1, 1)
        if count is None:
            Measurement.objects.create(standard=standard, period_kind="month", period_start=start, period_end=end, n=4, n_met=2, suppressed=True)
            continue
        Measurement.objects.create(
            standard=standard, period_kind="month", period_start=start, period_end=end,
            n=n, n_met=count, share=count / n, goal_met=count / n >= standard.goal,
        )


@pytest.fixture
def frans_standards(cast: Cast) -> list[Standard]:
    fran = StaffMember.objects.get(key="fran-frontdesk")
    bill = StaffMember.objects.get(key="bill-billing")
    greeted = _standard("greeted", fran, "check-in")  # 18/20 = 90 % in June: met
    _months(greeted, [17, 18, 17, 18, 17, 18])
    thanked = _standard("thanked", fran, "check-in")  # 10/20 = 50 % in June: not met
    _months(thanked, [17, 16, 12, 11, 10, 10])
    _months(_standard("clean", fran, "waiting-room"), [17, 18, 17, 18, 17, None])  # June below min_n
    _months(_standard("billing-clear", bill, "billing"), [17, 18, 17, 18, 17, 18])
    Signal.objects.create(
        standard=thanked, period_kind="month", kind="missed_goal", rule="missed_goal",
        first_period=MONTHS[2], triggered_period=MONTHS[4], last_period=MONTHS[5],
    )
    return [greeted, thanked]


def test_it_lists_my_standards_with_state_verdict_and_signals(cast: Cast, frans_standards: list[Standard]) -> None:
    response = client_for(cast.fran).get("/measures/mine/")
    html = response.content.decode()
    assert response.status_code == 200
    card = response.context["card"]
    # In journey order (touchpoint, then standard; all order 0 here, so by key).
    assert [row.standard.key for row in card.rows] == ["clean", "greeted", "thanked"]
    assert [(row.period, row.figure, row.state.value) for row in card.rows] == [
        ("2025-06", "not enough data", "not_enough_data"),
        ("2025-06", "90.0 %", "met"),
        ("2025-06", "50.0 %", "not_met"),
    ]
    assert [len(row.open_signals) for row in card.rows] == [0, 0, 1]
    # Roll-up: of the two with enough data, one meets its goal.
    assert (card.met, len(card.judged), card.share_met) == (1, 2, 0.5)
    assert "1 of 2 standards with enough data meet their goal (50 %)." in html
    assert "billing-clear" not in html
    # The SPC verdict in words. greeted by hand (Laney p'): p = 105/120 = 0.875, sigma_p = 0.0740,
    # z = ±0.338, sigma_z = 0.676 / 1.128 = 0.599, limits 0.875 ± 3 × 0.0740 × 0.599 = 0.742-1.008:
    # the goal 0.8 is between them.
    assert card.rows[1].assurance.startswith("Hit and miss")
    assert card.rows[1].variation.startswith("Common cause")


def test_it_lets_a_manager_open_any_owners_scorecard_but_not_an_owner(cast: Cast, frans_standards: list[Standard]) -> None:
    response = client_for(cast.maria).get("/measures/owners/bill-billing/")
    assert response.status_code == 200
    assert [row.standard.key for row in response.context["card"].rows] == ["billing-clear"]
    assert client_for(cast.maria).get("/measures/owners/nobody/").status_code == 404
    assert client_for(cast.fran).get("/measures/owners/bill-billing/").status_code == 404


def test_it_says_so_to_someone_who_is_no_staff_member(cast: Cast) -> None:
    response = client_for(cast.ada).get("/measures/mine/")
    assert response.status_code == 200 and "not linked to a staff member" in response.content.decode()


@pytest.fixture
def extra_section() -> Iterator[None]:
    def cases_section(request: HttpRequest, owner: StaffMember) -> ScorecardSection | None:
        return ScorecardSection("Open cases", "measures/panels/signals.html", {"owner": owner.key})

    before = list(scorecard.SCORECARD_SECTION_MAKERS)
    register_scorecard_section(cases_section)
    register_scorecard_section(cases_section)
    yield
    scorecard.SCORECARD_SECTION_MAKERS[:] = before


def test_it_adds_the_sections_other_stages_register(cast: Cast, frans_standards: list[Standard], extra_section: Any) -> None:
    card = client_for(cast.fran).get("/measures/mine/").context["card"]
    assert [(s.title, s.context) for s in card.sections] == [("Open cases", {"owner": "fran-frontdesk"})]
