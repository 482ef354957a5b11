"""Recovery measured as standards: hand-counted figures for a dozen cases opened the same week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from careloop.recovery.measurement import by_owner, figures_by, figures_for
from careloop.recovery.models import Case
from careloop.recovery.working import log_contact, record_close_loop_answer, reopen, resolve
from tests.conftest import Cast, client_for
from tests.recovery.cases import OPENED, make_case, make_journey

NOW = OPENED + timedelta(days=20)


@pytest.fixture
def cases(cast: Cast) -> list[Case]:
    """12 cases opened Wed 15 Jan 2025 10:00 EST (first contact due Fri 17 Jan 00:00 EST = 38 hours on):
    9 reached after 2 hours, 3 after 50 hours (late); 11 resolved 3 days after opening; 1 reopened;
    8 patients say yes, 2 no."""
    make_journey()
    made = [make_case(f"P-{n}", episode=f"visit:V-{n}") for n in range(12)]
    for n, case in enumerate(made):
        log_contact(case, by=cast.fran, method="phone", said="Spoke", outcome="reached", at=OPENED + timedelta(hours=2 if n < 9 else 50))
        if n < 11:
            resolve(case, by=cast.fran, recovery_offered=["apology"], cause_category="process", fix_level="process", at=OPENED + timedelta(days=3))
    reopen(made[10], by=cast.fran, reason="Not fixed", at=OPENED + timedelta(days=4))
    for n in range(10):
        record_close_loop_answer(made[n], by=cast.fran, answer="yes" if n < 8 else "no", at=OPENED + timedelta(days=5))
    return made


def test_it_counts_each_recovery_standard_by_hand(cases: list[Case]) -> None:
    figures = {f.standard.key: f for f in figures_for(cases, NOW)}
    within = figures["first-contact-within-sla"]
    assert (within.n, within.value, within.goal_met, within.text) == (12, 0.75, False, "75%")
    # Twelve times to first contact: nine of 2 hours, three of 50: the median is the mean of the 6th and 7th, 2.
    assert (figures["hours-to-first-contact"].n, figures["hours-to-first-contact"].value) == (12, 2.0)
    # Ten cases stay resolved, each after 3 days; the reopened one is not resolved now.
    assert (figures["days-to-resolution"].n, figures["days-to-resolution"].value) == (10, 3.0)
    reopened = figures["reopen-rate"]
    assert reopened.n == 11 and reopened.value == pytest.approx(1 / 11) and reopened.goal_met is False
    answered = figures["resolved-for-patient"]
    assert (answered.n, answered.value, answered.goal_met, answered.goal_text) == (10, 0.8, True, "at least 80% · met")
    # One week of cases: no SPC chart yet (it needs two periods).
    assert within.variation is None and within.variation_text == "—"


def test_it_suppresses_figures_below_the_minimum_n(cases: list[Case]) -> None:
    few = figures_for(cases[:9], NOW)
    within = next(f for f in few if f.standard.key == "first-contact-within-sla")
    assert (within.n, within.value, within.suppressed, within.text) == (9, None, True, "fewer than 10 cases")


def test_it_counts_an_uncontacted_case_as_late_only_once_its_deadline_passed(cast: Cast) -> None:
    make_journey()
    case = make_case()
    before = {f.standard.key: f for f in figures_for([case], OPENED + timedelta(hours=1))}
    after = {f.standard.key: f for f in figures_for([case], OPENED + timedelta(hours=39))}
    assert before["first-contact-within-sla"].n == 0 and after["first-contact-within-sla"].n == 1


def test_it_groups_figures_per_owner(cases: list[Case], cast: Cast) -> None:
    groups = figures_by(by_owner, cases, NOW)
    assert [g.label for g in groups] == ["Fran Frontdesk"]


def test_it_shows_the_standards_page_to_aggregate_readers(cases: list[Case], cast: Cast) -> None:
    # Move the fixture's week into the page's 13-week window, keeping every interval as it was.
    shift = timezone.now() - timedelta(days=20) - OPENED
    Case.objects.update(
        opened_at=F("opened_at") + shift, first_contact_due=F("first_contact_due") + shift,
        resolution_due=F("resolution_due") + shift, first_contacted_at=F("first_contacted_at") + shift,
        resolved_at=F("resolved_at") + shift,
    )
    html = client_for(cast.cora).get("/cases/standards/").content.decode()
    assert "Cases first contacted within the SLA</th>\n      <td>75%</td>\n      <td>12</td>" in html
    assert "<caption>Check-in</caption>" in html and "<caption>Fran Frontdesk</caption>" in html
    assert "at least 80% · met" in html
    assert "P-1" not in html
