"""The home page for each role (issue 8, item 5): the committee sees the board, the manager the
strategy at risk, everyone who reads aggregates the brief and the latest recognition."""

from __future__ import annotations

from datetime import date
from typing import Any

from careloop.accounts.models import StaffMember
from careloop.governance.models import StrategicGoal
from careloop.governance.recognition import add_moment, pick_moment_of_week
from careloop.measures.models import Measurement
from tests.conftest import Cast, client_for


def test_it_puts_the_governance_panels_on_each_roles_home(cast: Cast, default_journey: Any) -> None:
    calls = default_journey.standards.get(key="call-answered-30s")
    Measurement.objects.create(standard=calls, period_kind="month", period_start=date(2025, 1, 1), period_end=date(2025, 2, 1),
                               n=100, n_met=50, share=0.5, goal_met=False)
    goal = StrategicGoal.objects.create(title="Grow new-patient volume")
    goal.standards.set([calls])
    fran = StaffMember.objects.get(key="fran-frontdesk")
    pick_moment_of_week(add_moment("Fran stayed late to help a family.", [fran], date(2025, 3, 4), cast.maria), date(2025, 3, 3), cast.maria)

    committee = client_for(cast.cora).get("/").content.decode()
    assert "Governance board" in committee and "Strategy at risk" in committee
    manager = client_for(cast.maria).get("/").content.decode()
    assert "Strategy at risk" in manager and "1 of 1 goal at risk" in manager and "Governance board" not in manager
    staff = client_for(cast.sam).get("/").content.decode()
    assert "The weekly brief" in staff and "Fran stayed late" in staff
    assert "Strategy at risk" not in staff and "Governance board" not in staff
