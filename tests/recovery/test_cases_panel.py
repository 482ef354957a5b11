"""The home page's recovery panel: the cases due for the person who works them, and repeated causes at
one touchpoint for everyone who reads aggregates (issue 7, item 5)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from careloop.recovery.models import Case
from careloop.recovery.working import log_contact, resolve
from tests.conftest import Cast, client_for
from tests.recovery.cases import make_case, make_journey


def resolved(cast: Cast, n: int, cause: str, touchpoint: str = "check-in") -> list[Case]:
    now = timezone.now()
    made = []
    for i in range(n):
        case = make_case(f"P-{cause}-{i}", episode=f"visit:{cause}-{i}", touchpoint=touchpoint, opened_at=now - timedelta(days=3))
        log_contact(case, by=cast.fran, method="phone", said="Spoke", outcome="reached", at=now - timedelta(days=2))
        resolve(case, by=cast.fran, recovery_offered=["apology"], cause_category=cause, fix_level="process" if i == 0 else "this_patient", at=now - timedelta(days=1))
        made.append(case)
    return made


def test_it_surfaces_a_cause_repeated_three_times_at_one_touchpoint(cast: Cast) -> None:
    make_journey()
    resolved(cast, 3, "process")
    resolved(cast, 2, "people")  # twice is not yet a pattern
    html = client_for(cast.cora).get("/").content.decode()
    assert "Check-in: process · 3 cases, 1 needing a process change" in html
    assert "people ·" not in html
    # The committee sees the pattern but not the cases.
    assert "/cases/" not in html


def test_it_shows_an_owner_their_cases_due_with_overdue_counted(cast: Cast) -> None:
    make_journey()
    make_case("P-1", episode="visit:V-1", opened_at=timezone.now() - timedelta(days=10))
    make_case("P-2", episode="visit:V-2", opened_at=timezone.now())
    make_case("P-3", episode="visit:V-3", touchpoint="billing")  # bill's
    html = client_for(cast.fran).get("/").content.decode()
    assert "2 open for you · <strong class=\"overdue-flag\">1 overdue</strong>" in html
